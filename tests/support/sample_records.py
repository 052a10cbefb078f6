"""Real sample records from ../shared/data (never copied into the repo), as RawRecords."""

from __future__ import annotations

import base64
import json
from functools import cache
from pathlib import Path

from lxml import etree

from harvesters.records import RawRecord
from mappings.oaipmh import split_page
from tests.support.shared_data import SHARED_DATA as SHARED

PANET_OWL = SHARED / "panet" / "PaNET-1.3.0.owl"
PANET_REASONED = SHARED / "panet" / "PaNET-1.3.0-48-reasoned.owl"


def datacite_files() -> list[Path]:
    return sorted(
        [
            *(SHARED / "datacite" / "kernel-4").glob("*.xml"),
            *(SHARED / "datacite" / "kernel-3").glob("*.xml"),
            *(SHARED / "datacite" / "rest-api").glob("*.decoded.xml"),
        ]
    )


def rest_api_records() -> list[RawRecord]:
    """DataCite REST API responses that carry the registered XML (base64 ``attributes.xml``)."""
    out = []
    for path in sorted((SHARED / "datacite" / "rest-api").glob("*.json")):
        doc = json.loads(path.read_bytes())
        items = doc["data"] if isinstance(doc["data"], list) else [doc["data"]]
        for item in items:
            xml = (item.get("attributes") or {}).get("xml")
            if xml:
                out.append(
                    RawRecord(
                        "datacite-api", f"{path.name}#{item['id']}", "", "datacite", base64.b64decode(xml)
                    )
                )
    return out


def oai_pages() -> list[Path]:
    """Every OAI-PMH sample page that parses and holds records (2 broken bodies are harvester fixtures)."""
    pages = []
    for path in sorted((SHARED / "oai-pmh").rglob("*.xml")):
        if path.parent.name == "xsd":
            continue
        try:
            root = etree.parse(str(path)).getroot()
        except etree.XMLSyntaxError:
            continue
        if root.find(".//{http://www.openarchives.org/OAI/2.0/}record") is not None:
            pages.append(path)
    return pages


@cache
def all_records() -> tuple[tuple[str, RawRecord], ...]:
    out: list[tuple[str, RawRecord]] = []
    for path in datacite_files():
        rel = str(path.relative_to(SHARED))
        out.append((rel, RawRecord("datacite-examples", path.name, "", "datacite", path.read_bytes())))
    for rec in rest_api_records():
        out.append((f"datacite/rest-api/{rec.identifier}", rec))
    for path in oai_pages():
        rel = str(path.relative_to(SHARED))
        source = path.parent.name
        for rec in split_page(path.read_bytes(), source):
            out.append((f"{rel}#{rec.identifier}", rec))
    return tuple(out)


def live_records() -> list[tuple[str, RawRecord]]:
    return [(name, r) for name, r in all_records() if not r.deleted]
