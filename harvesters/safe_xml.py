"""The one XML parser for untrusted bytes: OAI-PMH pages here, record payloads in the crosswalk (mappings/).

Hostile XML is everyday input for a harvester: never expand entities, load a DTD or touch the network.
huge_tree lifts libxml2's 10 MB text-node limit so that one oversized record can be skipped by itself
rather than failing its page; it is safe because nothing is ever expanded (`harvesters.oai_pmh` also refuses
every entity declaration before parsing a page) and the size of what is parsed is capped before it gets
here (the response body in `harvesters.http`, a stored record by `max_record_mb`).
"""

from __future__ import annotations

import threading

from lxml import etree

_per_thread = threading.local()


def new_safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=True,
        remove_blank_text=False,
    )


def safe_parser() -> etree.XMLParser:
    """This thread's parser (lxml advises one parser per thread rather than one shared between threads)."""
    parser: etree.XMLParser | None = getattr(_per_thread, "parser", None)
    if parser is None:
        parser = _per_thread.parser = new_safe_parser()
    return parser


def parse_untrusted(data: bytes) -> etree._Element:
    """The root element of `data`; raises lxml's XMLSyntaxError when it is not well-formed."""
    return etree.fromstring(data, parser=safe_parser())
