"""`pankg harvest` as a user runs it: the real CLI, the real Prefect flow (ephemeral, no server), two
local providers of which one is down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harvesters.raw_store import RawStore
from harvesters.sources import load_sources
from tests.support.corpus import served_records
from tests.support.http_server import LoopbackServer
from tests.support.oai_server import RecordSet, oai_app
from tests.support.shared_data import REPO

PANKG = [sys.executable, "-m", "flows.cli"]


def pankg(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PANKG, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.prefect_server
def test_harvest_status_and_sources_commands(tmp_path: Path) -> None:
    with LoopbackServer(oai_app(RecordSet(served_records()), page_size=7)) as good:
        with LoopbackServer(oai_app(RecordSet([]))) as gone:
            down_url = gone.url
        registry = tmp_path / "sources.toml"
        registry.write_text(
            f'[local]\nname = "Local test provider"\nprotocol = "oai-pmh"\nurl = "{good.url}"\n'
            f'metadata_prefix = "oai_datacite"\nrequests_per_second = 0\n\n'
            f'[down]\nname = "A provider that is down"\nprotocol = "oai-pmh"\nurl = "{down_url}"\n'
            f'metadata_prefix = "oai_datacite"\nretries = 1\n',
            encoding="utf-8",
        )
        data = tmp_path / "data"
        env = {**os.environ, "PANKG_DATA_DIR": str(data), "PREFECT_HOME": str(tmp_path / "prefect")}
        result = pankg("harvest", "--sources", str(registry), env=env)

    # One source down: exit code 1 with its reason, and the other source harvested all the same.
    assert result.returncode == 1, result.stderr
    assert "down: failed: Identify failed" in result.stderr
    assert "| local | ok | full | 30 | 30 |" in result.stdout
    with RawStore(data / "raw.sqlite") as store:
        assert store.live_count("local") == 30

    status = pankg("status", "--sources", str(registry), env=env)
    assert status.returncode == 0
    local_line = next(line for line in status.stdout.splitlines() if line.startswith("local "))
    assert " 30 " in local_line and " ok " in local_line
    down_line = next(line for line in status.stdout.splitlines() if line.startswith("down "))
    assert "failed" in down_line

    # The harvested records were mapped, validated and loaded: the graph answers SPARQL.
    query = pankg(
        "query",
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?d a <http://www.w3.org/ns/dcat#Dataset> } }",
        "--format",
        "csv",
        env=env,
    )
    assert query.returncode == 0, query.stderr
    loaded = int(query.stdout.split()[-1])
    quarantine = pankg("quarantine", "local", "--json", env=env)
    assert quarantine.returncode == 0, quarantine.stderr
    assert loaded + len(json.loads(quarantine.stdout)) == 30

    sources = pankg("sources", "--sources", str(registry), env=env)
    assert sources.returncode == 0
    local = next(line for line in sources.stdout.splitlines() if line.startswith("local "))
    assert "Local test provider" in local and local.endswith("ok")


def test_record_needs_one_source(tmp_path: Path) -> None:
    result = pankg("harvest", "--record", "oai:x:1", env={**os.environ, "PANKG_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2 and "--record needs exactly one SOURCE" in result.stderr


def test_unknown_source_is_a_usage_error(tmp_path: Path) -> None:
    env = {**os.environ, "PANKG_DATA_DIR": str(tmp_path / "data")}
    result = pankg("harvest", "nosuchsource", env=env)
    assert result.returncode == 2
    assert "unknown source(s): nosuchsource" in result.stderr


def test_shipped_registry_lists_the_pan_facilities() -> None:
    sources = load_sources(REPO / "sources.toml")
    assert len([s for s in sources.values() if s.protocol == "oai-pmh"]) == 12  # + catalogue APIs
    assert all(s.url.startswith("https://") for s in sources.values())
    assert sources["psi"].metadata_prefix == "oai_dc"
    assert sources["hzdr"].set == "openaire_data"
    assert sources["maxiv"].ignores_from
