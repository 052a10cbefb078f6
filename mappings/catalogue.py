"""What the JSON catalogue formats (PaN search API, SciCat) share when reading: the payload as JSON, typed
field access that names the bad field, dates, PaNET ids; and `unit_report()` over the mapped parameters.

Their measured parameters, instrument and facility, samples, files and the datasets a document groups are
typed parts of the `DatasetRecord` (mappings/model.py), emitted by the profiles (mappings/profiles/pan.py
says how parameters and units become RDF).
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from mappings.errors import MappingError
from mappings.model import DatasetRecord, SubjectTerm, Technique
from mappings.profiles.common import typed_date
from mappings.vocab import PANET, PANKG, QUDT

log = logging.getLogger(__name__)

PANET_IRI = re.compile(r"(?:^|/|#)PaNET(\d{5})$")

Json = dict[str, Any]


def load_item(payload: bytes, identifier: str) -> Json:
    """The raw payload as a JSON object, or a MappingError naming what is wrong."""
    try:
        item = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MappingError(identifier, "payload", f"not JSON: {exc}") from None
    if not isinstance(item, dict):
        raise MappingError(identifier, "payload", f"expected a JSON object, got {type(item).__name__}")
    return item


def text(item: Json, key: str, identifier: str, *, required: bool = False) -> str | None:
    """A string field; a number is accepted as its text, any other type is a MappingError."""
    value = item.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise MappingError(identifier, key, "missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MappingError(identifier, key, f"expected a string, got {type(value).__name__}")
    return str(value).strip()


def objects(item: Json, key: str, identifier: str) -> list[Json]:
    """A list-of-objects relation; items that are not objects are a MappingError (wrong type)."""
    value = item.get(key)
    if value is None:
        return []
    if isinstance(value, dict):  # a belongsTo relation included as one object
        return [value]
    if not isinstance(value, list):
        raise MappingError(identifier, key, f"expected a list, got {type(value).__name__}")
    bad = [type(v).__name__ for v in value if not isinstance(v, dict)]
    if bad:
        raise MappingError(identifier, key, f"expected objects, got {', '.join(sorted(set(bad)))}")
    return value


def date_value(value: Any) -> str | None:
    """An ISO date(-time) as a string, from a plain string or MongoDB's {"$date": ...}."""
    if isinstance(value, dict):
        value = value.get("$date")
    return value.strip() if isinstance(value, str) and value.strip() else None


def iso_date(value: Any) -> str | None:
    """A date(-time) the crosswalk can type (`typed_date`), else its date part, else None."""
    raw = date_value(value)
    if raw is None:
        return None
    if typed_date(raw) is not None:
        return raw
    return raw[:10] if typed_date(raw[:10]) is not None else None


def panet_iri(value: str | None) -> str | None:
    """`PaNET01168` or `http://purl.org/pan-science/PaNET/PaNET01168` -> the PaNET IRI; else None."""
    if not value:
        return None
    m = PANET_IRI.search(value.strip())
    return f"{PANET.iri}PaNET{m.group(1)}" if m else None


def add_technique(rec: DatasetRecord, iri: str, name: str | None, field_name: str) -> None:
    """An explicit PaNET assignment: kept as is without a PaNET index; with one, the crosswalk re-derives
    it from the subject's valueURI (method explicit-id) and drops ids PaNET does not define."""
    label = (name or iri.rsplit("/", 1)[-1]).rsplit(".", 1)[-1].replace("_", " ")
    if any(t.iri == iri for t in rec.techniques):
        return
    rec.techniques.append(Technique(iri, label, "explicit-id", field_name, iri.rsplit("/", 1)[-1]))
    rec.subjects.append(SubjectTerm(value=label, scheme="PaNET", value_uri=iri))


def unit_report(triples: Iterable[Triple]) -> tuple[int, int, Counter[str]]:
    """(parameters with a number, of them with a QUDT unit IRI, unknown unit spellings with counts)."""
    numeric: set[BlankNode | NamedNode] = set()
    with_unit: set[BlankNode | NamedNode] = set()
    unknown: Counter[str] = Counter()
    for t in triples:
        if t.predicate == QUDT.numericValue:
            numeric.add(t.subject)  # type: ignore[arg-type]
        elif t.predicate == QUDT.unit:
            with_unit.add(t.subject)  # type: ignore[arg-type]
        elif t.predicate == PANKG.unknownUnit and isinstance(t.object, Literal):
            unknown[t.object.value] += 1
    return len(numeric), len(with_unit), unknown
