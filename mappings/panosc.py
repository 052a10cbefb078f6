"""PaN search API `Document` (metadata prefix `panosc-document`) -> DatasetRecord.

The Document becomes the dataset of the record (its DOI, when its pid is one, is its IRI); each included
`Dataset` becomes a dataset of its own, `dct:isPartOf` the document (`dct:hasPart` back), with its
techniques (PaNET ids as given), instrument and facility, samples, parameters, and files (as
distributions when the dataset is public). Members become creators (contacts: contributors) with their
ORCID and affiliation. Field names follow the reference data model (panosc-eu/search-api common/models).
"""

from __future__ import annotations

from harvesters.catalogue import dataset_key
from harvesters.panosc_api import DOCUMENT_PREFIX
from mappings import iris
from mappings.catalogue import (
    Json,
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
from mappings.model import (
    Agent,
    DataFile,
    DatasetRecord,
    Instrument,
    Parameter,
    Part,
    Related,
    Sample,
    SubjectTerm,
    Text,
)

# ESRF masks personal fields with this placeholder upstream: not a name.
MASKED = "PRIVATE"


def _parameters(item: Json, identifier: str) -> list[Parameter]:
    out = []
    for p in objects(item, "parameters", identifier):
        name = text(p, "name", identifier)
        if name is None:
            continue
        # ESRF's branch spells the unit field "units".
        unit = p.get("unit", p.get("units"))
        out.append(Parameter(name, p.get("value"), unit if isinstance(unit, str) else None))
    return out


def _agent(member: Json, identifier: str) -> Agent | None:
    people = objects(member, "person", identifier)
    if not people:
        return None
    person = people[0]
    name = text(person, "fullName", identifier)
    if not name or name == MASKED:
        return None
    orcid_value = text(person, "orcid", identifier) or text(person, "ORCiD", identifier)
    agent = Agent(
        name=name,
        kind="person",
        given=text(person, "firstName", identifier),
        family=text(person, "lastName", identifier),
        iri=iris.orcid_iri(orcid_value) if orcid_value else None,
    )
    for aff in objects(member, "affiliation", identifier):
        aff_name = text(aff, "name", identifier)
        if aff_name:
            agent.affiliations.append(Agent(name=aff_name, kind="organization"))
    return agent


def _dataset(
    item: Json, source: str, identifier: str, landing: str | None, document: DatasetRecord
) -> tuple[DatasetRecord, Instrument | None]:
    pid = text(item, "pid", identifier, required=True) or ""
    rec = DatasetRecord(source=source, oai_identifier=pid)
    title = text(item, "title", identifier)
    # ESRF masks titles: the pid is then the only name the dataset has.
    rec.titles.append(Text(title if title and title != MASKED else f"Dataset {pid}"))
    created = iso_date(item.get("creationDate"))
    if created:
        rec.dates.append(("Created", created))
    public = item.get("isPublic") is True
    rec.access_right = "PUBLIC" if public else "NON_PUBLIC"
    rec.licences = list(document.licences)
    # The data model gives a dataset no people, release date or abstract: it has its document's people
    # and release (DCAT-AP requires creator and issued on every dataset).
    rec.creators = list(document.creators)
    rec.dates += [(kind, value) for kind, value in document.dates if kind == "Issued"]
    for t in objects(item, "techniques", identifier):
        iri = panet_iri(text(t, "panetId", identifier)) or panet_iri(text(t, "pid", identifier))
        name = text(t, "name", identifier)
        if iri:
            add_technique(rec, iri, name, "techniques")
        elif name:
            # A local technique id: the name stays a subject, which a PaNET index may match by label.
            rec.subjects.append(SubjectTerm(value=name))
    instrument = None
    for ins in objects(item, "instrument", identifier)[:1]:
        name = text(ins, "name", identifier)
        if name:
            instrument = Instrument(text(ins, "pid", identifier), name, text(ins, "facility", identifier))
    if instrument and instrument.facility:
        rec.publisher = Agent(name=instrument.facility, kind="organization")
    rec.parameters = _parameters(item, identifier)
    rec.instrument = instrument
    rec.samples = [
        Sample(text(s, "pid", identifier), text(s, "name", identifier), text(s, "description", identifier))
        for s in objects(item, "samples", identifier)
    ]
    rec.files = [
        DataFile(
            name,
            text(f, "path", identifier),
            int(f["size"]) if isinstance(f.get("size"), int | float) else None,
        )
        for f in objects(item, "files", identifier)
        if (name := text(f, "name", identifier))
    ]
    # Files are distributions only when public and reachable through the document's landing page.
    rec.files_access_url = landing if public else None
    rec.descriptions.append(Text(_derived_description(rec, document, instrument, rec.samples)))
    return rec, instrument


def _derived_description(
    rec: DatasetRecord, document: DatasetRecord, instrument: Instrument | None, samples: list[Sample]
) -> str:
    """A description stated from the record's own facts (the model has no dataset abstract; DCAT-AP wants
    one): which document, instrument, techniques and samples."""
    kind = document.resource_type or "document"
    parts = [f'Dataset "{rec.titles[0].value}" of the {kind} "{document.titles[0].value}"']
    if instrument:
        at = f" ({instrument.facility})" if instrument.facility else ""
        parts.append(f"measured on {instrument.name}{at}")
    techniques = [t.label for t in rec.techniques] + [s.value for s in rec.subjects if s.value_uri is None]
    if techniques:
        parts.append("technique: " + ", ".join(dict.fromkeys(techniques)))
    names = [s.name for s in samples if s.name and s.name != MASKED]
    if names:
        parts.append("sample: " + ", ".join(dict.fromkeys(names)))
    return "; ".join(parts) + "."


def read(payload: bytes, source: str, identifier: str) -> DatasetRecord:
    doc = load_item(payload, identifier)
    pid = text(doc, "pid", identifier, required=True) or ""
    rec = DatasetRecord(source=source, oai_identifier=pid)
    # The document's own DOI is its pid when the pid is a DOI. A separate `doi` field is used only when
    # the pid is not one: European XFEL's test documents put the DOI of a paper about them there.
    rec.doi = iris.normalise_doi(pid)
    doi_field = text(doc, "doi", identifier)
    if rec.doi is None and doi_field and iris.normalise_doi(doi_field):
        rec.related.append(
            Related(doi_field, "DOI", "IsDescribedBy", iris.doi_iri(iris.normalise_doi(doi_field) or ""))
        )
    elif doi_field and iris.normalise_doi(doi_field) not in (None, rec.doi):
        rec.alternate_ids.append((doi_field, "DOI"))
    title = text(doc, "title", identifier, required=True)
    rec.titles.append(Text(title or ""))
    summary = text(doc, "summary", identifier)
    if summary:
        rec.descriptions.append(Text(summary))
    keywords = doc.get("keywords")
    if keywords is not None and not isinstance(keywords, list):
        raise MappingError(identifier, "keywords", f"expected a list, got {type(keywords).__name__}")
    for k in keywords or []:
        if isinstance(k, str) and k.strip():
            rec.keywords.append(Text(k.strip()))
    issued = iso_date(doc.get("releaseDate"))
    if issued:
        rec.dates.append(("Issued", issued))
    start, end = iso_date(doc.get("startDate")), iso_date(doc.get("endDate"))
    if start and end:
        rec.dates.append(("Collected", f"{start}/{end}"))
    kind = text(doc, "type", identifier)
    if kind:
        rec.resource_type = kind
    public = doc.get("isPublic") is True
    rec.access_right = "PUBLIC" if public else "NON_PUBLIC"
    licence = text(doc, "license", identifier) or text(doc, "licence", identifier)
    if licence:
        info, _ = classify_rights(licence, identifier=licence)
        if info:
            rec.licences.append(info)
        else:
            rec.rights_statements.append(Text(licence))
    for m in objects(doc, "members", identifier):
        agent = _agent(m, identifier)
        if agent is None:
            continue
        role = (text(m, "role", identifier) or "").lower()
        if "contact" in role:
            agent.role = "ContactPerson"
            rec.contributors.append(agent)
        else:
            rec.creators.append(agent)

    landing = iris.doi_iri(rec.doi) if rec.doi else None
    rec.parameters = _parameters(doc, identifier)
    for item in objects(doc, "datasets", identifier):
        part, instrument = _dataset(item, source, identifier, landing, rec)
        rec.parts.append(Part(dataset_key(part.oai_identifier), part))
        for t in part.techniques:
            add_technique(rec, t.iri, t.label, "datasets.techniques")
        for st in part.subjects:
            if st.value_uri is None and all(st.value != s.value for s in rec.subjects):
                rec.subjects.append(SubjectTerm(value=st.value))
        if rec.publisher is None and instrument and instrument.facility:
            rec.publisher = Agent(name=instrument.facility, kind="organization")
    if rec.parts:
        rec.resource_type_general = "Collection"
    return rec


def sniff(document: Document) -> str | None:
    if not isinstance(document, dict) or "pid" not in document:
        return None
    keys = set(document)
    return DOCUMENT_PREFIX if {"datasets", "members"} & keys or {"type", "isPublic"} <= keys else None


FORMATS = (Format("PaN search API Document", (DOCUMENT_PREFIX,), read, sniff),)
