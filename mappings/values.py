"""Reading the values real providers write, the same for every input format: dates with a label or as a
range, placeholder names, control characters escaped into titles, subject schemes in another case.

Each rule is general (what a provider writes, never which provider); the readers call these helpers at the
point where they read the value, so a rule fixed here is fixed for every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from mappings.model import DatasetRecord

# DataCite's oai_dc dissemination (and ICAT+ after it) writes "Created: 2021-06-14", "Issued: 2018-01-18":
# the DataCite dateType, a colon, the date.
_LABELLED_DATE = re.compile(r"^\s*([A-Za-z][A-Za-z ]{1,30}?)\s*:\s*(\S.*?)\s*$")
# The DataCite date types (kernel 4.5+), keyed case-insensitively: a label that is none of them is no type.
DATE_TYPES = {
    t.lower(): t
    for t in (
        "Accepted", "Available", "Copyrighted", "Collected", "Coverage", "Created", "Issued", "Submitted",
        "Updated", "Valid", "Withdrawn", "Other",
    )
}  # fmt: skip
# Range separators: DataCite and RKMS-ISO8601 use "/", ICAT's oai_qdc writes "start;end", some write " - ".
_RANGE = re.compile(r"^\s*(\S[^;/]*?)\s*(?:;|/|\s+-\s+|\s+to\s+)\s*(\S[^;/]*?)\s*$")
# "2014-06-11 09:00:00+01:00" (a SQL timestamp, ICAT's releaseDate): ISO 8601 wants a "T".
_SQL_TIMESTAMP = re.compile(
    r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_DAY_OR_TIME = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2}(?:T\S+)?)?)?$")


@dataclass(frozen=True, slots=True)
class DateValue:
    """One date as read: the type its label names (None when it has none) and its value, ISO 8601 where
    the input was close to it, a range written ``start/end`` (DataCite's convention)."""

    label: str | None
    value: str


def _iso(value: str) -> str:
    m = _SQL_TIMESTAMP.match(value.strip())
    if not m:
        return value.strip()
    zone = m.group(3) or ""
    if zone and zone != "Z" and ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    return f"{m.group(1)}T{m.group(2)}{zone}"


def parse_date(value: str) -> DateValue:
    """``Created: 2021-06-14`` -> (Created, 2021-06-14); ``2020-01-01;2020-01-05`` -> (None,
    2020-01-01/2020-01-05); ``2014-06-11 09:00:00+01:00`` -> (None, 2014-06-11T09:00:00+01:00).

    Anything else comes back as it was (stripped): a date the profiles cannot type stays a plain literal."""
    label = None
    v = value.strip()
    m = _LABELLED_DATE.match(v)
    if m and m.group(1).strip().lower() in DATE_TYPES:
        label, v = DATE_TYPES[m.group(1).strip().lower()], m.group(2)
    r = _RANGE.match(v)
    if r and all(_DAY_OR_TIME.match(_iso(p)) for p in r.groups()):
        start, end = (_iso(p) for p in r.groups())
        return DateValue(label, f"{start}/{end}" if end != start else start)
    return DateValue(label, _iso(v))


# DataCite's standard values for unknown information (DataCite Metadata Schema, appendix 3), and the JSON
# null some exporters write as text: not a name.
_UNKNOWN_VALUES = {":unac", ":unal", ":unap", ":unas", ":unav", ":unkn", ":none", ":null", ":tba", ":etal"}


_UNKNOWN_CODE = re.compile(r"^\(?(:[a-z]+)\)?(?:\s|$)")


def is_unknown_value(value: str) -> bool:
    """``:unav``, ``:null``, ``(:unkn) unknown``, ``null``: a placeholder, not a value."""
    v = value.strip().lower()
    if v in ("null", "none", "n/a"):
        return True
    m = _UNKNOWN_CODE.match(v)
    return bool(m and m.group(1) in _UNKNOWN_VALUES)


# Control characters that arrive escaped once too often: "&#13;" / "&#xD;" as text after XML parsing.
_ESCAPED_CONTROL = re.compile(r"&#(?:1[03]|9|x[dDaA9]);")


def clean_line(value: str) -> str:
    """A one-line value (a title, a name): escaped carriage returns / line feeds / tabs and every run of
    whitespace become one space."""
    return " ".join(_ESCAPED_CONTROL.sub(" ", value).split())


# Subject schemes the crosswalk reads by name, in their canonical spelling; matched case-insensitively
# ("instrument", "Instrument", "INSTRUMENT" are the same scheme), spaces and hyphens ignored.
KNOWN_SUBJECT_SCHEMES = ("Instrument", "Proposal", "Beamline", "Technique", "PaNET", "Facility", "Sample")
_SCHEMES = {s.lower(): s for s in KNOWN_SUBJECT_SCHEMES}


def subject_scheme(value: str | None) -> str | None:
    """A subject scheme in its canonical spelling when it is one we read by name, else as written."""
    if value is None:
        return None
    key = re.sub(r"[\s_-]+", "", value).lower()
    return _SCHEMES.get(key, value.strip() or None)


def creators_from_contributors(rec: DatasetRecord) -> None:
    """DataCite requires creators; a record with none but with contributors names its people there. They
    become the creators (the contributors stay too), and the record says so in its findings."""
    if rec.creators or not rec.contributors:
        return
    rec.creators = [replace(a, role=None) for a in rec.contributors]
    rec.findings.append(
        f"no creators: the {len(rec.contributors)} contributor(s) were taken as creators"
        " (list the authors as creators)"
    )
