"""SciCat public API records -> DatasetRecord: `scicat-dataset` (a public Dataset) and `scicat-published`
(a PublishedData: a DOI grouping datasets through `pidArray`).

A dataset's IRI is minted from `Dataset/<pid>` (never its pid as a DOI: a DESY dataset's pid equals its
publication's DOI, and the two must stay two nodes); published data has its DOI as IRI and `dct:hasPart`
to the datasets it lists. `scientificMetadata` entries with `value` (and `unit`, `valueSI`, `unitSI`)
become parameters; techniques are PaNET ids as given (bare `PaNET01168` or full IRIs).
"""

from __future__ import annotations

from typing import Any

from harvesters.catalogue import dataset_key
from harvesters.scicat import DATASET_PREFIX, PUBLISHED_PREFIX
from mappings import iris
from mappings.catalogue import (
    add_technique,
    iso_date,
    load_item,
    objects,
    panet_iri,
    text,
)
from mappings.errors import MappingError
from mappings.formats import Document, Format
from mappings.licences import classify_rights
from mappings.model import Agent, DatasetRecord, Instrument, Parameter, Part, Related, Sample, Text

# Nested scientificMetadata deeper than this is not a parameter list any more.
MAX_DEPTH = 6


def scientific_parameters(metadata: Any, prefix: str = "", depth: int = 0) -> list[Parameter]:
    """Flatten scientificMetadata: every object with a `value` is one parameter, named by its path."""
    if not isinstance(metadata, dict) or depth > MAX_DEPTH:
        return []
    if "value" in metadata and not isinstance(metadata["value"], dict | list):
        unit = metadata.get("unit", metadata.get("units"))
        unit_si = metadata.get("unitSI")
        return [
            Parameter(
                prefix or "value",
                metadata["value"],
                unit if isinstance(unit, str) else None,
                metadata.get("valueSI"),
                unit_si if isinstance(unit_si, str) else None,
            )
        ]
    out: list[Parameter] = []
    for key, value in metadata.items():
        out += scientific_parameters(value, f"{prefix}.{key}" if prefix else str(key), depth + 1)
    return out


def _licence(rec: DatasetRecord, value: str | None) -> None:
    if not value:
        return
    info, _ = classify_rights(value, identifier=value)
    if info:
        rec.licences.append(info)
    else:
        rec.rights_statements.append(Text(value))


def read_dataset(payload: bytes, source: str, identifier: str) -> DatasetRecord:
    item = load_item(payload, identifier)
    pid = text(item, "pid", identifier) or text(item, "_id", identifier, required=True) or ""
    rec = DatasetRecord(source=source, oai_identifier=pid)
    rec.alternate_ids.append((pid, "Handle" if pid.startswith("20.") and "/" in pid else "SciCat pid"))
    name = text(item, "datasetName", identifier) or text(item, "description", identifier)
    if name is None:
        raise MappingError(identifier, "datasetName", "missing (and no description either)")
    rec.titles.append(Text(name))
    description = text(item, "description", identifier)
    if description:
        rec.descriptions.append(Text(description))
    keywords = item.get("keywords")
    if keywords is not None and not isinstance(keywords, list):
        raise MappingError(identifier, "keywords", f"expected a list, got {type(keywords).__name__}")
    rec.keywords += [Text(k.strip()) for k in keywords or [] if isinstance(k, str) and k.strip()]
    owner = text(item, "owner", identifier)
    orcid = text(item, "orcidOfOwner", identifier)
    if owner:
        rec.creators.append(Agent(name=owner, kind="person", iri=iris.orcid_iri(orcid) if orcid else None))
    pi = text(item, "principalInvestigator", identifier)
    if pi and "@" not in pi and pi != owner:  # MAX IV puts an e-mail address there: not a name
        rec.contributors.append(Agent(name=pi, kind="person", role="ProjectLeader"))
    created = iso_date(item.get("creationTime"))
    if created:
        rec.dates.append(("Created", created))
    lifecycle = item["datasetlifecycle"] if isinstance(item.get("datasetlifecycle"), dict) else {}
    issued = iso_date(lifecycle.get("publishedOn")) or iso_date(lifecycle.get("dateOfPublishing"))
    if issued:
        rec.dates.append(("Issued", issued))
    rec.access_right = "PUBLIC" if item.get("isPublished") is True else "NON_PUBLIC"
    _licence(rec, text(item, "license", identifier))
    version = text(item, "version", identifier)
    if version:
        rec.comments.append(Text(f"SciCat schema version {version}"))
    if isinstance(item.get("size"), int) and item["size"] > 0:
        rec.sizes.append(str(item["size"]))
    for t in objects(item, "techniques", identifier):
        iri = panet_iri(text(t, "pid", identifier))
        if iri:
            add_technique(rec, iri, text(t, "name", identifier), "techniques")
    location = text(item, "creationLocation", identifier)
    instrument_id = text(item, "instrumentId", identifier)
    name = location or instrument_id
    instrument = Instrument(instrument_id, name) if name else None
    sample_id = text(item, "sampleId", identifier)
    rec.parameters = scientific_parameters(item.get("scientificMetadata"))
    rec.instrument = instrument
    rec.samples = [Sample(sample_id, None)] if sample_id else []
    return rec


def read_published(payload: bytes, source: str, identifier: str) -> DatasetRecord:
    item = load_item(payload, identifier)
    # The seed data stores the DOI as the MongoDB _id only.
    doi_value = text(item, "doi", identifier) or text(item, "_id", identifier, required=True) or ""
    rec = DatasetRecord(source=source, oai_identifier=doi_value)
    rec.doi = iris.normalise_doi(doi_value)
    if rec.doi is None:
        raise MappingError(identifier, "doi", f"not a DOI: {doi_value!r}")
    rec.titles.append(Text(text(item, "title", identifier, required=True) or ""))
    for key in ("abstract", "dataDescription"):
        value = text(item, key, identifier)
        if value and all(value != d.value for d in rec.descriptions):
            rec.descriptions.append(Text(value))
    creators = item.get("creator")
    if isinstance(creators, str):
        creators = [creators]
    if creators is not None and not isinstance(creators, list):
        raise MappingError(identifier, "creator", f"expected a list, got {type(creators).__name__}")
    rec.creators += [Agent(name=c.strip()) for c in creators or [] if isinstance(c, str) and c.strip()]
    publisher = text(item, "publisher", identifier)
    if publisher:
        rec.publisher = Agent(name=publisher, kind="organization")
    year = text(item, "publicationYear", identifier)
    if year:
        rec.publication_year = year
    registered = iso_date(item.get("registeredTime"))
    if registered:
        rec.dates.append(("Submitted", registered))
    if text(item, "resourceType", identifier) in ("raw", "derived"):
        rec.resource_type_general = "Dataset"
    rec.resource_type = text(item, "resourceType", identifier)
    url = text(item, "url", identifier) or text(item, "downloadLink", identifier)
    if url and url.startswith("http"):
        rec.landing_page = url
    _licence(rec, text(item, "license", identifier))
    for pub in item.get("relatedPublications") or []:
        if isinstance(pub, str) and iris.normalise_doi(pub):
            rec.related.append(
                Related(pub, "DOI", "IsReferencedBy", iris.doi_iri(iris.normalise_doi(pub) or ""))
            )
    if isinstance(item.get("sizeOfArchive"), int) and item["sizeOfArchive"] > 0:
        rec.sizes.append(str(item["sizeOfArchive"]))
    pids = item.get("pidArray")
    if pids is not None and not isinstance(pids, list):
        raise MappingError(identifier, "pidArray", f"expected a list, got {type(pids).__name__}")
    # Datasets listed by key only, described by records of their own.
    rec.parts = [Part(dataset_key(p.strip())) for p in pids or [] if isinstance(p, str) and p.strip()]
    return rec


def sniff_published(document: Document) -> str | None:
    if isinstance(document, dict) and (
        "pidArray" in document or {"creator", "publicationYear"} <= set(document)
    ):
        return PUBLISHED_PREFIX
    return None


def sniff_dataset(document: Document) -> str | None:
    if isinstance(document, dict) and {"datasetName", "scientificMetadata", "sourceFolder"} & set(document):
        return DATASET_PREFIX
    return None


FORMATS = (
    Format("SciCat PublishedData", (PUBLISHED_PREFIX,), read_published, sniff_published),
    Format("SciCat Dataset", (DATASET_PREFIX,), read_dataset, sniff_dataset),
)
