"""Every subject IRI the crosswalk mints is decided here, and only here (ckanext-dcat `dataset_uri()` lesson).

Rules (the contract other stages rely on):
- dataset IRI = ``https://doi.org/<doi>`` (normalised DOI) when the record has a DOI, else
  ``https://hdl.handle.net/<handle>`` when its primary identifier is a Handle, else
  ``{base_iri}dataset/{source}/{quoted oai identifier}``;
- graph IRI = ``{base_iri}graph/{source}/{quoted oai identifier}``: one named graph per record, keyed on the
  harvest identity (source + OAI identifier), never on the DOI, so a re-harvest replaces exactly one graph;
- people: ORCID IRIs; organisations: ROR IRIs; agents without a PID are blank nodes (their identity is only
  the record's statement about them, so minting a global IRI would wrongly merge namesakes);
- PDB / EMDB / EMPIAR / CXIDB entries: identifiers.org compact-identifier IRIs.
"""

from __future__ import annotations

import re
from urllib.parse import quote

DEFAULT_BASE_IRI = "https://w3id.org/pan-kg/"

_DOI_PREFIXES = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/|info:doi/)", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", re.IGNORECASE)
_ROR = re.compile(r"^(?:https?://ror\.org/)?(0[a-z0-9]{6}\d{2})$", re.IGNORECASE)


def normalise_doi(value: str) -> str | None:
    """``doi:10.1/X``, ``https://doi.org/10.1/X``, ``http://dx.doi.org/10.1/X`` -> ``10.1/x``; else None."""
    doi = _DOI_PREFIXES.sub("", value.strip()).strip().lower()
    return doi if _DOI.match(doi) else None


def doi_iri(doi: str) -> str:
    # DOIs are case-insensitive; characters outside the IRI grammar are percent-encoded, "/" kept.
    return "https://doi.org/" + quote(doi.lower(), safe="/:;()._-~+,=@!$&*'")


_HANDLE_PREFIXES = re.compile(
    r"^(?:hdl:|info:hdl/|https?://(?:hdl\.handle\.net|handle\.net)/)", re.IGNORECASE
)
_HANDLE = re.compile(r"^\d[\w.]*/\S+$")


def normalise_handle(value: str) -> str | None:
    """``hdl:20.500.1/X``, ``https://hdl.handle.net/20.500.1/X``, ``20.500.1/X`` -> ``20.500.1/X``; a DOI
    (prefix ``10.``) is not taken for a Handle; else None."""
    handle = _HANDLE_PREFIXES.sub("", value.strip()).strip()
    return handle if _HANDLE.match(handle) and not handle.startswith("10.") else None


def handle_iri(handle: str) -> str:
    return "https://hdl.handle.net/" + quote(handle, safe="/:;()._-~+,=@!$&*'")


def normalised_base(base_iri: str) -> str:
    """A base IRI that minted paths can be appended to: ends with ``/`` or ``#``."""
    return base_iri if base_iri.endswith(("/", "#")) else base_iri + "/"


def _key(source: str, oai_identifier: str) -> str:
    return quote(source, safe="") + "/" + quote(oai_identifier, safe="")


def dataset_iri(
    doi: str | None,
    source: str,
    oai_identifier: str,
    base_iri: str = DEFAULT_BASE_IRI,
    handle: str | None = None,
) -> str:
    if doi:
        return doi_iri(doi)
    if handle:
        return handle_iri(handle)
    return f"{normalised_base(base_iri)}dataset/{_key(source, oai_identifier)}"


def graph_iri(source: str, oai_identifier: str, base_iri: str = DEFAULT_BASE_IRI) -> str:
    return f"{normalised_base(base_iri)}graph/{_key(source, oai_identifier)}"


def catalog_iri(source: str, base_iri: str = DEFAULT_BASE_IRI) -> str:
    """The harvested source as a data catalogue (schema:includedInDataCatalog)."""
    return f"{normalised_base(base_iri)}catalog/{quote(source, safe='')}"


def orcid_iri(value: str) -> str | None:
    m = _ORCID.search(value)
    return f"https://orcid.org/{m.group(1).upper()}" if m else None


def ror_iri(value: str) -> str | None:
    m = _ROR.match(value.strip())
    return f"https://ror.org/{m.group(1).lower()}" if m else None


def identifiers_org_iri(prefix: str, local_id: str) -> str:
    return f"https://identifiers.org/{prefix}:{local_id}"


def entity_iri(kind: str, source: str, local_id: str, base_iri: str = DEFAULT_BASE_IRI) -> str:
    """Catalogue-API entities without a global PID (instruments, samples): ``{base_iri}{kind}/{source}/{id}``,
    scoped by source because facilities number them independently."""
    return f"{normalised_base(base_iri)}{kind}/{_key(source, local_id)}"
