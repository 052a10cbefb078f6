"""Safe, namespace-tolerant XML helpers (DataCite kernel-2/3/4 and their variants share local names)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from lxml import etree

_local = threading.local()
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def safe_parser() -> etree.XMLParser:
    """One parser per thread (lxml parsers are not thread-safe); no entities, DTD, network or huge trees."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
    return parser


def parse_xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, parser=safe_parser())


def local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def kids(el: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if el is None:
        return
    for child in el:
        if isinstance(child.tag, str) and child.tag.rpartition("}")[2] == name:
            yield child


def kid(el: etree._Element | None, name: str) -> etree._Element | None:
    return next(kids(el, name), None)


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
