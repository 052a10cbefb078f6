"""Golden Turtle files, compared as graphs (rdflib isomorphism), for a representative set of real records.

Each golden file was reviewed against the JRC DataCite -> DCAT-AP / CiteDCAT-AP tables and the JRC
DCAT-AP -> schema.org alignment. Regenerate after an intended model change with
``PANKG_REGEN_GOLDEN=1 pytest tests/mappings/test_crosswalk_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from harvesters.records import RawRecord
from mappings import crosswalk
from mappings.oaipmh import split_page
from mappings.vocab import PREFIXES
from tests.support.sample_records import SHARED

GOLDEN = Path(__file__).parent / "golden"

# golden name -> (shared file, format or "oai-pmh", source id)
CASES = {
    "esrf-tomography": ("datacite/rest-api/datacite-esrf-dc-2493599001.decoded.xml", "datacite", "esrf"),
    "viringo-oai-datacite": ("oai-pmh/datacite-viringo/oai_getrecord_oaidatacite.xml", "oai-pmh", "datacite"),
    "zenodo-datacite": ("oai-pmh/zenodo-2024-01/get_record-01.xml", "oai-pmh", "zenodo"),
    "zenodo-oai-dc": ("oai-pmh/zenodo-2024-01/get_record-00.xml", "oai-pmh", "zenodo"),
    "kernel3-full": ("datacite/kernel-3/datacite-example-full-v3.1.xml", "datacite", "datacite-examples"),
    "kernel4-full": ("datacite/kernel-4/datacite-example-full-v4.xml", "datacite", "datacite-examples"),
    "kernel4-relateditem": (
        "datacite/kernel-4/datacite-example-relateditem1-v4.xml",
        "datacite",
        "datacite-examples",
    ),
    "kernel4-funding": ("datacite/kernel-4/datacite-example-fundingReference-v4.xml", "datacite", "examples"),
    # DSpace oai_dc: "type URL" formats -> download distributions; a title naming a technique
    "dspace-oai-dc": ("oai-pmh/pyoai-dspace-erasmus/fake2/00002.xml#hdl:1765/1096", "oai-pmh", "dspace"),
}


def _record(rel: str, fmt: str, source: str) -> RawRecord:
    rel, _, identifier = rel.partition("#")
    data = (SHARED / rel).read_bytes()
    if fmt == "oai-pmh":
        records = split_page(data, source)
        return next(r for r in records if r.identifier == identifier) if identifier else records[0]
    return RawRecord(source, Path(rel).name, "", fmt, data)


@pytest.mark.parametrize("name", list(CASES))
def test_golden(name: str, panet) -> None:
    m = crosswalk(_record(*CASES[name]), panet=panet)
    ttl = pyoxigraph.serialize(m.triples, format=pyoxigraph.RdfFormat.TURTLE, prefixes=PREFIXES)
    path = GOLDEN / f"{name}.ttl"
    if os.environ.get("PANKG_REGEN_GOLDEN"):
        path.write_bytes(ttl)
    got = rdflib.Graph().parse(data=ttl.decode(), format="turtle")
    want = rdflib.Graph().parse(path, format="turtle")
    if not isomorphic(got, want):
        _, only_got, only_want = graph_diff(to_isomorphic(got), to_isomorphic(want))
        pytest.fail(
            f"{name}: mapped graph differs from golden\n+ {sorted(map(str, only_got))[:15]}\n"
            f"- {sorted(map(str, only_want))[:15]}"
        )
