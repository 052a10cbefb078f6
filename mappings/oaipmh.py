"""Split an OAI-PMH response page (ListRecords / GetRecord) into RawRecords, for the CLI and offline reruns.

The format of each record is read from its metadata element, not from the request's metadataPrefix: real
providers mislabel (DataCite's own GetRecord fixture asks for oai_dc and returns oai_datacite).
"""

from __future__ import annotations

from lxml import etree

from harvesters.records import RawRecord
from mappings.xmlutil import kid, kids, local, parse_xml, text

_ROOT_FORMATS = {"oai_datacite": "oai_datacite", "resource": "datacite", "dc": "oai_dc"}


def metadata_format(el: etree._Element) -> str | None:
    return _ROOT_FORMATS.get(local(el))


def split_page(data: bytes, source: str) -> list[RawRecord]:
    root = parse_xml(data)
    request = kid(root, "request")
    requested = request.get("metadataPrefix") if request is not None else None
    out = []
    for rec in root.iter("{http://www.openarchives.org/OAI/2.0/}record"):
        header = kid(rec, "header")
        if header is None:
            continue
        identifier = text(kid(header, "identifier"))
        datestamp = text(kid(header, "datestamp"))
        sets = tuple(text(s) for s in kids(header, "setSpec"))
        deleted = header.get("status") == "deleted"
        meta = kid(rec, "metadata")
        child = next((c for c in meta if isinstance(c.tag, str)), None) if meta is not None else None
        if child is None or deleted:
            out.append(RawRecord(source, identifier, datestamp, requested or "", b"", True, sets))
            continue
        prefix = metadata_format(child) or requested or ""
        payload = etree.tostring(child, encoding="UTF-8")
        out.append(RawRecord(source, identifier, datestamp, prefix, payload, False, sets))
    return out
