"""The pankg vocabulary is closed: every `pankg:` IRI the pipeline emits is declared in mappings/pankg.ttl,
with a type, a label and a comment, and mappings/vocab.py names exactly the terms the file declares.

What is crawled: the crosswalk of every real sample of the tests' corpus (DataCite files, OAI-PMH pages,
the catalogue APIs served on loopback), with and without a PaNET index, loaded into a real store with
their provenance (every validation status, a harvest run with every count, a stale mark, a tombstone),
the catalogue and statistics graphs refreshed from it, and the quality (DQV) graph of a validated batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, Triple

from graph.iris import DEFAULT_IRIS
from graph.load import load_reference_graphs, refresh_catalogue
from graph.provenance import VALIDATION_STATUSES, harvest_run, record_provenance
from graph.store import EmbeddedStore
from mappings import MappedRecord, MappingError, PanetIndex, crosswalk
from mappings.vocab import (
    PANKG,
    PANKG_IRI,
    PANKG_ONTOLOGY_IRI,
    RUN_COUNTS,
    TECHNIQUE_METHODS,
    pankg_terms,
    vocabulary_turtle,
)
from shapes.report import dqv_triples, outcome_row, outcomes_frame, summarise
from shapes.validate import validate_batch
from tests.catalogue.corpus import Corpus
from tests.support.sample_records import PANET_OWL, live_records

DECLARING_TYPES = {rdflib.RDF.Property, rdflib.RDFS.Class, rdflib.OWL.NamedIndividual}
AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def pankg_iris(triples: Iterable[Triple]) -> set[str]:
    """Every IRI in the pankg namespace among the triples' subjects, predicates, objects and datatypes."""
    found: set[str] = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, Literal):
                term = term.datatype
            if isinstance(term, NamedNode) and term.value.startswith(PANKG_IRI):
                found.add(term.value)
    return found


def mapped_corpus(corpus: Corpus, panet: PanetIndex) -> list[MappedRecord]:
    raw = [record for _, record in live_records()]
    raw += [record for source in corpus.summaries for record in corpus.store.records(source)]
    mapped: dict[tuple[str, bool], MappedRecord] = {}
    for record in raw:
        for index in (None, panet):
            try:
                m = crosswalk(record, panet=index)
            except MappingError:
                continue  # the corpus keeps a few broken records on purpose
            mapped[(m.graph_iri, index is not None)] = m
    return list(mapped.values())


@pytest.fixture(scope="module")
def emitted(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    panet = PanetIndex.load(PANET_OWL)
    mapped = mapped_corpus(corpus, panet)
    with_panet = {m.graph_iri: m for m in mapped}  # the PaNET run of a record, where there are two
    found: set[str] = set()
    for m in mapped:
        found |= pankg_iris(m.triples)

    path: Path = tmp_path_factory.mktemp("vocabulary") / "graph"
    with EmbeddedStore(path) as store:
        load_reference_graphs(store, PANET_OWL)
        records = list(with_panet.values())
        provenance: list[Triple] = []
        for i, m in enumerate(records):
            provenance += record_provenance(
                m.graph_iri,
                DEFAULT_IRIS,
                source=m.graph_iri.split("/graph/", 1)[1].split("/", 1)[0],
                oai_identifier=m.graph_iri.rsplit("/", 1)[1],
                datestamp="2024-05-01" if i % 2 else "2024-05-01T10:00:00Z",
                harvested_at=AT,
                raw_sha256="0" * 64,
                mapping_version="1.1.0",
                validation_status=VALIDATION_STATUSES[i % len(VALIDATION_STATUSES)],
            )
        _, run = harvest_run(
            DEFAULT_IRIS,
            source="esrf",
            endpoint="https://example.org/oai",
            started=AT,
            ended=AT,
            counts=dict.fromkeys(RUN_COUNTS, 1),
        )
        store.replace_records([(m.graph_iri, m.triples) for m in records], provenance=provenance + run)
        store.mark_stale([records[0].graph_iri], at=AT)
        store.delete_records([records[1].graph_iri], at=AT)
        sources = sorted({m.graph_iri.split("/graph/", 1)[1].split("/", 1)[0] for m in records})
        refresh_catalogue(
            store, [{"id": s, "name": s, "url": f"https://{s}.example.org/oai"} for s in sources],
            endpoint_url="https://kg.example.org/query",
        )  # fmt: skip
        batch = records[:12]
        reports = validate_batch(batch, ontology=PANET_OWL)
        outcomes = outcomes_frame(outcome_row("esrf", 1, m.graph_iri, m, reports[m.graph_iri]) for m in batch)
        store.replace_graph(
            DEFAULT_IRIS.quality_graph("esrf", 1), dqv_triples(summarise(outcomes), DEFAULT_IRIS.base)
        )
        for graph in store.graph_iris() - {DEFAULT_IRIS.vocabulary_graph}:
            found |= pankg_iris(store.graph_triples(graph))
    return found


def declared() -> rdflib.Graph:
    return rdflib.Graph().parse(data=vocabulary_turtle(), format="turtle")


def test_every_emitted_pankg_iri_is_declared_in_the_vocabulary(emitted: set[str]) -> None:
    vocabulary = declared()
    terms = {str(s) for s in vocabulary.subjects() if str(s).startswith(PANKG_IRI)}
    assert emitted, "the crawl found no pankg: IRI at all"
    assert emitted - terms == set(), "emitted but not declared in mappings/pankg.ttl"


def test_the_module_names_exactly_the_terms_of_the_file() -> None:
    vocabulary = declared()
    in_file = {str(s) for s in vocabulary.subjects() if str(s).startswith(PANKG_IRI)}
    assert {t.value for t in pankg_terms()} == in_file


def test_every_term_is_typed_labelled_and_commented() -> None:
    vocabulary = declared()
    ontology = rdflib.URIRef(PANKG_ONTOLOGY_IRI)
    assert (ontology, rdflib.RDF.type, rdflib.OWL.Ontology) in vocabulary
    assert vocabulary.value(ontology, rdflib.RDFS.comment) is not None
    for term in sorted(pankg_terms(), key=lambda t: t.value):
        node = rdflib.URIRef(term.value)
        assert set(vocabulary.objects(node, rdflib.RDF.type)) & DECLARING_TYPES, term
        assert vocabulary.value(node, rdflib.RDFS.label) is not None, term
        assert vocabulary.value(node, rdflib.RDFS.comment) is not None, term
        assert (node, rdflib.RDFS.isDefinedBy, ontology) in vocabulary, term


def test_the_store_holds_the_vocabulary_as_its_own_graph(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "graph") as store:
        load_reference_graphs(store, None)
        rows = list(
            store.query(
                f"SELECT ?label WHERE {{ GRAPH <{DEFAULT_IRIS.vocabulary_graph}> "
                f"{{ <{PANKG_IRI}instrument> <http://www.w3.org/2000/01/rdf-schema#label> ?label }} }}"
            )  # type: ignore[union-attr]
        )
        assert [r["label"].value for r in rows] == ["instrument"]  # type: ignore[index]
        # Loading again replaces the graph: the same number of triples, not twice as many.
        before = len(store.graph_triples(DEFAULT_IRIS.vocabulary_graph))
        load_reference_graphs(store, None)
        assert len(store.graph_triples(DEFAULT_IRIS.vocabulary_graph)) == before == len(declared())


def test_a_misspelt_term_is_an_error_not_a_new_term() -> None:
    assert PANKG.instrument.value == PANKG_IRI + "instrument"
    with pytest.raises(AttributeError):
        PANKG.instrumnet  # noqa: B018
    with pytest.raises(KeyError, match="pankg:explicitId is not declared"):
        PANKG["explicitId"]
    assert PANKG["explicit-id"] == TECHNIQUE_METHODS["explicit-id"]
