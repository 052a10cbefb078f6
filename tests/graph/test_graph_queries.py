"""The shipped example queries, run on a store built from real data (PaNET, DCAT-AP 3.0.1 examples).

To extend at integration: add crosswalked samples to `build` (a list of (graph IRI, triples) pairs) and an
expected answer to `EXPECTED`. The aggregate queries read the statistics graph; the tests here check its
counts against direct counts over the record and provenance graphs, and that it follows loads and
deletions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from graph_testlib import (
    EXAMPLES_SOURCE,
    HARVESTED_AT,
    example_provenance,
    example_records,
    fill_store,
)

from graph.iris import DEFAULT_IRIS
from graph.load import refresh_catalogue, refresh_statistics
from graph.provenance import harvest_run
from graph.store import GraphStore
from mappings.vocab import DCAT, RDF, RDFS

PANET_GRAPH = DEFAULT_IRIS.panet_graph
PROVENANCE_GRAPH = DEFAULT_IRIS.provenance_graph
STATISTICS_GRAPH = DEFAULT_IRIS.statistics_graph
harvest_run_iri = DEFAULT_IRIS.harvest_run


QUERIES = Path(__file__).resolve().parents[2] / "graph" / "queries"
DIFFRACTION = "http://purl.org/pan-science/PaNET/PaNET01022"


def rows(store: GraphStore, sparql: str) -> list[dict[str, str]]:
    result = store.query(sparql)
    return [
        {v.value: s[v].value for v in result.variables if s[v] is not None}  # type: ignore[union-attr]
        for s in result  # type: ignore[union-attr]
    ]


RUN_STARTED = HARVESTED_AT - timedelta(minutes=5)
RUN_ENDED = HARVESTED_AT + timedelta(minutes=1)
RUN = harvest_run_iri(EXAMPLES_SOURCE["id"], RUN_STARTED.strftime("%Y%m%dT%H%M%SZ"))


def build(store: GraphStore) -> GraphStore:
    """The examples loaded by one harvest run (as the flow records it), the last one deleted afterwards,
    then the end-of-run refresh."""
    records = example_records()
    fill_store(store, records, provenance=example_provenance(HARVESTED_AT, run_iri=RUN))
    _, activity = harvest_run(
        DEFAULT_IRIS,
        source=EXAMPLES_SOURCE["id"],
        endpoint=EXAMPLES_SOURCE["url"],
        started=RUN_STARTED,
        ended=RUN_ENDED,
        counts={"loaded": len(records)},
    )
    store.replace_records([], provenance=activity)
    store.delete_records([records[-1][0]], at=datetime(2024, 6, 1, tzinfo=UTC))
    refresh_catalogue(store, [EXAMPLES_SOURCE], endpoint_url="http://127.0.0.1:7878/query")
    return store


# Expected answers on the samples (query file -> rows). The DCAT-AP examples carry no PaNET technique and no
# PDB/EMDB link, so those two answer nothing until crosswalked PaN samples are added.
EXPECTED: dict[str, list[dict[str, str]]] = {
    "datasets-by-technique.rq": [],
    "datasets-linked-to-pdb-emdb.rq": [],
    "datasets-per-technique.rq": [],
    "datasets-per-facility-and-year.rq": [
        {"facility": "DCAT-AP 3.0.1 examples", "year": "2022", "datasets": "1"},
        {"facility": "DCAT-AP 3.0.1 examples", "year": "2023", "datasets": "3"},
    ],
    # Twelve of the thirteen records are live; the test provenance marks them all not validated.
    "quality-per-source.rq": [{"source": "dcat-ap-examples", "status": "not-validated", "records": "12"}],
}


def test_every_query_is_documented() -> None:
    readme = (QUERIES / "README.md").read_text()
    for path in QUERIES.glob("*.rq"):
        assert f"`{path.name}`" in readme


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_query_answers(store: GraphStore, name: str) -> None:
    assert rows(build(store), (QUERIES / name).read_text()) == EXPECTED[name]


def test_changed_and_deleted_since(store: GraphStore) -> None:
    build(store)
    records = example_records()
    query = (QUERIES / "records-changed-since.rq").read_text()
    changed = rows(store, query)
    # Every example record was loaded by the run, which ended after the query's 2024-01-01; the one deleted
    # since says so.
    assert {r["record"] for r in changed} == {g for g, _ in records}
    assert {(r["run"], r["runEnded"], r["datestamp"]) for r in changed} == {
        (RUN, RUN_ENDED.isoformat().replace("+00:00", "Z"), "2024-05-01")
    }
    assert [r["record"] for r in changed if "deleted" in r] == [records[-1][0]]
    assert {r["identifier"] for r in changed} == {Path(g).name for g, _ in records}
    after_the_run = query.replace("2024-01-01T00:00:00Z", "2024-05-02T03:02:00Z")
    assert after_the_run != query and rows(store, after_the_run) == []
    deleted = rows(store, (QUERIES / "records-deleted-since.rq").read_text())
    assert deleted == [
        {
            "record": records[-1][0],
            "deleted": "2024-06-01T00:00:00Z",
            "source": EXAMPLES_SOURCE["id"],
            "identifier": Path(records[-1][0]).name,
        }
    ]
    later = (QUERIES / "records-deleted-since.rq").read_text().replace("2024-01-01", "2024-07-01")
    assert rows(store, later) == []


def test_a_run_that_never_ended_is_always_in_the_changes(store: GraphStore) -> None:
    """The flow records a run as it starts; if it is killed before it ends, the records it loaded are still
    listed, whatever the moment asked for (a sync may fetch a record twice, never miss one)."""
    record = example_records()[0]
    started = RUN_ENDED + timedelta(days=30)
    killed, opening = harvest_run(
        DEFAULT_IRIS,
        source=EXAMPLES_SOURCE["id"],
        endpoint=EXAMPLES_SOURCE["url"],
        started=started,
        ended=None,
        counts={},
    )
    provenance = [t for t in example_provenance(started, run_iri=killed) if t.subject.value == record[0]]
    fill_store(store, [record], provenance=[*opening, *provenance])
    query = (QUERIES / "records-changed-since.rq").read_text()
    later = query.replace("2024-01-01T00:00:00Z", "2099-01-01T00:00:00Z")
    assert later != query
    assert [(r["record"], r["run"], "runEnded" in r) for r in rows(store, later)] == [
        (record[0], killed, False)
    ]


def test_pages_cover_every_answer_once(store: GraphStore) -> None:
    """LIMIT/OFFSET pages of a listing: together the whole answer, each row once; the last page is short."""
    build(store)
    query = (QUERIES / "records-changed-since.rq").read_text()
    assert "LIMIT 1000\n    OFFSET 0\n" in query
    everything = rows(store, query)
    pages = [
        rows(store, query.replace("LIMIT 1000\n    OFFSET 0\n", f"LIMIT 5\n    OFFSET {offset}\n"))
        for offset in (0, 5, 10, 15)
    ]
    assert [len(p) for p in pages] == [5, 5, 3, 0]
    paged = [r["record"] for p in pages for r in p]
    assert len(paged) == len(set(paged)) == 13
    assert set(paged) == {r["record"] for r in everything}


# Direct counts over the record and provenance graphs: what the statistics graph must say.
DIRECT_FACILITY_YEAR = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?facility ?year (COUNT(DISTINCT ?dataset) AS ?datasets)
WHERE {
  GRAPH ?record { ?dataset a dcat:Dataset ; dct:issued ?issued . }
  GRAPH <https://w3id.org/pan-kg/graph/provenance> { ?record dct:isPartOf ?catalogue }
  GRAPH <https://w3id.org/pan-kg/graph/catalogue> { ?catalogue dct:title ?facility }
  BIND(SUBSTR(STR(?issued), 1, 4) AS ?year)
}
GROUP BY ?facility ?year
"""
DIRECT_SOURCE_STATUS = f"""
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX pankg: <https://w3id.org/pan-kg/ns#>
SELECT ?source ?status (COUNT(?record) AS ?records)
WHERE {{
  GRAPH <{PROVENANCE_GRAPH}> {{
    ?record pankg:source ?source ; pankg:validationStatus ?status .
    FILTER NOT EXISTS {{ ?record prov:invalidatedAtTime ?deleted }}
  }}
}}
GROUP BY ?source ?status
"""


def counts(answer: list[dict[str, str]], *keys: str) -> dict[tuple[str, ...], int]:
    return {tuple(r[k] for k in keys[:-1]): int(r[keys[-1]]) for r in answer}


def assert_statistics_match(store: GraphStore) -> None:
    by_year = rows(store, (QUERIES / "datasets-per-facility-and-year.rq").read_text())
    direct = rows(store, DIRECT_FACILITY_YEAR)
    assert counts(by_year, "facility", "year", "datasets") == counts(direct, "facility", "year", "datasets")
    by_status = rows(store, (QUERIES / "quality-per-source.rq").read_text())
    direct = rows(store, DIRECT_SOURCE_STATUS)
    assert counts(by_status, "source", "status", "records") == counts(direct, "source", "status", "records")


def test_statistics_equal_direct_counts(store: GraphStore) -> None:
    build(store)
    assert_statistics_match(store)
    # One qb:DataSet per table, each with its structure and the time of the refresh.
    tables = rows(
        store,
        f"PREFIX qb: <http://purl.org/linked-data/cube#> PREFIX dct: <http://purl.org/dc/terms/> "
        f"SELECT ?table ?modified WHERE {{ GRAPH <{STATISTICS_GRAPH}> {{ ?table a qb:DataSet ; "
        f"qb:structure ?dsd ; dct:modified ?modified . ?dsd a qb:DataStructureDefinition }} }}",
    )
    assert len(tables) == 3


def test_statistics_follow_loads_and_deletions(store: GraphStore) -> None:
    """The flow refreshes the statistics at the end of a run: deletions and loads show in the counts."""
    build(store)
    records = example_records()
    records_per_status = (QUERIES / "quality-per-source.rq").read_text()
    assert rows(store, records_per_status)[0]["records"] == "12"
    # Two more records deleted: the counts move only when the refresh runs, then match again.
    store.delete_records([records[0][0], records[1][0]], at=datetime(2024, 7, 1, tzinfo=UTC))
    assert rows(store, records_per_status)[0]["records"] == "12"
    refresh_catalogue(store, [EXAMPLES_SOURCE], endpoint_url="http://127.0.0.1:7878/query")
    assert rows(store, records_per_status)[0]["records"] == "10"
    assert_statistics_match(store)
    # One of them loaded again (its tombstone goes with the new provenance).
    provenance = [t for t in example_provenance(HARVESTED_AT) if t.subject.value == records[0][0]]
    store.replace_records([records[0]], provenance=provenance)
    refresh_statistics(store, at=datetime(2024, 7, 2, tzinfo=UTC))
    assert rows(store, records_per_status)[0]["records"] == "11"
    assert_statistics_match(store)
    # Everything deleted: no cells left, rather than cells of zero.
    store.delete_records([g for g, _ in records], at=datetime(2024, 8, 1, tzinfo=UTC))
    refresh_statistics(store)
    assert rows(store, records_per_status) == []
    assert rows(store, (QUERIES / "datasets-per-facility-and-year.rq").read_text()) == []


def test_technique_query_expands_panet_sub_techniques(store: GraphStore) -> None:
    """The PaNET half of the technique query: "diffraction" and its 69 sub-techniques in PaNET 1.3.0."""
    build(store)
    closure = rows(
        store,
        f"SELECT ?t WHERE {{ GRAPH <{PANET_GRAPH}> {{ ?t {RDFS.subClassOf}* <{DIFFRACTION}> }} }}",
    )
    techniques = {r["t"] for r in closure}
    assert len(techniques) == 70
    assert "http://purl.org/pan-science/PaNET/PaNET01216" in techniques  # x-ray diffraction


def test_catalogue_and_void(store: GraphStore) -> None:
    build(store)
    void = rows(
        store,
        "SELECT ?triples ?entities WHERE { <https://w3id.org/pan-kg/void> "
        "<http://rdfs.org/ns/void#triples> ?triples ; <http://rdfs.org/ns/void#entities> ?entities }",
    )
    assert len(void) == 1
    live = example_records()[:-1]  # build() deletes the last one
    datasets = {
        t.subject for _, ts in live for t in ts if t.predicate == RDF.type and t.object == DCAT.Dataset
    }
    assert int(void[0]["entities"]) == len(datasets) > 0
    assert int(void[0]["triples"]) > 4265  # PaNET alone has 4,265
