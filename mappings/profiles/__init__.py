"""The output profiles: each turns a `DatasetRecord` into its part of the dataset's triples, on the same
dataset node (ckanext-dcat style, one module per profile):

- `dcat_ap`: DCAT-AP 3 with CiteDCAT-AP (the JRC DataCite -> DCAT-AP crosswalk);
- `schemaorg`: schema.org (the JRC DCAT-AP -> schema.org alignment, Google Dataset Search);
- `pan`: the PaN extension (technique provenance, entry links, instruments, samples, parameters with units).

Adding an output term: a row in a profile's table (or a line in its function), and, for a pankg term, the
term in mappings/vocab.py and mappings/pankg.ttl.
"""

from __future__ import annotations

from collections.abc import Callable

from pyoxigraph import NamedNode, Triple

from mappings.model import DatasetRecord
from mappings.profiles import dcat_ap, pan, schemaorg
from mappings.profiles.common import Out, part_iri

Profile = Callable[[DatasetRecord, NamedNode, Out, str], None]

PROFILES: tuple[Profile, ...] = (dcat_ap.emit, schemaorg.emit, pan.emit)


def emit(rec: DatasetRecord, dataset_iri: str, base_iri: str) -> list[Triple]:
    """DatasetRecord -> the triples of one dataset (and of the datasets it describes as its parts)."""
    out = Out()
    ds = NamedNode(dataset_iri)
    for profile in PROFILES:
        profile(rec, ds, out, base_iri)
    for part in rec.parts:
        if part.record is not None:
            out.triples += emit(part.record, part_iri(rec, part.key, base_iri).value, base_iri)
    return list(dict.fromkeys(out.triples))  # an affiliation shared by two creators is stated once
