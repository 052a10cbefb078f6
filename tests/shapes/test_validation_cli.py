"""`pankg validate` and `pankg quarantine`, run through the real CLI entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph

from flows.cli import main
from shapes.quarantine import QuarantineStore, to_ntriples
from shapes.validate import SHAPES_DIR, validate_batch
from tests.shapes import samples as S
from tests.support.shared_data import shared

REPO = Path(__file__).resolve().parents[2]
PANET = ["--panet", S.panet_path()]


def _write_ttl(path: Path, rec: S.Record) -> Path:
    path.write_bytes(pyoxigraph.serialize(rec.triples, format=pyoxigraph.RdfFormat.TURTLE))
    return path


def _esrf() -> S.Record:
    return next(
        r for r in S.mapped_samples() if r.graph_iri.endswith("datacite-esrf-dc-2493599001.decoded.xml")
    )


def test_validate_valid_turtle(tmp_path: Path, capsys) -> None:
    path = _write_ttl(tmp_path / "esrf.ttl", _esrf())
    assert main(["validate", str(path), *PANET]) == 0
    out = capsys.readouterr().out
    assert "esrf.ttl: VALID" in out and "dataset https://doi.org/10.15151/esrf-dc-2493599001" in out
    assert "1 record(s): " in out


def test_validate_invalid_official_example(capsys) -> None:
    example = shared("dcat-ap", "examples-3.0.1", "example-bee-population.ttl")
    assert main(["validate", str(example), *PANET]) == 1
    out = capsys.readouterr().out
    assert "INVALID (would be quarantined)" in out
    assert "VIOLATION dct:identifier [core:Dataset-identifier]" in out
    assert "Every dataset needs" not in out  # it has a title
    assert "The dataset has no identifier" in out


def test_validate_jsonld_with_context_beside_it(capsys) -> None:
    example = shared("dcat-ap", "examples-3.0.1", "example-bee-population.jsonld")
    assert main(["validate", str(example), *PANET, "--json"]) == 1
    [report] = json.loads(capsys.readouterr().out)
    assert report["dataset"] == "https://data.gov.gr/id/dataset/BeePopulation"
    assert {"core:Dataset-identifier", "core:Dataset-issued"} <= {r["shape"] for r in report["results"]}


def test_validate_nquads_one_record_per_graph(tmp_path: Path, capsys) -> None:
    good = _esrf()
    bad = S.drop(S.DCT + "title")(S.vary(good, 7))
    quads = [
        pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.NamedNode(r.graph_iri))
        for r in (good, bad)
        for t in r.triples
    ]
    path = tmp_path / "two.nq"
    path.write_bytes(pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS))
    assert main(["validate", str(path), *PANET, "--json"]) == 1
    reports = {r["graph"]: r for r in json.loads(capsys.readouterr().out)}
    assert reports[good.graph_iri]["status"] == "valid"
    assert reports[bad.graph_iri]["status"] == "quarantined"
    assert [r["shape"] for r in reports[bad.graph_iri]["results"] if r["severity"] == "Violation"] == [
        "core:Dataset-title"
    ]


def test_validate_with_other_shapes(tmp_path: Path, capsys) -> None:
    """--shapes: only the recommended file: a record without description has warnings, no violation."""
    bare = S.drop(S.DCT + "description")(_esrf())
    path = _write_ttl(tmp_path / "bare.ttl", bare)
    assert main(["validate", str(path), *PANET]) == 1
    capsys.readouterr()
    assert main(["validate", str(path), *PANET, "--shapes", str(SHAPES_DIR / "recommended.ttl")]) == 0


def test_validate_unreadable_file(tmp_path: Path, capsys) -> None:
    broken = shared("dcat-ap", "examples-3.0.1", "example-bee-population-dataset-series-api.ttl")
    assert main(["validate", str(broken), *PANET]) == 2
    assert "not valid turtle" in capsys.readouterr().err


def test_quarantine_listing(tmp_path: Path, panet) -> None:
    recs = [r for r in S.mapped_samples() if not S.has(r, S.DCT + "description")][:3]
    reports = validate_batch(recs, ontology=panet)
    with QuarantineStore(tmp_path) as store:
        for i, rec in enumerate(recs):
            store.put("zenodo" if i else "esrf", f"oai:{i}", rec.graph_iri, "0" * 64, to_ntriples(rec.triples),
                      reports[rec.graph_iri].results)  # fmt: skip
    # The installed console script, as a steward runs it.
    run = [sys.executable, "-m", "flows.cli", "quarantine", "--data-dir", str(tmp_path)]
    table = subprocess.run(run, capture_output=True, text=True, cwd=REPO, check=True).stdout
    lines = table.splitlines()
    assert lines[0].split() == ["source", "identifier", "attempts", "last_seen", "reasons"]
    assert lines[1].startswith("esrf") and "The dataset has no description" in lines[1]
    assert lines[-1] == "esrf: 1, zenodo: 2 (3 quarantined)"
    only = subprocess.run(
        [*run, "zenodo", "--json"], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout
    rows = json.loads(only)
    assert [r["identifier"] for r in rows] == ["oai:1", "oai:2"]
    assert rows[0]["reasons"][0].startswith("The dataset has no description")
    empty = subprocess.run(
        [*run[:-2], "--data-dir", str(tmp_path / "none")], capture_output=True, text=True, cwd=REPO
    )
    assert empty.returncode == 0 and empty.stdout.strip() == "no quarantined records"
