"""Namespace-tolerant XML helpers (DataCite kernel-2/3/4 and their variants share local names).

Payloads are parsed by the harvester's safe parser (`harvesters.safe_xml.parse_untrusted`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from lxml import etree

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def kids(el: etree._Element | None, name: str) -> Iterator[etree._Element]:
    """Children with this local name in any (or no) namespace; the filter runs in lxml's C code."""
    if el is None:
        return iter(())
    return el.iterchildren("{*}" + name)


def kid(el: etree._Element | None, name: str) -> etree._Element | None:
    if el is None:
        return None
    return next(el.iterchildren("{*}" + name), None)


def text(el: etree._Element | None) -> str:
    """All text inside an element, outer whitespace stripped (kernel-3 descriptions may contain <br/>)."""
    if el is None:
        return ""
    return "".join(el.itertext()).strip()


def squash(value: str) -> str:
    return " ".join(value.split())


def find_first(el: etree._Element, name: str) -> etree._Element | None:
    for node in el.iter():
        if isinstance(node.tag, str) and node.tag.rpartition("}")[2] == name:
            return node
    return None


_TAG = re.compile(
    r"</?(?:p|br|div|span|ul|ol|li|h[1-6]|a|em|strong|b|i|code|pre|sub|sup|table|tr|td)\b[^>]*>", re.I
)
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,5}|#x[0-9a-fA-F]{2,4});")
_ESCAPED_TAG = re.compile(r"&lt;/?(?:p|br|div|span|ul|ol|li|h[1-6]|a|em|strong|b|i|sub|sup)\b", re.I)
_BLOCK_END = re.compile(r"</(?:p|div|li|h[1-6]|tr|pre)>|<br\s*/?>", re.I)


def markup_to_text(value: str) -> str:
    """Descriptions are plain text in DCAT-AP and schema.org; some providers send HTML, Zenodo's oai_dc even
    entity-escaped HTML ("&lt;p&gt;"). Unescape once and drop the tags, keeping paragraph breaks."""
    if "&" in value and _ENTITY.search(value):  # "&lt;p&gt;", "&ldquo;peers&rdquo;": escaped twice upstream
        value = html.unescape(value)
        if _ESCAPED_TAG.search(value):  # "&amp;lt;p&amp;gt;" in the XML: escaped once more
            value = html.unescape(value)
    if not _TAG.search(value):
        return value
    value = _BLOCK_END.sub("\n", value)
    value = html.unescape(_TAG.sub("", value))
    return re.sub(r"\n{3,}", "\n\n", value).strip()
