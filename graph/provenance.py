"""Provenance triples (PROV-O) for the provenance graph.

Pure functions: they build triples, the store writes them.

Everything about one record graph has that graph's IRI as subject and no blank nodes, so the store can
replace a record's provenance with one `DELETE WHERE { <g> ?p ?o }` in the same transaction as the record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime

from pyoxigraph import Literal, NamedNode, Triple

from graph.iris import NodeIris
from graph.literals import date_or_datetime_literal, datetime_literal
from mappings.vocab import DCT, PANKG, PROV, RDF, RUN_COUNTS, XSD

VALIDATION_STATUSES = ("valid", "invalid", "warning", "not-validated")


def harvest_run(
    iris: NodeIris,
    *,
    source: str,
    endpoint: str,
    started: datetime,
    ended: datetime | None,
    counts: Mapping[str, int],
) -> tuple[str, list[Triple]]:
    """A harvest run as a `prov:Activity`; returns (run IRI, triples).

    `counts` keys become `pankg:records<Key>` (the keys of `mappings.vocab.RUN_COUNTS`). `ended` None: the
    run as it starts (recorded before it loads anything, so a run that never ends is still found).

    >>> from datetime import UTC
    >>> from graph.iris import DEFAULT_IRIS
    >>> run, triples = harvest_run(DEFAULT_IRIS, source="esrf", endpoint="https://example.org/oai",
    ...     started=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), ended=datetime(2026, 1, 2, 3, 5, tzinfo=UTC),
    ...     counts={"harvested": 3})
    >>> run
    'https://w3id.org/pan-kg/run/esrf/20260102T030405Z'
    >>> len(triples)
    7
    """
    datetime_literal(started)  # refuses naive datetimes before anything is built
    run_iri = iris.harvest_run(source, started.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    run = NamedNode(run_iri)
    triples = [
        Triple(run, RDF.type, PROV.Activity),
        Triple(run, PROV.used, NamedNode(endpoint)),
        Triple(run, PROV.startedAtTime, datetime_literal(started)),
        Triple(run, PROV.wasAssociatedWith, NamedNode(iris.facility_catalogue(source))),
        Triple(run, DCT.isPartOf, NamedNode(iris.facility_catalogue(source))),
    ]
    if ended is not None:
        triples.append(Triple(run, PROV.endedAtTime, datetime_literal(ended)))
    for key, value in sorted(counts.items()):
        predicate = RUN_COUNTS.get(key)
        if predicate is None:  # the vocabulary is closed: a new count is a new term in mappings/pankg.ttl
            raise ValueError(f"count key must be one of {', '.join(RUN_COUNTS)}, got {key!r}")
        triples.append(Triple(run, predicate, Literal(str(int(value)), datatype=XSD.integer)))
    return run_iri, triples


def record_provenance(
    graph_iri: str,
    iris: NodeIris,
    *,
    source: str,
    oai_identifier: str,
    datestamp: str | date | datetime,
    harvested_at: datetime,
    raw_sha256: str,
    mapping_version: str,
    validation_status: str,
    run_iri: str | None = None,
) -> list[Triple]:
    """Provenance of one record graph (a `prov:Entity`)."""
    if not re.fullmatch(r"[0-9a-f]{64}", raw_sha256):
        raise ValueError(f"raw_sha256 must be 64 lowercase hex digits, got {raw_sha256!r}")
    if validation_status not in VALIDATION_STATUSES:
        raise ValueError(f"validation_status must be one of {VALIDATION_STATUSES}, got {validation_status!r}")
    g = NamedNode(graph_iri)
    triples = [
        Triple(g, RDF.type, PROV.Entity),
        # The facility catalogue is the source: "datasets per facility" joins through it.
        Triple(g, DCT.isPartOf, NamedNode(iris.facility_catalogue(source))),
        Triple(g, PANKG.source, Literal(source)),
        Triple(g, DCT.identifier, Literal(oai_identifier)),
        Triple(g, PANKG.oaiDatestamp, date_or_datetime_literal(datestamp)),
        Triple(g, PROV.generatedAtTime, datetime_literal(harvested_at)),
        Triple(g, PANKG.rawSha256, Literal(raw_sha256)),
        Triple(g, PANKG.mappingVersion, Literal(mapping_version)),
        Triple(g, PANKG.validationStatus, Literal(validation_status)),
    ]
    if run_iri is not None:
        triples.append(Triple(g, PROV.wasGeneratedBy, NamedNode(run_iri)))
    return triples


def tombstone(graph_iri: str, *, at: datetime) -> list[Triple]:
    """A deleted record: its graph is gone, this stays so that peers can sync the deletion."""
    g = NamedNode(graph_iri)
    return [Triple(g, RDF.type, PROV.Entity), Triple(g, PROV.invalidatedAtTime, datetime_literal(at))]
