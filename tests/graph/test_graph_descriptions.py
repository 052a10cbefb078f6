"""The pure triple builders: provenance, catalogue, VoID, statistics; plus the modules' doctests."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pyoxigraph import Literal, NamedNode, Triple

import graph.iris
import graph.provenance
import graph.statistics
from graph.catalogue import catalogue_graph, facility_catalogue, publisher_iri
from graph.iris import DEFAULT_IRIS, UNKNOWN_CATALOGUE
from graph.provenance import harvest_run, record_provenance, tombstone
from graph.statistics import FACILITY_YEAR, SOURCE_STATUS, statistics_graph, year_literal
from mappings.vocab import DCAT, DCT, FOAF, PANKG, PROV, QB, RDF, SDMX_DIMENSION, VOID, XSD

NODE_CATALOGUE = DEFAULT_IRIS.node_catalogue
facility_catalogue_iri = DEFAULT_IRIS.facility_catalogue
record_graph_iri = DEFAULT_IRIS.record_graph
statistics_dataset_iri = DEFAULT_IRIS.statistics_dataset


SHA = "0" * 64


def has(triples: list[Triple], s: NamedNode, p: NamedNode, o: object) -> bool:
    """The ckanext-dcat style assertion helper: is (s, p, o) among the triples."""
    return Triple(s, p, o) in triples  # type: ignore[arg-type]


@pytest.mark.parametrize("module", [graph.iris, graph.provenance, graph.statistics])
def test_doctests(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]


def test_record_provenance() -> None:
    g = record_graph_iri("esrf", "oai:x/1")
    t = record_provenance(
        g,
        DEFAULT_IRIS,
        source="esrf",
        oai_identifier="oai:x/1",
        datestamp="2024-05-01",
        harvested_at=datetime(2024, 5, 2, 5, 0, tzinfo=timezone(timedelta(hours=2))),
        raw_sha256=SHA,
        mapping_version="1.0",
        validation_status="valid",
        run_iri="https://w3id.org/pan-kg/run/esrf/20240502T030000Z",
    )
    n = NamedNode(g)
    assert has(t, n, RDF.type, PROV.Entity)
    assert has(t, n, DCT.isPartOf, NamedNode(facility_catalogue_iri("esrf")))
    assert has(t, n, PANKG.oaiDatestamp, Literal("2024-05-01", datatype=XSD.date))
    # Normalised to UTC.
    assert has(t, n, PROV.generatedAtTime, Literal("2024-05-02T03:00:00Z", datatype=XSD.dateTime))
    assert has(t, n, PANKG.rawSha256, Literal(SHA))
    assert has(t, n, PROV.wasGeneratedBy, NamedNode("https://w3id.org/pan-kg/run/esrf/20240502T030000Z"))
    assert all(isinstance(x.subject, NamedNode) and x.subject == n for x in t)  # replaceable by subject


def test_record_provenance_refuses_bad_values() -> None:
    good = {
        "source": "s",
        "oai_identifier": "i",
        "mapping_version": "1",
        "raw_sha256": SHA,
        "datestamp": "2024-01-01",
        "harvested_at": datetime(2024, 1, 1, tzinfo=UTC),
        "validation_status": "valid",
    }
    record_provenance("https://a/g", DEFAULT_IRIS, **good)  # type: ignore[arg-type]
    for bad in (
        {"validation_status": "ok"},
        {"datestamp": "2024"},
        {"harvested_at": datetime(2024, 1, 1)},  # naive
        {"raw_sha256": "abc"},
    ):
        with pytest.raises(ValueError):
            record_provenance("https://a/g", DEFAULT_IRIS, **{**good, **bad})  # type: ignore[arg-type]


def test_harvest_run_and_tombstone() -> None:
    run, t = harvest_run(
        DEFAULT_IRIS,
        source="esrf",
        endpoint="https://example.org/oai",
        started=datetime(2024, 5, 2, 3, 0, tzinfo=UTC),
        ended=datetime(2024, 5, 2, 3, 30, tzinfo=UTC),
        counts={"harvested": 10, "deleted": 1},
    )
    r = NamedNode(run)
    assert has(t, r, RDF.type, PROV.Activity)
    assert has(t, r, PROV.used, NamedNode("https://example.org/oai"))
    assert has(t, r, PANKG.recordsDeleted, Literal("1", datatype=XSD.integer))
    with pytest.raises(ValueError):
        harvest_run(DEFAULT_IRIS, source="s", endpoint="https://e", started=datetime.now(UTC), ended=datetime.now(UTC),
                    counts={"bad key": 1})  # fmt: skip
    g = NamedNode(record_graph_iri("esrf", "x"))
    assert has(tombstone(g.value, at=datetime(2024, 6, 1, tzinfo=UTC)), g, PROV.invalidatedAtTime,
               Literal("2024-06-01T00:00:00Z", datatype=XSD.dateTime))  # fmt: skip


def test_facility_publisher_ror_only_when_known() -> None:
    assert publisher_iri({"id": "ESRF", "name": "ESRF"}, DEFAULT_IRIS) == ("https://ror.org/02550n020", True)
    assert (
        publisher_iri({"id": "x", "name": "X", "ror": "https://ror.org/0abcdef12"}, DEFAULT_IRIS)[1] is True
    )
    iri, is_ror = publisher_iri({"id": "unknown-facility", "name": "Somewhere"}, DEFAULT_IRIS)
    assert not is_ror and iri == "https://w3id.org/pan-kg/agent/unknown-facility"
    t = facility_catalogue({"id": "esrf", "name": "ESRF", "url": "https://www.esrf.fr/"}, DEFAULT_IRIS)
    c = NamedNode(facility_catalogue_iri("esrf"))
    assert has(t, c, RDF.type, DCAT.Catalog)
    assert has(t, c, DCT.publisher, NamedNode("https://ror.org/02550n020"))
    assert has(t, NamedNode("https://ror.org/02550n020"), FOAF.name, Literal("ESRF"))


def test_catalogue_graph() -> None:
    sources = [
        {"id": "esrf", "name": "ESRF", "url": "https://www.esrf.fr/"},
        {"id": "b", "name": "B", "url": ""},
    ]
    t = catalogue_graph(
        sources, DEFAULT_IRIS, endpoint_url="https://kg.example.org/query", triples=10, datasets=2, graphs=3
    )
    node = NamedNode(NODE_CATALOGUE)
    assert has(t, node, DCAT.catalog, NamedNode(facility_catalogue_iri("esrf")))
    assert has(t, node, DCAT.catalog, NamedNode(facility_catalogue_iri("b")))
    service = NamedNode("https://w3id.org/pan-kg/service/sparql")
    assert has(t, service, DCAT.endpointURL, NamedNode("https://kg.example.org/query"))
    void = NamedNode("https://w3id.org/pan-kg/void")
    assert has(t, void, VOID.triples, Literal("10", datatype=XSD.integer))
    assert has(t, void, VOID.sparqlEndpoint, NamedNode("https://kg.example.org/query"))


def test_statistics_graph_is_a_well_formed_cube() -> None:
    """Every observation belongs to a qb:DataSet with a structure, carries every dimension it has a value
    for and its measure; a year that could not be read is left out, not invented."""
    esrf = NamedNode(facility_catalogue_iri("esrf"))
    cells = {
        FACILITY_YEAR: [((esrf, year_literal(2024)), 5), ((esrf, year_literal(None)), 1)],
        SOURCE_STATUS: [((Literal("esrf"), Literal("valid")), 6)],
    }
    t = statistics_graph(cells, DEFAULT_IRIS, refreshed=datetime(2026, 1, 1, tzinfo=UTC))
    observations = [x.subject for x in t if x.predicate == RDF.type and x.object == QB.Observation]
    assert len(observations) == len(set(observations)) == 3
    by_year = NamedNode(statistics_dataset_iri(FACILITY_YEAR))
    assert has(t, by_year, RDF.type, QB.DataSet)
    assert has(t, by_year, DCT.modified, Literal("2026-01-01T00:00:00Z", datatype=XSD.dateTime))
    years = [x.object for x in t if x.predicate == SDMX_DIMENSION.refPeriod]
    assert years == [Literal("2024", datatype=XSD.gYear)]
    counts = sorted(int(x.object.value) for x in t if x.predicate == PANKG.datasetCount)
    assert counts == [1, 5]
    assert has(t, NamedNode(UNKNOWN_CATALOGUE), DCT.title, Literal("(unknown)"))
    # Same cells, same observation IRIs: a refresh replaces a cell rather than minting a new one.
    again = statistics_graph(cells, DEFAULT_IRIS, refreshed=datetime(2026, 1, 2, tzinfo=UTC))
    assert observations == [
        x.subject for x in again if x.predicate == RDF.type and x.object == QB.Observation
    ]
