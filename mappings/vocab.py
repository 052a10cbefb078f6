"""Every namespace the node writes, its one prefix table, and the closed `pankg` vocabulary.

The crosswalk is the lowest layer that emits RDF terms, so the vocabulary lives here; shapes/ and graph/
import it. External vocabularies (DCAT, schema.org, ...) are open namespaces: ``DCT.title`` is whatever
that vocabulary defines. Our own vocabulary is closed: every `pankg:` term is a name below and is declared,
with a label and a comment, in `mappings/pankg.ttl` (served at the namespace IRI); an unknown name raises
AttributeError / KeyError instead of minting a term. tests/catalogue/test_vocabulary_terms.py checks that
everything the pipeline emits in the namespace is declared, and that this module and the file agree.
"""

from __future__ import annotations

from importlib import resources
from typing import Final

from pyoxigraph import NamedNode


class NS:
    """An open namespace: ``NS("http://x/")["y"]`` or ``NS("http://x/").y`` -> NamedNode, memoised.

    Attribute access caches the node as a real attribute, so after the first use ``DCT.title`` is a plain
    attribute lookup (no Python call on the hot path).
    """

    def __init__(self, iri: str) -> None:
        self.iri = iri

    def __getitem__(self, local: str) -> NamedNode:
        node = self.__dict__.get(local)
        if node is None:
            node = NamedNode(self.iri + local)
            if local.isidentifier():
                self.__dict__[local] = node
        return node

    def __getattr__(self, local: str) -> NamedNode:  # only called when the attribute is not cached yet
        if local.startswith("__"):
            raise AttributeError(local)
        return self[local]


RDF = NS("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = NS("http://www.w3.org/2000/01/rdf-schema#")
XSD = NS("http://www.w3.org/2001/XMLSchema#")
OWL = NS("http://www.w3.org/2002/07/owl#")
DCT = NS("http://purl.org/dc/terms/")
DCTYPE = NS("http://purl.org/dc/dcmitype/")
DCAT = NS("http://www.w3.org/ns/dcat#")
ADMS = NS("http://www.w3.org/ns/adms#")
FOAF = NS("http://xmlns.com/foaf/0.1/")
ORG = NS("http://www.w3.org/ns/org#")
SKOS = NS("http://www.w3.org/2004/02/skos/core#")
SDO = NS("http://schema.org/")  # http: what the JRC mapping and the ESIP Google shapes use
PROV = NS("http://www.w3.org/ns/prov#")
PAV = NS("http://purl.org/pav/")
VCARD = NS("http://www.w3.org/2006/vcard/ns#")
LOCN = NS("http://www.w3.org/ns/locn#")
GSP = NS("http://www.opengis.net/ont/geosparql#")
CITO = NS("http://purl.org/spar/cito/")
CITEDCAT = NS("https://w3id.org/citedcat-ap/")
FRAPO = NS("http://purl.org/cerif/frapo/")
WDRS = NS("http://www.w3.org/2007/05/powder-s#")
DUV = NS("http://www.w3.org/ns/duv#")
DQV = NS("http://www.w3.org/ns/dqv#")
QUDT = NS("http://qudt.org/schema/qudt/")
QUDT_UNIT = NS("http://qudt.org/vocab/unit/")
VOID = NS("http://rdfs.org/ns/void#")
SD = NS("http://www.w3.org/ns/sparql-service-description#")
QB = NS("http://purl.org/linked-data/cube#")
SDMX_DIMENSION = NS("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEASURE = NS("http://purl.org/linked-data/sdmx/2009/measure#")
SH = NS("http://www.w3.org/ns/shacl#")
SPDX = NS("http://spdx.org/rdf/terms#")
PANET = NS("http://purl.org/pan-science/PaNET/")
# The node's SHACL shapes (shapes/*.ttl), named in validation reports.
SHAPES_CORE = NS("https://w3id.org/pan-kg/shapes/core#")
SHAPES_RECOMMENDED = NS("https://w3id.org/pan-kg/shapes/recommended#")
SHAPES_PAN = NS("https://w3id.org/pan-kg/shapes/pan#")

ACCESS_RIGHT = NS("http://publications.europa.eu/resource/authority/access-right/")
EU_LANGUAGE = NS("http://publications.europa.eu/resource/authority/language/")
DATA_THEME = NS("http://publications.europa.eu/resource/authority/data-theme/")
IANA_MEDIA = NS("https://www.iana.org/assignments/media-types/")

PANET_SCHEME = NamedNode("http://purl.org/pan-science/PaNET/PaNET.owl")

# --- the pankg vocabulary -----------------------------------------------------------------------------------

# A fixed published IRI (w3id.org redirects it to the node): independent of a deployment's base IRI, so
# every node's graph uses the same terms.
PANKG_ONTOLOGY_IRI: Final = "https://w3id.org/pan-kg/ns"
PANKG_IRI: Final = PANKG_ONTOLOGY_IRI + "#"
VOCABULARY_FILE: Final = "pankg.ttl"  # package data of `mappings`


def _pankg(local: str) -> NamedNode:
    return NamedNode(PANKG_IRI + local)


class Pankg:
    """The closed pankg namespace: one attribute per term, nothing minted on access.

    ``PANKG.instrument`` is a term; ``PANKG.instrumnet`` raises AttributeError. Terms whose local name is not
    a Python name (``explicit-id``, ``metric-valid``) are reached through the tables below or ``PANKG[...]``,
    which raises KeyError for a name the vocabulary does not declare.
    """

    __slots__ = ()
    iri: Final = PANKG_IRI

    # classes
    TechniqueAssignment: Final = _pankg("TechniqueAssignment")
    Instrument: Final = _pankg("Instrument")
    Sample: Final = _pankg("Sample")

    # dataset description (crosswalk)
    techniqueAssignment: Final = _pankg("techniqueAssignment")
    technique: Final = _pankg("technique")
    method: Final = _pankg("method")
    sourceField: Final = _pankg("sourceField")
    matchedText: Final = _pankg("matchedText")
    entryOf: Final = _pankg("entryOf")
    instrument: Final = _pankg("instrument")
    facility: Final = _pankg("facility")
    sample: Final = _pankg("sample")
    siValue: Final = _pankg("siValue")
    siUnit: Final = _pankg("siUnit")
    unknownUnit: Final = _pankg("unknownUnit")

    # provenance of record graphs and harvest runs
    source: Final = _pankg("source")
    oaiDatestamp: Final = _pankg("oaiDatestamp")
    rawSha256: Final = _pankg("rawSha256")
    mappingVersion: Final = _pankg("mappingVersion")
    validationStatus: Final = _pankg("validationStatus")
    staleSince: Final = _pankg("staleSince")
    recordsFetched: Final = _pankg("recordsFetched")
    recordsHarvested: Final = _pankg("recordsHarvested")
    recordsNew: Final = _pankg("recordsNew")
    recordsChanged: Final = _pankg("recordsChanged")
    recordsDeleted: Final = _pankg("recordsDeleted")
    recordsLoaded: Final = _pankg("recordsLoaded")
    recordsQuarantined: Final = _pankg("recordsQuarantined")

    # statistics (qb measures) and quality (dqv)
    datasetCount: Final = _pankg("datasetCount")
    recordCount: Final = _pankg("recordCount")
    run: Final = _pankg("run")

    # individuals
    unknownCatalogue: Final = _pankg("unknownCatalogue")
    pdb: Final = _pankg("pdb")
    emdb: Final = _pankg("emdb")
    empiar: Final = _pankg("empiar")
    cxidb: Final = _pankg("cxidb")
    explicit_id: Final = _pankg("explicit-id")
    label: Final = _pankg("label")
    synonym: Final = _pankg("synonym")
    text: Final = _pankg("text")

    def __getitem__(self, local: str) -> NamedNode:
        term = _BY_LOCAL_NAME.get(local)
        if term is None:
            raise KeyError(
                f"pankg:{local} is not declared in the pan-kg vocabulary (mappings/{VOCABULARY_FILE})"
            )
        return term


PANKG: Final = Pankg()

# PaNET assignment method (mappings.panet Match.method) -> its individual.
TECHNIQUE_METHODS: Final[dict[str, NamedNode]] = {
    "explicit-id": Pankg.explicit_id,
    "label": Pankg.label,
    "synonym": Pankg.synonym,
    "text": Pankg.text,
}
# Structure database of an entry link (mappings.links EntryLink.database) -> its individual.
ENTRY_DATABASES: Final[dict[str, NamedNode]] = {
    "pdb": Pankg.pdb,
    "emdb": Pankg.emdb,
    "empiar": Pankg.empiar,
    "cxidb": Pankg.cxidb,
}
# Harvest-run count key (graph.provenance.harvest_run) -> `pankg:records<Key>`.
RUN_COUNTS: Final[dict[str, NamedNode]] = {
    "fetched": Pankg.recordsFetched,
    "harvested": Pankg.recordsHarvested,
    "new": Pankg.recordsNew,
    "changed": Pankg.recordsChanged,
    "deleted": Pankg.recordsDeleted,
    "loaded": Pankg.recordsLoaded,
    "quarantined": Pankg.recordsQuarantined,
}
# Quality metric (shapes.report METRICS) -> its dqv:Metric individual `pankg:metric-<name>`.
QUALITY_METRICS: Final[dict[str, NamedNode]] = {
    name: _pankg(f"metric-{name}")
    for name in (
        "validated",
        "valid",
        "warned",
        "quarantined",
        "description_pct",
        "licence_pct",
        "creator_orcid_pct",
        "affiliation_ror_pct",
        "panet_technique_pct",
        "entry_link_pct",
        "doi_pct",
    )
}


def pankg_terms() -> frozenset[NamedNode]:
    """Every term of the vocabulary, as this module declares it."""
    named = {v for v in vars(Pankg).values() if isinstance(v, NamedNode)}
    return frozenset(named | set(QUALITY_METRICS.values()))


_BY_LOCAL_NAME: Final[dict[str, NamedNode]] = {t.value[len(PANKG_IRI) :]: t for t in pankg_terms()}


def vocabulary_turtle() -> bytes:
    """The vocabulary file (Turtle), as served at the namespace IRI and loaded as the store's own graph."""
    return resources.files("mappings").joinpath(VOCABULARY_FILE).read_bytes()


PREFIXES: Final[dict[str, str]] = {
    "rdf": RDF.iri,
    "rdfs": RDFS.iri,
    "xsd": XSD.iri,
    "owl": OWL.iri,
    "dct": DCT.iri,
    "dctype": DCTYPE.iri,
    "dcat": DCAT.iri,
    "adms": ADMS.iri,
    "foaf": FOAF.iri,
    "org": ORG.iri,
    "skos": SKOS.iri,
    "schema": SDO.iri,
    "prov": PROV.iri,
    "pav": PAV.iri,
    "vcard": VCARD.iri,
    "locn": LOCN.iri,
    "gsp": GSP.iri,
    "cito": CITO.iri,
    "citedcat": CITEDCAT.iri,
    "frapo": FRAPO.iri,
    "wdrs": WDRS.iri,
    "duv": DUV.iri,
    "dqv": DQV.iri,
    "qudt": QUDT.iri,
    "void": VOID.iri,
    "sd": SD.iri,
    "qb": QB.iri,
    "sdmx-dimension": SDMX_DIMENSION.iri,
    "sdmx-measure": SDMX_MEASURE.iri,
    "sh": SH.iri,
    "spdx": SPDX.iri,
    "panet": PANET.iri,
    "pankg": PANKG_IRI,
    "core": SHAPES_CORE.iri,
    "rec": SHAPES_RECOMMENDED.iri,
    "pan": SHAPES_PAN.iri,
    "accessright": ACCESS_RIGHT.iri,
    "eulang": EU_LANGUAGE.iri,
    "theme": DATA_THEME.iri,
}
"""The one prefix table: Turtle output of `pankg crosswalk`, the golden files, the report's short names."""
