"""What an input format module declares so that the registry (`mappings.FORMATS`) can use it.

Each format module (`mappings/datacite.py`, `oai_dc.py`, `panosc.py`, `scicat.py`) ends with
``FORMATS = (Format(...), ...)``: the metadata prefixes its records carry, the reader, and the sniffer that
recognises a bare file of it. `mappings/__init__.py` collects them; docs/extending.md says how to add one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from lxml import etree

from mappings.model import DatasetRecord

# (payload, source id, raw identifier) -> the neutral record; raises MappingError naming the field.
Reader = Callable[[bytes, str, str], DatasetRecord]

# A file as the sniffer sees it: the root element of an XML file, or the object of a JSON file.
Document: TypeAlias = "etree._Element | dict[str, Any]"


@dataclass(frozen=True)
class Format:
    name: str  # for people: `pankg crosswalk --help` and error messages
    prefixes: tuple[
        str, ...
    ]  # the metadata prefixes records of this format carry (RawRecord.metadata_prefix)
    read: Reader
    # The prefix of `document` if it is of this format, else None. Sniffers must not overlap.
    sniff: Callable[[Document], str | None]
