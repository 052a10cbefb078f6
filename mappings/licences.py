"""Licence and access-right normalisation: DataCite / DC rights -> SPDX or Creative Commons IRIs and the
EU access-right vocabulary.

Creative Commons licences become their canonical ``https://creativecommons.org/...`` IRI (what DCAT-AP
publishers, Google and the CC REL use); every other SPDX licence becomes ``https://spdx.org/licenses/<Id>``.
A rights text that is not recognisably a licence stays a dct:RightsStatement (never guessed into a licence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LicenceInfo:
    iri: str
    label: str | None = None


# Common SPDX identifiers, lower-case -> canonical spelling (SPDX ids are case-insensitive on input).
_SPDX = {
    s.lower(): s
    for s in (
        "Apache-2.0", "MIT", "BSD-2-Clause", "BSD-3-Clause", "GPL-2.0-only", "GPL-2.0-or-later",
        "GPL-3.0-only",
        "GPL-3.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later",
        "AGPL-3.0-only", "AGPL-3.0-or-later", "MPL-2.0", "EUPL-1.1", "EUPL-1.2", "ODbL-1.0", "ODC-By-1.0",
        "PDDL-1.0", "Unlicense", "ISC", "Artistic-2.0", "EPL-2.0", "CECILL-2.1", "Etalab-2.0", "OGL-UK-3.0",
        "GPL-2.0", "GPL-3.0", "LGPL-2.1", "LGPL-3.0", "AGPL-3.0", "BSD-4-Clause", "Zlib", "WTFPL",
    )
}  # fmt: skip
_CC_SPDX = re.compile(r"^cc-(by(?:-nc)?(?:-nd|-sa)?)-(\d\.\d)(?:-([a-z]{2,5}))?$", re.IGNORECASE)
_CC0_SPDX = re.compile(r"^cc0-1\.0$", re.IGNORECASE)
_CC_URL = re.compile(
    r"^https?://(?:www\.)?creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)(?:/([a-z]{2,5}))?",
    re.IGNORECASE,
)
_SPDX_URL = re.compile(r"^https?://(?:www\.)?spdx\.org/licenses/([A-Za-z0-9.+-]+?)(?:\.html|\.json)?/?$")
_KNOWN_URLS = [
    (re.compile(r"^https?://(?:www\.)?apache\.org/licenses/LICENSE-2\.0", re.I), "Apache-2.0"),
    (re.compile(r"^https?://(?:www\.)?opensource\.org/licenses/(?:mit|MIT)(?:-license)?", re.I), "MIT"),
    (re.compile(r"^https?://(?:www\.)?opensource\.org/licenses/BSD-3-Clause", re.I), "BSD-3-Clause"),
    (re.compile(r"^https?://(?:www\.)?opensource\.org/licenses/BSD-2-Clause", re.I), "BSD-2-Clause"),
    (re.compile(r"^https?://(?:www\.)?gnu\.org/licenses/gpl-3\.0", re.I), "GPL-3.0-only"),
    (re.compile(r"^https?://(?:www\.)?gnu\.org/licenses/gpl-2\.0", re.I), "GPL-2.0-only"),
    (re.compile(r"^https?://(?:www\.)?gnu\.org/licenses/lgpl-3\.0", re.I), "LGPL-3.0-only"),
    (re.compile(r"^https?://(?:www\.)?gnu\.org/licenses/agpl-3\.0", re.I), "AGPL-3.0-only"),
    (re.compile(r"^https?://(?:www\.)?mozilla\.org/(?:en-US/)?MPL/2\.0", re.I), "MPL-2.0"),
    (re.compile(r"^https?://(?:www\.)?opendatacommons\.org/licenses/odbl/1[.-]0", re.I), "ODbL-1.0"),
    (re.compile(r"^https?://(?:www\.)?opendatacommons\.org/licenses/by/1[.-]0", re.I), "ODC-By-1.0"),
    (re.compile(r"^https?://(?:www\.)?opendatacommons\.org/licenses/pddl/1[.-]0", re.I), "PDDL-1.0"),
    (re.compile(r"^https?://joinup\.ec\.europa\.eu/.*eupl.*1\.2", re.I), "EUPL-1.2"),
]
# Licence names as free text (oai_dc, DataCite rights without URI): only unambiguous full names.
_CC_NAME = re.compile(
    r"creative\s+commons\s+(attribution(?:[\s-]+non-?commercial)?"
    r"(?:[\s-]+(?:no-?derivatives?|no-?derivs|share-?alike))?)"
    r"\s+(\d\.\d)",
    re.IGNORECASE,
)
_CC_SHORT_NAME = re.compile(
    r"^\s*cc[\s-]+(by(?:[\s-]nc)?(?:[\s-](?:nd|sa))?)[\s-]+(\d\.\d)\s*$", re.IGNORECASE
)
_CC0_NAME = re.compile(r"(creative\s+commons\s+zero|\bcc0\b|cc\s+zero)", re.IGNORECASE)

ACCESS_RIGHTS = {
    "info:eu-repo/semantics/openaccess": "PUBLIC",
    "info:eu-repo/semantics/embargoedaccess": "NON_PUBLIC",
    "info:eu-repo/semantics/restrictedaccess": "RESTRICTED",
    "info:eu-repo/semantics/closedaccess": "NON_PUBLIC",
    "http://purl.org/coar/access_right/c_abf2": "PUBLIC",
    "http://purl.org/coar/access_right/c_f1cf": "NON_PUBLIC",
    "http://purl.org/coar/access_right/c_16ec": "RESTRICTED",
    "http://purl.org/coar/access_right/c_14cb": "NON_PUBLIC",
}


def _cc(kind: str, version: str, port: str | None = None) -> str:
    kind = re.sub(r"[\s-]+", "-", kind.lower())
    return f"https://creativecommons.org/licenses/{kind}/{version}/" + (f"{port.lower()}/" if port else "")


CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"


def spdx_licence(identifier: str) -> str | None:
    ident = identifier.strip()
    if _CC0_SPDX.match(ident):
        return CC0
    m = _CC_SPDX.match(ident)
    if m:
        return _cc(m.group(1), m.group(2), m.group(3))
    canonical = _SPDX.get(ident.lower())
    return f"https://spdx.org/licenses/{canonical}" if canonical else None


def licence_from_uri(uri: str) -> str | None:
    u = uri.strip()
    m = _CC_URL.match(u)
    if m:
        family, kind, version, port = m.groups()
        if family.lower() == "publicdomain":
            return CC0 if kind.lower() == "zero" else None
        return _cc(kind, version, port)
    m = _SPDX_URL.match(u)
    if m:
        return spdx_licence(m.group(1)) or f"https://spdx.org/licenses/{m.group(1)}"
    for pattern, spdx in _KNOWN_URLS:
        if pattern.match(u):
            return f"https://spdx.org/licenses/{spdx}"
    return None


def licence_from_text(text: str) -> str | None:
    t = " ".join(text.split())
    m = _CC_NAME.search(t)
    if m:
        words = m.group(1).lower()
        kind = "by"
        if "non" in words:
            kind += "-nc"
        if "deriv" in words:
            kind += "-nd"
        elif "share" in words:
            kind += "-sa"
        return _cc(kind, m.group(2))
    m = _CC_SHORT_NAME.match(t)
    if m:
        return _cc(m.group(1), m.group(2))
    if _CC0_NAME.search(t):
        return CC0
    return spdx_licence(t)


def access_right(value: str) -> str | None:
    return ACCESS_RIGHTS.get(value.strip().lower())


def classify_rights(
    text: str | None, uri: str | None = None, identifier: str | None = None, scheme: str | None = None
) -> tuple[LicenceInfo | None, str | None]:
    """One rights statement -> (licence, access right); both None means "keep it as a rights statement"."""
    label = " ".join(text.split()) if text else None
    for candidate in (uri, text):
        if candidate:
            ar = access_right(candidate)
            if ar:
                return None, ar
    iri = None
    if identifier and (scheme or "").lower() in ("spdx", ""):
        iri = spdx_licence(identifier)
    if iri is None and uri:
        iri = licence_from_uri(uri)
    if iri is None and label:
        iri = licence_from_uri(label) if label.startswith("http") else licence_from_text(label)
    return (LicenceInfo(iri, label) if iri else None), None
