"""The run-time settings: declared once, built from flags > environment > defaults, refused when wrong,
and the same options on every `pankg` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import build_parser
from flows.settings import DECLARED, Settings, SettingsError
from graph.iris import NodeIris


def test_flags_beat_the_environment_which_beats_the_defaults() -> None:
    defaults = Settings.build({}, environ={})
    assert defaults.data_dir == Path("data")
    assert defaults.sources_file == Path("sources.toml")
    assert defaults.base_iri == "https://w3id.org/pan-kg/"
    assert defaults.shacl_engine == "pyshacl"
    assert defaults.panet.startswith("http")
    environ = {
        "PANKG_DATA_DIR": "/srv/pankg",
        "PANKG_SHACL_ENGINE": "shacl",
        "PANKG_BASE_IRI": "https://kg.x/",
    }
    from_env = Settings.build({}, environ=environ)
    assert (from_env.data_dir, from_env.shacl_engine, from_env.base_iri) == (
        Path("/srv/pankg"),
        "shacl",
        "https://kg.x/",
    )
    flagged = Settings.build(
        {"data_dir": "here", "shacl_engine": "pyshacl", "base_iri": None}, environ=environ
    )
    assert (flagged.data_dir, flagged.shacl_engine, flagged.base_iri) == (
        Path("here"),
        "pyshacl",
        "https://kg.x/",
    )


def test_the_base_iri_reaches_every_reserved_iri() -> None:
    settings = Settings.build({"base_iri": "https://kg.example.org/pan"}, environ={})
    assert settings.base_iri == "https://kg.example.org/pan/"
    assert settings.iris == NodeIris("https://kg.example.org/pan/")
    # Every reserved graph but the vocabulary's, which is the one published `pankg` ontology IRI.
    assert settings.iris.vocabulary_graph == "https://w3id.org/pan-kg/ns"
    named = [
        *(settings.iris.reserved_graphs - {settings.iris.vocabulary_graph}),
        settings.iris.node_catalogue,
        settings.iris.facility_catalogue("esrf"),
        settings.iris.record_graph("esrf", "oai:1"),
        settings.iris.harvest_run("esrf", "20260101T000000Z"),
        settings.iris.quality_graph("esrf", 1),
        settings.iris.statistics_dataset("x"),
    ]
    assert all(iri.startswith("https://kg.example.org/pan/") for iri in named), named


@pytest.mark.parametrize(
    ("flags", "names"),
    [({"shacl_engine": "topbraid"}, ("--shacl-engine", "PANKG_SHACL_ENGINE", "pyshacl, shacl")),
     ({"base_iri": "urn:x:"}, ("--base-iri", "PANKG_BASE_IRI"))],
)  # fmt: skip
def test_a_wrong_value_is_refused_naming_the_flag_and_the_variable(flags: dict, names: tuple) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.build(flags, environ={})
    for name in names:
        assert name in str(refused.value)


def test_a_wrong_environment_value_stops_the_command_with_exit_2(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PANKG_SHACL_ENGINE": "topbraid", "PANKG_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "status"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "PANKG_SHACL_ENGINE='topbraid'" in result.stderr


def test_every_command_takes_the_same_setting_options() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"harvest", "remap", "crosswalk", "validate", "quarantine", "report", "serve", "query"} <= set(
        commands
    )
    for name, command in commands.items():
        flags = {option for action in command._actions for option in action.option_strings}
        missing = {declared.flag for declared in DECLARED.values()} - flags
        assert not missing, f"pankg {name} lacks {missing}"


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.startswith("pankg ")
    assert result.stdout.split()[1][0].isdigit()
