"""The store contract on both backends (embedded pyoxigraph and a real `oxigraph serve`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph
import pytest
from graph_testlib import (
    DCAT_AP_EXAMPLES,
    EXAMPLES_SOURCE,
    HARVESTED_AT,
    MALFORMED_EXAMPLES,
    PANET_OWL,
    example_provenance,
    example_records,
    parse_turtle,
)
from pyoxigraph import BlankNode, Triple

from graph.iris import DEFAULT_IRIS
from graph.load import read_rdf as parse_rdf
from graph.store import EmbeddedStore, GraphStore, StoreError
from mappings.vocab import PROV

PROVENANCE_GRAPH = DEFAULT_IRIS.provenance_graph
record_graph_iri = DEFAULT_IRIS.record_graph


def snapshot(store: GraphStore) -> set[str]:
    """Every quad as text: the store's whole state, to compare before and after a failed write."""
    result = store.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {" ".join(str(s[v]) for v in ("g", "s", "p", "o")) for s in result}  # type: ignore[union-attr]


def tombstones_of(store: GraphStore) -> dict[str, str]:
    query = f"SELECT ?g ?t WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ ?g {PROV.invalidatedAtTime} ?t }} }}"
    return {s["g"].value: s["t"].value for s in store.query(query)}  # type: ignore[index, union-attr]


def test_replace_records_loads_one_graph_per_record(store: GraphStore) -> None:
    records = example_records()
    written = store.replace_records(records)
    assert written == sum(len(t) for _, t in records)
    assert store.graph_iris() == {g for g, _ in records}
    assert store.quad_count() == written


def test_a_changed_record_replaces_its_graph(store: GraphStore) -> None:
    g = record_graph_iri(EXAMPLES_SOURCE["id"], "rec")
    first = parse_turtle(DCAT_AP_EXAMPLES / "example-bee-population-dataset-series-issued.ttl")
    second = parse_turtle(DCAT_AP_EXAMPLES / "example-bee-population.ttl")
    store.replace_records([(g, first)])
    store.replace_records([(g, second)])
    assert set(store.graph_triples(g)) == set(second)  # type: ignore[attr-defined]
    assert store.quad_count() == len(second)


def test_failing_iterator_mid_batch_leaves_store_as_it_was(store: GraphStore) -> None:
    """Real failing input: an upstream DCAT-AP example that is not valid Turtle, parsed lazily mid-batch."""
    store.replace_records(example_records()[:3], provenance=example_provenance(HARVESTED_AT))
    before = snapshot(store)

    def lazily_parsed(name: str) -> Iterator[Triple]:
        for quad in pyoxigraph.parse(path=DCAT_AP_EXAMPLES / name, format=pyoxigraph.RdfFormat.TURTLE):
            yield quad.triple

    good = example_records()
    # The first graph of the batch is an existing one being replaced with new content, so a half-applied
    # batch would show.
    batch = [
        (good[0][0], good[5][1]),
        (good[7][0], good[7][1]),
        *((record_graph_iri("bad", n), lazily_parsed(n)) for n in sorted(MALFORMED_EXAMPLES)),
        (good[8][0], good[8][1]),
    ]
    with pytest.raises(SyntaxError):
        store.replace_records(batch)
    assert snapshot(store) == before


def test_a_failing_update_inside_the_server_leaves_store_as_it_was(store: GraphStore) -> None:
    """Atomicity inside the store itself: the last operation of one update request fails."""
    store.replace_records(example_records()[:2])
    before = snapshot(store)
    g = record_graph_iri("x", "y")
    with pytest.raises(StoreError):
        store._update(  # the same channel replace_records uses
            f"DROP SILENT GRAPH <{example_records()[0][0]}> ;\n"
            f'INSERT DATA {{ GRAPH <{g}> {{ <{g}> <http://purl.org/dc/terms/title> "x" }} }} ;\n'
            "DROP GRAPH <https://w3id.org/pan-kg/graph/does-not-exist>"
        )
    assert snapshot(store) == before


def test_delete_records_drops_graphs_and_writes_tombstones(store: GraphStore) -> None:
    records = example_records()
    store.replace_records(records, provenance=example_provenance(HARVESTED_AT))
    gone = [records[0][0], records[1][0]]
    at = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert store.delete_records([*gone, record_graph_iri("x", "never-loaded")], at=at) == 2
    assert not set(gone) & store.graph_iris()
    tombstones = tombstones_of(store)
    assert tombstones[gone[0]] == tombstones[gone[1]] == "2024-06-01T12:00:00Z"
    # A second deletion report keeps the first tombstone; a record that comes back loses it.
    store.delete_records(gone, at=datetime(2024, 7, 1, tzinfo=UTC))
    store.replace_records([records[0]])
    assert set(tombstones_of(store)) == {gone[1], record_graph_iri("x", "never-loaded")}
    assert tombstones_of(store)[gone[1]] == "2024-06-01T12:00:00Z"


def test_naive_datetimes_and_bad_iris_are_refused(store: GraphStore) -> None:
    with pytest.raises(ValueError):
        store.delete_records([record_graph_iri("x", "y")], at=datetime(2024, 1, 1))
    with pytest.raises(ValueError):
        store.replace_records([("https://w3id.org/pan-kg/graph/x> } ; DROP ALL ; #", [])])
    with pytest.raises(ValueError):
        g = record_graph_iri("x", "y")
        store.replace_records([(g, []), (g, [])])
    assert store.quad_count() == 0


def test_blank_nodes_stay_within_their_record(store: GraphStore) -> None:
    """PaNET's OWL restrictions are blank nodes; the same parsed triples as two records of one batch."""
    with_bnodes = [t for t in parse_rdf(PANET_OWL) if isinstance(t.subject, BlankNode)][:50]
    n = len({t.subject for t in with_bnodes})
    store.replace_records(
        [(record_graph_iri("x", "1"), with_bnodes), (record_graph_iri("x", "2"), with_bnodes)]
    )
    result = store.query(
        "SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { GRAPH ?g { ?b ?p ?o FILTER(isBlank(?b)) } }"
    )
    assert int(next(iter(result))["n"].value) == 2 * n  # type: ignore[arg-type, index]


def test_the_node_graphs_are_not_records(store: GraphStore) -> None:
    with pytest.raises(ValueError):
        store.replace_records([(PROVENANCE_GRAPH, [])])


def test_replace_graph(store: GraphStore) -> None:
    g = "https://w3id.org/pan-kg/graph/catalogue"
    triples = parse_turtle(DCAT_AP_EXAMPLES / "example-bee-population.ttl")
    assert store.replace_graph(g, triples) == len(triples)
    assert store.replace_graph(g, triples[:1]) == 1
    assert store.graph_triples(g) == triples[:1]  # type: ignore[attr-defined]


def test_bulk_load_fresh_only_into_an_empty_store(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "graph")
    records = example_records()
    assert store.bulk_load_fresh(iter(records)) == sum(len(t) for _, t in records)
    assert store.graph_iris() == {g for g, _ in records}
    with pytest.raises(StoreError, match="empty store"):
        store.bulk_load_fresh(records)
    store.close()


def test_bulk_add_records_takes_triples_or_ntriples_bytes_alike(tmp_path: Path) -> None:
    """The pipeline's cold path hands the bulk loader N-Triples bytes (literals with newlines, quotes and
    language tags, blank nodes included): the graphs equal those loaded from triple objects."""
    records = example_records()
    by_objects, by_bytes = EmbeddedStore(tmp_path / "objects"), EmbeddedStore(tmp_path / "bytes")
    counted = by_objects.bulk_add_records(records)
    as_bytes = [(g, pyoxigraph.serialize(list(t), format=pyoxigraph.RdfFormat.N_TRIPLES)) for g, t in records]
    assert any(b"\\n" in nt or b"@" in nt for _, nt in as_bytes)  # escaped newlines / language tags present
    assert by_bytes.bulk_add_records(as_bytes) == counted == sum(len(t) for _, t in records)
    assert snapshot(by_bytes) == snapshot(by_objects)
    with pytest.raises(ValueError, match="not a record graph"):
        by_bytes.bulk_add_records([(PROVENANCE_GRAPH, b"")])
    by_objects.close()
    by_bytes.close()
