"""The format-neutral dataset description every input module fills in.

Input modules (datacite.py, oai_dc.py, panosc.py, scicat.py) only *read* into these dataclasses; the output
profiles (mappings/profiles/: DCAT-AP 3, schema.org, the PaN extension) alone decide RDF, so a modelling
change is made once for every format. Mapping tables follow the JRC DataCite -> DCAT-AP crosswalk /
CiteDCAT-AP and the JRC DCAT-AP -> schema.org alignment (shared/data/crosswalks/).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mappings.licences import LicenceInfo
from mappings.links import EntryLink


@dataclass(slots=True)
class Text:
    value: str
    lang: str | None = None


@dataclass(slots=True)
class Agent:
    name: str
    kind: str | None = None  # "person" | "organization" | None (unknown)
    given: str | None = None
    family: str | None = None
    iri: str | None = None  # ORCID / ROR / other PID IRI
    affiliations: list[Agent] = field(default_factory=list)
    role: str | None = None  # DataCite contributorType


@dataclass(slots=True)
class SubjectTerm:
    value: str
    scheme: str | None = None
    scheme_uri: str | None = None
    value_uri: str | None = None
    lang: str | None = None
    code: str | None = None  # DataCite 4.4 classificationCode


@dataclass(slots=True)
class Related:
    value: str
    id_type: str | None
    relation: str | None
    target: str | None = None  # resolved IRI, None when the identifier cannot be an IRI


@dataclass(slots=True)
class Funding:
    funder_name: str | None = None
    funder_iri: str | None = None
    funder_id: str | None = None
    award_number: str | None = None
    award_uri: str | None = None
    award_title: str | None = None


@dataclass(slots=True)
class Geo:
    place: str | None = None
    point: tuple[float, float] | None = None  # (lat, lon)
    box: tuple[float, float, float, float] | None = None  # (west, east, south, north)
    polygon: list[tuple[float, float]] | None = None  # [(lat, lon), ...]


@dataclass(slots=True)
class Distribution:
    """One way to get the data. DataCite gives only formats and sizes (access URL = landing page); some
    oai_dc providers give "media/type URL" pairs (a download URL)."""

    access_url: str | None = None
    download_url: str | None = None
    media_type: str | None = None
    byte_size: int | None = None


@dataclass(slots=True)
class Technique:
    """One PaNET assignment and how it was made (explicit-id | label | synonym | text)."""

    iri: str
    label: str
    method: str
    field: str
    matched: str


@dataclass(slots=True)
class Parameter:
    """A measured parameter with its value and unit as published."""

    name: str
    value: Any
    unit: str | None = None
    # SciCat publishes its own SI conversion; used only when our unit table does not know the unit.
    value_si: Any = None
    unit_si: str | None = None


@dataclass(slots=True)
class Instrument:
    pid: str | None
    name: str
    facility: str | None = None


@dataclass(slots=True)
class Sample:
    pid: str | None
    name: str | None
    description: str | None = None


@dataclass(slots=True)
class DataFile:
    name: str
    path: str | None = None
    size: int | None = None


@dataclass(slots=True)
class Part:
    """A dataset this record groups, its IRI minted from `key` (iris.dataset_iri without DOI): described
    here (a PaN Document's datasets) or only linked, described by a record of its own (SciCat pidArray)."""

    key: str
    record: DatasetRecord | None = None


@dataclass(slots=True)
class DatasetRecord:
    source: str
    oai_identifier: str
    doi: str | None = None
    titles: list[Text] = field(default_factory=list)
    alt_titles: list[Text] = field(default_factory=list)
    descriptions: list[Text] = field(default_factory=list)
    comments: list[Text] = field(default_factory=list)  # DataCite "Other"/"TechnicalInfo"/"SeriesInformation"
    methods: list[Text] = field(default_factory=list)
    toc: list[Text] = field(default_factory=list)
    creators: list[Agent] = field(default_factory=list)
    contributors: list[Agent] = field(default_factory=list)
    publisher: Agent | None = None
    publication_year: str | None = None
    dates: list[tuple[str, str]] = field(default_factory=list)  # (dateType, value)
    language: str | None = None
    resource_type_general: str | None = None
    resource_type: str | None = None
    subjects: list[SubjectTerm] = field(default_factory=list)
    keywords: list[Text] = field(default_factory=list)
    version: str | None = None
    licences: list[LicenceInfo] = field(default_factory=list)
    access_right: str | None = None  # PUBLIC | RESTRICTED | NON_PUBLIC
    rights_statements: list[Text] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    alternate_ids: list[tuple[str, str | None]] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)  # how to cite this dataset
    funding: list[Funding] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)
    geo: list[Geo] = field(default_factory=list)
    landing_page: str | None = None
    distributions: list[Distribution] = field(default_factory=list)
    techniques: list[Technique] = field(default_factory=list)
    entry_links: list[EntryLink] = field(default_factory=list)
    # What the catalogue APIs (PaN search API, SciCat) describe beyond DataCite.
    parameters: list[Parameter] = field(default_factory=list)
    instrument: Instrument | None = None
    samples: list[Sample] = field(default_factory=list)
    files: list[DataFile] = field(default_factory=list)
    # Where a file can be requested (DCAT-AP wants an access URL on every distribution): files become
    # distributions only with one.
    files_access_url: str | None = None
    parts: list[Part] = field(default_factory=list)
    # A Handle given as the primary identifier (no DOI): the dataset IRI is its hdl.handle.net IRI.
    handle: str | None = None
    # What the reader did that a steward should know (creators taken from contributors, ...): one line each.
    findings: list[str] = field(default_factory=list)
