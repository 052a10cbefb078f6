"""The whole pipeline as the nightly flow runs it: a real OAI-PMH provider on 127.0.0.1 serving real
DataCite records, the real Prefect `harvest` flow, the real crosswalk, SHACL gate and Oxigraph store."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from flows.harvest import harvest
from graph.iris import DEFAULT_IRIS, NodeIris
from graph.store import EmbeddedStore
from harvesters.locks import source_lock
from harvesters.raw_store import RawStore
from mappings.iris import graph_iri
from shapes.quarantine import QuarantineStore
from tests.support.corpus import served_records
from tests.support.http_server import LoopbackServer
from tests.support.oai_server import RecordSet, oai_app
from tests.support.shared_data import shared

PANET_GRAPH = DEFAULT_IRIS.panet_graph
PROVENANCE_GRAPH = DEFAULT_IRIS.provenance_graph
pytestmark = pytest.mark.prefect_server


@pytest.fixture
def provider() -> Iterator[tuple[RecordSet, str]]:
    record_set = RecordSet(served_records())
    with LoopbackServer(oai_app(record_set, page_size=7)) as server:
        yield record_set, server.url


@pytest.fixture
def setup(tmp_path: Path, provider: tuple[RecordSet, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    _, url = provider
    registry = tmp_path / "sources.toml"
    registry.write_text(
        f'[local]\nname = "Local provider"\nprotocol = "oai-pmh"\nurl = "{url}"\n'
        'metadata_prefix = "oai_datacite"\nrequests_per_second = 0\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PANKG_PANET", str(shared("panet", "PaNET-1.3.0.owl")))
    return {"sources_file": str(registry), "data_dir": str(tmp_path / "data")}


def scalar(store: EmbeddedStore, sparql: str) -> int:
    return int(next(iter(store.query(sparql)))["n"].value)  # type: ignore[index, arg-type]


def record_graphs(store: EmbeddedStore) -> set[str]:
    return {g for g in store.graph_iris() if "/graph/local/" in g}


def test_harvest_map_validate_load_then_incremental_changes(
    provider: tuple[RecordSet, str], setup: dict[str, str]
) -> None:
    record_set, _ = provider
    data = Path(setup["data_dir"])
    [row] = harvest(**setup)

    assert row["status"] == "ok", row["message"]
    assert row["fetched"] == row["mapped"] == 30
    assert row["loaded"] + row["quarantined"] == 30
    assert row["loaded"] > 0
    with QuarantineStore(data / "quarantine.sqlite") as quarantine:
        held = quarantine.list("local")
    assert len(held) == row["quarantined"]
    with EmbeddedStore(data / "graph") as store:
        graphs = record_graphs(store)
        assert len(graphs) == row["loaded"]
        # Nothing quarantined reached the graph.
        assert not {graph_iri("local", h.identifier) for h in held} & graphs
        # Provenance for every loaded record graph, and PaNET in its own graph.
        assert (
            scalar(
                store,
                f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ GRAPH <{PROVENANCE_GRAPH}> "
                "{ ?g <https://w3id.org/pan-kg/ns#rawSha256> ?sha } }",
            )
            == row["loaded"]
        )
        assert (
            scalar(
                store,
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{PANET_GRAPH}> {{ ?c a "
                "<http://www.w3.org/2002/07/owl#Class> } }",
            )
            > 100
        )
        # Each loaded record graph holds its dataset (placeholder DOIs such as 10.5072/example repeat
        # across the DataCite examples, so distinct dataset IRIs are fewer than graphs).
        with_dataset = scalar(
            store,
            "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g "
            "{ ?d a <http://www.w3.org/ns/dcat#Dataset> } }",
        )
        assert with_dataset == row["loaded"]

    # The run's quality report: CSV history + HTML page on disk, DQV measurements in the graph.
    history = (data / "reports" / "quality.csv").read_text(encoding="utf-8").splitlines()
    assert history[0].startswith("source,run_id,harvested,validated,valid,warned,quarantined")
    assert history[1].startswith(
        f"local,{row['run_id']},30,30,{row['valid']},{row['warned']},{row['quarantined']},"
    )
    page = (data / "reports" / "local" / f"run-{row['run_id']}.html").read_text(encoding="utf-8")
    assert "<svg" in page and "local" in page
    with EmbeddedStore(data / "graph") as store:
        quarantined_share = next(
            iter(
                store.query(
                    "PREFIX dqv: <http://www.w3.org/ns/dqv#> SELECT ?v WHERE { GRAPH ?g { ?m a dqv:QualityMeasurement ;"
                    " dqv:isMeasurementOf <https://w3id.org/pan-kg/ns#metric-quarantined> ; dqv:value ?v } }"
                )
            )
        )["v"]
        assert float(quarantined_share.value) == round(100 * row["quarantined"] / 30, 1)

    # The provider changes one loaded record and deletes another.
    loaded_ids = sorted(
        i for i in (r.identifier for r in record_set.records) if graph_iri("local", i) in graphs
    )
    now = datetime.utcnow().replace(microsecond=0)
    index = {r.identifier: n for n, r in enumerate(record_set.records)}
    changed, removed = record_set.records[index[loaded_ids[0]]], record_set.records[index[loaded_ids[1]]]
    record_set.records[index[changed.identifier]] = dataclasses.replace(
        changed,
        datestamp=now,
        resource=changed.resource.replace(b"</titles>", b"<title>Second edition</title></titles>"),
    )
    record_set.records[index[removed.identifier]] = dataclasses.replace(removed, datestamp=now, deleted=True)

    [second] = harvest(**setup)
    assert second["status"] == "ok", second["message"]
    assert (second["fetched"], second["changed"], second["deleted"]) == (2, 1, 1)
    # Only the changed record: the quarantined ones would get the same verdict from the same inputs.
    assert second["mapped"] == 1 and second["removed"] == 1
    assert second["loaded"] == 1 and second["quarantined"] == 0
    with EmbeddedStore(data / "graph") as store:
        assert graph_iri("local", removed.identifier) not in record_graphs(store)
        assert (
            scalar(
                store,
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ "
                f"<{graph_iri('local', removed.identifier)}> "
                "<http://www.w3.org/ns/prov#invalidatedAtTime> ?t } }",
            )
            == 1
        )
        assert (
            scalar(
                store,
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri('local', changed.identifier)}> "
                '{ ?d <http://purl.org/dc/terms/title> "Second edition" } }',
            )
            == 1
        )

    # With nothing new, a run (or a remap without fetching) has nothing to do.
    [third] = harvest(**setup)
    # (the bookmark overlap fetches the two records stamped a moment ago again: unchanged, so skipped)
    assert third["unchanged"] == third["fetched"] and third["new"] == third["changed"] == 0
    assert third["mapped"] == 0 and third["loaded"] == 0
    [remap] = harvest(**setup, remap_only=True)
    assert remap["fetched"] == 0 and remap["mapped"] == 0 and remap["loaded"] == 0
    with RawStore(data / "raw.sqlite") as raw:
        assert raw.processed_counts("local").get("loaded") == row["loaded"] - 1
    with QuarantineStore(data / "quarantine.sqlite") as quarantine:
        assert quarantine.count("local") == row["quarantined"]


def test_a_new_panet_release_rechecks_every_record(
    provider: tuple[RecordSet, str], setup: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Techniques and the PaN shapes depend on PaNET: a new release re-maps and re-validates every record, the
    quarantined ones included, without fetching; the same release again changes nothing."""
    [first] = harvest(**setup)
    assert first["status"] == "ok" and first["quarantined"] > 0
    [again] = harvest(**setup, remap_only=True)
    assert again["mapped"] == 0
    # A "new release": the real PaNET file with one more statement, made here from the real one.
    release = tmp_path / "PaNET-next.owl"
    text = shared("panet", "PaNET-1.3.0.owl").read_text(encoding="utf-8")
    closing = text.rindex("</rdf:RDF>")
    release.write_text(
        text[:closing]
        + '<rdf:Description rdf:about="http://purl.org/pan-science/PaNET/PaNET">'
        + "<rdfs:comment>next release</rdfs:comment></rdf:Description>\n"
        + text[closing:],
        encoding="utf-8",
    )
    monkeypatch.setenv("PANKG_PANET", str(release))
    [remap] = harvest(**setup, remap_only=True)
    assert remap["status"] == "ok", remap["message"]
    assert remap["mapped"] == first["mapped"]
    assert (remap["loaded"], remap["quarantined"]) == (first["loaded"], first["quarantined"])
    [same] = harvest(**setup, remap_only=True)
    assert same["mapped"] == 0


def test_a_broken_new_version_is_quarantined_and_the_loaded_one_stays_marked_stale(
    provider: tuple[RecordSet, str], setup: dict[str, str]
) -> None:

    record_set, _ = provider
    data = Path(setup["data_dir"])
    [first] = harvest(**setup)
    with EmbeddedStore(data / "graph") as store:
        loaded = record_graphs(store)
    n, victim = next(
        (n, r)
        for n, r in enumerate(record_set.records)
        if graph_iri("local", r.identifier) in loaded and b"<descriptions>" in r.resource
    )
    # The provider publishes a new version without its description (mandatory in DCAT-AP).
    start, end = victim.resource.index(b"<descriptions>"), victim.resource.index(b"</descriptions>")
    broken = victim.resource[:start] + victim.resource[end + len(b"</descriptions>") :]
    record_set.records[n] = dataclasses.replace(
        victim, datestamp=datetime.utcnow().replace(microsecond=0), resource=broken
    )

    [second] = harvest(**setup)
    assert second["changed"] == 1 and second["quarantined"] == 1
    victim_graph = graph_iri("local", victim.identifier)
    with QuarantineStore(data / "quarantine.sqlite") as quarantine:
        held = quarantine.get("local", victim.identifier)
        assert quarantine.count("local") == first["quarantined"] + 1
    assert held is not None and any("description" in reason.lower() for reason in held.reasons)
    with EmbeddedStore(data / "graph") as store:
        assert victim_graph in record_graphs(store)  # the last valid version is still served
        assert (
            scalar(
                store,
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ <{victim_graph}> "
                "<https://w3id.org/pan-kg/ns#staleSince> ?t } }",
            )
            == 1
        )

    # The provider fixes it: the new version loads and the stale flag goes.
    record_set.records[n] = dataclasses.replace(victim, datestamp=datetime.utcnow().replace(microsecond=0))
    [third] = harvest(**setup)
    assert third["loaded"] == 1 and third["quarantined"] == 0
    with QuarantineStore(data / "quarantine.sqlite") as quarantine:
        assert quarantine.count("local") == first["quarantined"]
    with EmbeddedStore(data / "graph") as store:
        assert (
            scalar(
                store,
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ <{victim_graph}> "
                "<https://w3id.org/pan-kg/ns#staleSince> ?t } }",
            )
            == 0
        )


def test_the_run_summary_is_a_prefect_markdown_artifact(setup: dict[str, str]) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    [row] = harvest(**setup)
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["harvest-summary"]))
        )
    assert artifacts, "no harvest-summary artifact recorded"
    latest = max(artifacts, key=lambda a: a.created)
    assert latest.type == "markdown"
    assert "| local | ok | full | 30 | 30 |" in str(latest.data)
    assert f"| {row['loaded']} |" in str(latest.data)


def test_a_deployment_on_another_base_iri_mints_no_iri_of_the_default_base(setup: dict[str, str]) -> None:
    base = "https://kg.example.org/pan/"
    [row] = harvest(**setup, base_iri=base)
    assert row["status"] == "ok", row["message"]
    assert row["loaded"] > 0
    with EmbeddedStore(Path(setup["data_dir"]) / "graph") as store:
        # The vocabulary (pankg:, its graph <…/ns>) is one published namespace for every deployment; nothing
        # else may be under the default base: not a record graph, catalogue, run, quality graph or statistics.
        leftover = scalar(
            store,
            """SELECT (COUNT(*) AS ?n) WHERE {
                 GRAPH ?g { ?s ?p ?o }
                 FILTER(?g != <https://w3id.org/pan-kg/ns>)  # the published vocabulary file, as it is
                 VALUES ?term { 1 2 3 4 }
                 BIND(STR(IF(?term = 1, ?g, IF(?term = 2, ?s, IF(?term = 3, ?p, ?o)))) AS ?iri)
                 FILTER(STRSTARTS(?iri, "https://w3id.org/pan-kg/")
                        && !STRSTARTS(?iri, "https://w3id.org/pan-kg/ns"))
               }""",
        )
        assert leftover == 0
        # What a dataset says it is in is a catalogue the node describes (the bug this guards against).
        catalogue_graph = NodeIris(base).catalogue_graph
        dangling = scalar(
            store,
            f"""SELECT (COUNT(DISTINCT ?catalogue) AS ?n) WHERE {{
                 GRAPH ?g {{ ?d <http://schema.org/includedInDataCatalog> ?catalogue }}
                 FILTER NOT EXISTS {{ GRAPH <{catalogue_graph}> {{
                     ?catalogue a <http://www.w3.org/ns/dcat#Catalog> }} }}
               }}""",
        )
        assert dangling == 0
        assert (
            scalar(
                store,
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{NodeIris(base).provenance_graph}> {{ ?s ?p ?o }} }}",
            )
            > 0
        )


def test_a_source_another_run_holds_is_refused_naming_the_holder(
    setup: dict[str, str],
) -> None:
    data = Path(setup["data_dir"])
    with source_lock(data, "local", "nightly"):
        [row] = harvest(**setup)
    assert row["status"] == "failed"
    assert "another run of local is in progress" in str(row["message"])
    assert "nightly" in str(row["message"])
    assert not (data / "raw.sqlite").exists() or RawStore(data / "raw.sqlite").counts_by_source() == {}
    # The lock went with its holder: the next run proceeds.
    [row] = harvest(**setup)
    assert row["status"] == "ok", row["message"]
