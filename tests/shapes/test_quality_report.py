"""The quality report: figures checked against counts known from the real samples, files, DQV, trend."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pandas as pd
import pyoxigraph
import pytest

from flows.cli import main
from flows.engine import process_source
from graph.store import EmbeddedStore
from harvesters.harvest import harvest_source
from harvesters.raw_store import RawStore
from harvesters.sources import Source
from mappings import PanetIndex, crosswalk
from shapes.outcomes import OutcomeStore
from shapes.quarantine import QuarantineStore
from shapes.report import (
    FLAGS,
    completeness,
    dqv_triples,
    outcome_row,
    outcomes_frame,
    summarise,
    write_report,
)
from shapes.validate import QUARANTINED, VALID, WARNED, validate_batch
from tests.shapes import samples as S
from tests.support.corpus import served_records
from tests.support.http_server import LoopbackServer
from tests.support.oai_server import RecordSet, oai_app


def _source(rec: S.Record) -> str:
    return rec.graph_iri.split("/graph/", 1)[1].split("/", 1)[0]


def _outcomes(records, panet, run_id: int) -> pd.DataFrame:
    reports = validate_batch(records, ontology=panet)
    return outcomes_frame(
        outcome_row(_source(r), run_id, r.graph_iri.rsplit("/", 1)[-1], r, reports[r.graph_iri])
        for r in records
    )


@pytest.fixture(scope="module")
def outcomes(panet) -> pd.DataFrame:
    return _outcomes(list(S.mapped_samples()), panet, 1)


def test_completeness_flags_of_real_records() -> None:
    esrf = next(
        r for r in S.mapped_samples() if r.graph_iri.endswith("datacite-esrf-dc-2493599001.decoded.xml")
    )
    flags = completeness(esrf.triples, esrf.dataset_iri)
    # The ESRF tomography record: abstract, CC BY 4.0, ORCID creators, tomography (PaNET01129), a DOI;
    # no creator affiliation, no PDB/EMDB entry.
    assert flags == {
        "description": True,
        "licence": True,
        "creator_orcid": True,
        "affiliation_ror": False,
        "panet_technique": True,
        "entry_link": False,
        "doi": True,
    }
    linked = S.with_links(esrf, S.empiar_links())
    assert completeness(linked.triples, linked.dataset_iri)["entry_link"] is True
    bare = S.drop(S.DCT + "description")(esrf)
    assert completeness(bare.triples, bare.dataset_iri)["description"] is False


def test_summary_figures_match_known_counts(outcomes: pd.DataFrame) -> None:
    summary = summarise(outcomes)
    recs = S.mapped_samples()
    assert int(summary["validated"].sum()) == len(recs) == 160
    assert int(summary["quarantined"].sum()) == sum(1 for r in recs if S.core_gaps(r))
    assert int(summary[["valid", "warned", "quarantined"]].sum().sum()) == 160
    by_source = summary.set_index("source")
    for source in set(outcomes["source"]):
        part = [r for r in recs if _source(r) == source]
        n = len(part)
        assert by_source.loc[source, "validated"] == n
        with_description = sum(S.has(r, S.DCT + "description") for r in part)
        assert by_source.loc[source, "description_pct"] == round(100 * with_description / n, 1)
        assert by_source.loc[source, "quarantined"] == sum(1 for r in part if S.core_gaps(r))
        with_licence = sum(S.has(r, S.DCT + "license") for r in part)
        assert by_source.loc[source, "licence_pct"] == round(100 * with_licence / n, 1)
        with_doi = sum(r.dataset_iri.startswith("https://doi.org/") for r in part)
        assert by_source.loc[source, "doi_pct"] >= round(100 * with_doi / n, 1)
    # pyoai's oai_dc test set "fake2": 79 records, none with a licence, 75 without publisher.
    fake2 = by_source.loc["fake2"]
    fake2_recs = [r for r in recs if _source(r) == "fake2"]
    no_description = sum(not S.has(r, S.DCT + "description") for r in fake2_recs)
    assert fake2["validated"] == 79 and fake2["licence_pct"] == 0.0
    assert fake2["top_warnings"].startswith("79 × No licence")
    assert "75 × No publisher" in fake2["top_warnings"]
    assert f"{no_description} × The dataset has no description" in fake2["top_violations"]


def test_report_files_and_trend(tmp_path: Path, outcomes: pd.DataFrame, panet) -> None:
    # Run 1: as harvested. Run 2: the provider fixed its descriptions (the quarantined ones are gone).
    write_report(tmp_path, outcomes, findings={("fake2", 1): ["provider: deletedRecord=no"]})
    fixed = S.valid_samples()
    pages = write_report(tmp_path, _outcomes(fixed, panet, 2))
    history = pd.read_csv(tmp_path / "reports" / "quality.csv", keep_default_na=False)
    fake2 = history[history["source"] == "fake2"].set_index("run_id")
    assert list(fake2.index) == [1, 2]
    assert fake2.loc[1, "quarantined"] == sum(
        1 for r in S.mapped_samples() if "/fake2/" in r.graph_iri and S.core_gaps(r)
    )
    assert fake2.loc[2, "quarantined"] == 0
    assert fake2.loc[1, "findings"] == "provider: deletedRecord=no"
    page = pages[("fake2", 2)].read_text(encoding="utf-8")
    assert "<svg" in page and page.count("<polyline") == 3 and "run 1" in page and "run 2" in page
    # Self-contained: no script, stylesheet, image or font fetched from anywhere.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    rows = pd.read_csv(tmp_path / "reports" / "fake2" / "run-1.csv", keep_default_na=False)
    assert len(rows) == 79 and set(rows["status"]) == {WARNED, QUARANTINED}
    assert (rows["top_violation"] != "").sum() == fake2.loc[1, "quarantined"]
    # Re-writing a run replaces its row, never duplicates it.
    write_report(tmp_path, _outcomes(fixed, panet, 2))
    again = pd.read_csv(tmp_path / "reports" / "quality.csv", keep_default_na=False)
    assert len(again) == len(history)


def test_dqv_measurements(outcomes: pd.DataFrame) -> None:
    summary = summarise(outcomes)
    triples = dqv_triples(summary, "https://w3id.org/pan-kg/", when="2026-11-24T12:00:00Z")
    store = pyoxigraph.Store()
    store.extend([pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in triples])
    rows = list(
        store.query(
            """PREFIX dqv: <http://www.w3.org/ns/dqv#>
            SELECT ?v WHERE { ?m a dqv:QualityMeasurement ; dqv:computedOn <https://w3id.org/pan-kg/catalog/fake2> ;
              dqv:isMeasurementOf <https://w3id.org/pan-kg/ns#metric-quarantined> ; dqv:value ?v }"""
        )
    )
    quarantined = int(summary.set_index("source").loc["fake2", "quarantined"])
    assert [r["v"].value for r in rows] == [f"{100 * quarantined / 79:.1f}"]
    n_metrics = 4 + len(FLAGS)
    measurements = [t for t in triples if t.object.value == "http://www.w3.org/ns/dqv#QualityMeasurement"]
    assert len(measurements) == len(summary) * n_metrics


@pytest.fixture
def harvested(tmp_path: Path) -> Iterator[Path]:
    """A real harvest of the loopback provider serving the real DataCite examples into DATA_DIR."""
    with LoopbackServer(oai_app(RecordSet(served_records()), page_size=10)) as server:
        source = Source(id="local", name="Local", protocol="oai-pmh", url=server.url,
                        metadata_prefix="oai_datacite", requests_per_second=0)  # type: ignore[arg-type]  # fmt: skip
        with RawStore(tmp_path / "raw.sqlite") as store:
            summary = harvest_source(source, store)
            assert summary.status == "ok" and summary.fetched == 30
    yield tmp_path


def test_pankg_report_from_the_raw_store(harvested: Path, panet, capsys) -> None:
    # Run 1 processed as the pipeline does it: quarantine what fails (the report counts what is held) and
    # store the run's outcome rows (the report reads them).
    index = PanetIndex.load(S.panet_path())
    with (
        RawStore(harvested / "raw.sqlite") as store,
        EmbeddedStore(harvested / "graph") as graph,
        QuarantineStore(harvested) as quarantine,
        OutcomeStore(harvested) as outcomes,
    ):
        validate = partial(validate_batch, ontology=panet)
        process_source(
            "local", store, graph, quarantine, validate, panet=index, outcomes=outcomes.for_run("r1")
        )
        outcomes.assign_run("r1", "local", 1)
        held = quarantine.identifiers("local")
    assert main(["report", "--data-dir", str(harvested), "--panet", S.panet_path()]) == 0
    out = capsys.readouterr().out
    assert "local run 1:" in out
    history = pd.read_csv(harvested / "reports" / "quality.csv", keep_default_na=False)
    row = history.iloc[0]
    assert (row["source"], row["run_id"], row["harvested"]) == ("local", 1, 30)
    # The same records mapped and validated here give the same figures.
    with RawStore(harvested / "raw.sqlite") as store:
        raws = list(store.records("local", include_deleted=False))
        findings = store.findings(1)
    mapped = [crosswalk(r, panet=index) for r in raws]
    reports = validate_batch(mapped, ontology=panet)
    statuses = [rep.status for rep in reports.values()]
    assert row["validated"] == len(mapped) == 30
    assert (row["valid"], row["warned"], row["quarantined"]) == tuple(
        statuses.count(s) for s in (VALID, WARNED, QUARANTINED)
    )
    assert row["findings"] == " | ".join(f"{k}: {d}" for k, d in findings)
    assert row["in_quarantine"] == row["quarantined"] == len(held) > 0
    assert (harvested / "reports" / "local" / "run-1.html").exists()
