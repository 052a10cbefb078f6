"""The shipped example queries, run on a store built from real data (PaNET, DCAT-AP 3.0.1 examples).

To extend at integration: add crosswalked samples to `build` (a list of (graph IRI, triples) pairs) and an
expected answer to `EXPECTED`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from graph_testlib import (
    EXAMPLES_SOURCE,
    HARVESTED_AT,
    example_provenance,
    example_records,
    fill_store,
)

from graph.iris import PANET_GRAPH
from graph.load import refresh_catalogue
from graph.store import GraphStore
from graph.vocab import DCAT, RDFS, TYPE

QUERIES = Path(__file__).resolve().parents[2] / "graph" / "queries"
DIFFRACTION = "http://purl.org/pan-science/PaNET/PaNET01022"


def rows(store: GraphStore, sparql: str) -> list[dict[str, str]]:
    result = store.query(sparql)
    return [
        {v.value: s[v].value for v in result.variables if s[v] is not None}  # type: ignore[union-attr]
        for s in result  # type: ignore[union-attr]
    ]


def build(store: GraphStore) -> GraphStore:
    records = example_records()
    fill_store(store, records, provenance=example_provenance(HARVESTED_AT))
    store.delete_records([records[-1][0]], at=datetime(2024, 6, 1, tzinfo=UTC))
    refresh_catalogue(store, [EXAMPLES_SOURCE], endpoint_url="http://127.0.0.1:7878/query")
    return store


# Expected answers on the samples (query file -> rows). The DCAT-AP examples carry no PaNET technique and no
# PDB/EMDB link, so those two answer nothing until crosswalked PaN samples are added.
EXPECTED: dict[str, list[dict[str, str]]] = {
    "datasets-by-technique.rq": [],
    "datasets-linked-to-pdb-emdb.rq": [],
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
    changed = rows(store, (QUERIES / "records-changed-since.rq").read_text())
    # Every example record was stamped 2024-05-01 (after the query's 2024-01-01), except the deleted one.
    assert {r["record"] for r in changed} == {g for g, _ in records[:-1]}
    assert {r["datestamp"] for r in changed} == {"2024-05-01"}
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
    datasets = {t.subject for _, ts in live for t in ts if t.predicate == TYPE and t.object == DCAT.Dataset}
    assert int(void[0]["entities"]) == len(datasets) > 0
    assert int(void[0]["triples"]) > 4265  # PaNET alone has 4,265
