"""PDB / EMDB / EMPIAR / CXIDB entry detection (use case 2.2: raw data <-> structure / map / image archive).

Sources, most to least trustworthy: a related identifier (its relationType is kept), an alternate identifier,
then titles and descriptions (relation unknown -> dct:relation). Patterns are anchored on what makes an
accession unambiguous: an ``EMD-`` / ``EMPIAR-`` prefix, a ``10.2210/pdbXXXX/pdb`` or ``10.6019/EMPIAR-`` DOI,
an RCSB / PDBe / PDBj / wwPDB URL, the extended ``pdb_0000xxxx`` form. A bare 4-character token is a PDB
id only right after the word "PDB" (optionally "ID(s)", "code(s)", "entry", "accession"), or inside a list
that follows it, and only if it contains a letter (so "PDB 2019" is not an entry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mappings.iris import identifiers_org_iri


@dataclass(frozen=True, slots=True)
class EntryLink:
    database: str  # "pdb" | "emdb" | "empiar" | "cxidb"
    accession: str  # as identifiers.org writes it: 1abc, EMD-12602, EMPIAR-10934, 1
    iri: str
    relation: str | None  # DataCite relationType when stated
    evidence: str  # "related-identifier" | "alternate-identifier" | "text"


_PDB_ID = r"[0-9][A-Za-z0-9]{3}"
_PDB_DOI = re.compile(r"10\.2210/pdb(" + _PDB_ID + r")/pdb", re.IGNORECASE)
_PDB_URL = re.compile(
    r"(?:rcsb\.org/(?:structure|pdb/explore(?:\.do)?\?structureId=|3d-view)/?"
    r"|ebi\.ac\.uk/pdbe/entry/pdb/|pdbj\.org/mine/summary/|wwpdb\.org/pdb\?id=(?:pdb_0000)?"
    r"|identifiers\.org/pdb[:/])(" + _PDB_ID + r")\b",
    re.IGNORECASE,
)
_PDB_EXTENDED = re.compile(r"\bpdb_0000(" + _PDB_ID + r")\b", re.IGNORECASE)
# "PDB 1ABC", "PDB ID: 1abc", "PDB codes 1ABC, 2XYZ and 3DEF", "(PDB entry 6ZJ3)"
_PDB_CONTEXT = re.compile(
    r"\b(?:PDB|Protein Data Bank)(?:\s+(?:ID|IDs|id|ids|code|codes|entry|entries|accession|accessions)"
    r"(?:\s+(?:code|codes|number|numbers))?)?\s*[:#]?\s*"
    r"(" + _PDB_ID + r"(?:\s*(?:,|;|and|&|/)\s*" + _PDB_ID + r")*)\b",
)
_PDB_TOKEN = re.compile(r"\b(" + _PDB_ID + r")\b")
_EMDB = re.compile(r"\bEMD[-_](\d{4,5})\b", re.IGNORECASE)
_EMDB_URL = re.compile(
    r"(?:ebi\.ac\.uk/emdb/|ebi\.ac\.uk/pdbe/entry/emdb/)(?:EMD-)?(\d{4,5})\b", re.IGNORECASE
)
_EMPIAR = re.compile(r"\bEMPIAR[-_ ](\d{5})\b", re.IGNORECASE)
_CXIDB = re.compile(r"(?:\bCXIDB(?:\s+(?:ID|entry))?\s*[-:#]?\s*|cxidb\.org/id-)(\d{1,4})\b", re.IGNORECASE)


def _has_letter(token: str) -> bool:
    return any(c.isalpha() for c in token)


def _pdb(acc: str, relation: str | None, evidence: str) -> EntryLink:
    acc = acc.lower()
    return EntryLink("pdb", acc, identifiers_org_iri("pdb", acc), relation, evidence)


# One cheap scan first: almost no text names an entry, so the specific patterns rarely run.
_ANY = re.compile(r"pdb|emd|empiar|cxidb|protein data bank|rcsb|10\.2210/", re.IGNORECASE)


def find_links(text: str, relation: str | None = None, evidence: str = "text") -> list[EntryLink]:
    """All entries named in one string (an identifier value or a free text)."""
    found: list[EntryLink] = []
    if not _ANY.search(text):
        return found
    for m in _PDB_DOI.finditer(text):
        found.append(_pdb(m.group(1), relation, evidence))
    for m in _PDB_URL.finditer(text):
        found.append(_pdb(m.group(1), relation, evidence))
    for m in _PDB_EXTENDED.finditer(text):
        found.append(_pdb(m.group(1), relation, evidence))
    for m in _PDB_CONTEXT.finditer(text):
        for tok in _PDB_TOKEN.findall(m.group(1)):
            if _has_letter(tok):
                found.append(_pdb(tok, relation, evidence))
    for pattern in (_EMDB, _EMDB_URL):
        for m in pattern.finditer(text):
            acc = f"EMD-{m.group(1)}"
            found.append(EntryLink("emdb", acc, identifiers_org_iri("emdb", acc), relation, evidence))
    for m in _EMPIAR.finditer(text):
        acc = f"EMPIAR-{m.group(1)}"
        found.append(EntryLink("empiar", acc, identifiers_org_iri("empiar", acc), relation, evidence))
    for m in _CXIDB.finditer(text):
        acc = m.group(1)
        # No identifiers.org namespace for CXIDB that we could confirm: link the entry's own page.
        found.append(EntryLink("cxidb", acc, f"https://www.cxidb.org/id-{acc}.html", relation, evidence))
    return found


def dedupe(links: list[EntryLink], own_iri: str | None = None) -> list[EntryLink]:
    """One link per entry; the first (most trustworthy) source wins. A record never links to itself."""
    seen: dict[str, EntryLink] = {}
    for link in links:
        if link.iri == own_iri:
            continue
        prev = seen.get(link.iri)
        if prev is None or (prev.relation is None and link.relation is not None):
            seen[link.iri] = link
    return list(seen.values())
