"""Namespaces and the pyoxigraph terms the crosswalk emits (built once at import, not per record)."""

from __future__ import annotations

from pyoxigraph import NamedNode


class NS:
    """A namespace: ``NS("http://x/")["y"]`` or ``NS("http://x/").y`` -> NamedNode, memoised.

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
PANET = NS("http://purl.org/pan-science/PaNET/")
# Our own small vocabulary (technique assignment provenance); documented in README "Crosswalk".
PANKG = NS("https://w3id.org/pan-kg/ns#")

ACCESS_RIGHT = NS("http://publications.europa.eu/resource/authority/access-right/")
EU_LANGUAGE = NS("http://publications.europa.eu/resource/authority/language/")
DATA_THEME = NS("http://publications.europa.eu/resource/authority/data-theme/")
IANA_MEDIA = NS("https://www.iana.org/assignments/media-types/")

PANET_SCHEME = NamedNode("http://purl.org/pan-science/PaNET/PaNET.owl")

PREFIXES = {
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
    "panet": PANET.iri,
    "pankg": PANKG.iri,
    "accessright": ACCESS_RIGHT.iri,
    "eulang": EU_LANGUAGE.iri,
    "theme": DATA_THEME.iri,
}
