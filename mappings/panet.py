"""PaNET (Photon and Neutron Experimental Techniques) lookup: explicit ids, labels, synonyms, title text.

The ontology is read at run time (never vendored): a local path, or a URL fetched once into the data dir
(``$PANKG_DATA_DIR``, default ``~/.cache/pan-kg``). Matching is deliberately conservative because a wrong
technique is worse than none:

- ``explicit-id``: a PaNET IRI / ``PaNETnnnnn`` id in a subject value, valueURI or classification code;
- ``label`` / ``synonym``: a whole subject or keyword equal to a class label / altLabel after normalisation
  (case, punctuation, hyphens, plurals, British spellings, "-graphic" adjectives);
- ``text``: a label or synonym found inside a title, only multi-word phrases, a short list of specific single
  words, or an upper-case abbreviation of 3+ characters written in upper case;
- abbreviations that mean something else in ordinary records (PDF, PhD, EM, CD, STM, MR, ...) are never used,
  a synonym shared by two classes or equal to another class's label is dropped, and the categories that are
  not techniques a record names ("defined by ...", "versus ...", "obtain ...", purposes) are not matched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from pyoxigraph import NamedNode, RdfFormat, parse

from mappings.vocab import PANET

DEFAULT_PANET_URL = "http://purl.org/pan-science/PaNET/PaNET.owl"
PANET_NS = PANET.iri
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
_CLASS_IRI = re.compile(r"^http://purl\.org/pan-science/PaNET/(PaNET\d{5})$")
_EXPLICIT = re.compile(r"PaNET[:_]?(\d{5})\b", re.IGNORECASE)

# Abbreviations / synonyms with a common other meaning in research records.
AMBIGUOUS = frozenset(
    {
        "pdf", "phd", "em", "cd", "ld", "mr", "sad", "mad", "pcs", "stm", "sas", "tof", "pes", "edd", "ede",
        "ncd", "mcd", "tey", "npd", "diffraction", "ct scan", "mx", "ir spectroscopy", "reflectivity",
    }
)  # fmt: skip
# Single words specific enough to be a technique when a title uses them.
SPECIFIC_WORDS = frozenset(
    {
        "tomography", "microtomography", "nanotomography", "ptychography", "crystallography", "holography",
        "reflectometry", "ellipsometry", "polarimetry", "diffraction", "spectroscopy", "microscopy",
    }
)  # fmt: skip
# Class-id ranges that are categories, probes or purposes rather than techniques a record names.
_NON_TECHNIQUE_LABEL = re.compile(r"^(?:defined by|versus |obtain |photon and neutron technique)")
# PaNET000xx: roots; 003xx: "versus ..." dependences; 004xx: purposes (therapy, testing, ...).
_NON_TECHNIQUE_IDS = frozenset(
    f"PaNET{n:05d}" for n in [*range(0, 6), *range(300, 307), *range(400, 412), 1214, 1215]
)
# SciCat/PaNOSC technique names written as ontology paths: "photon_and_neutron_technique.defined_by_....saxs"
_PATH = re.compile(r"^[\w\-.;\s]+$")

_PUNCT = re.compile(r"[\s\-_/,;:()\[\]{}.'\"+]+")
_WORD_MAP = {
    "polarised": "polarized", "focussed": "focused", "tomographic": "tomography",
    "spectroscopic": "spectroscopy", "crystallographic": "crystallography", "holographic": "holography",
    "ptychographic": "ptychography", "xray": "x ray", "x-ray": "x ray", "neutrons": "neutron",
}  # fmt: skip


def _stem(word: str) -> str:
    word = _WORD_MAP.get(word, word)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "xs")):
        return word[:-1]
    return word


def normalise(text: str) -> str:
    """Lower-case, punctuation to spaces, simple plural / spelling folding."""
    return " ".join(_stem(w) for w in _PUNCT.sub(" ", text.lower()).split())


@dataclass(frozen=True, slots=True)
class Match:
    iri: str
    label: str
    method: str  # explicit-id | label | synonym | text
    matched: str


class PanetIndex:
    """Label / synonym / abbreviation index over PaNET classes."""

    def __init__(self, labels: dict[str, str], synonyms: dict[str, set[str]], version: str | None = None):
        self.labels = labels  # iri -> rdfs:label
        self.version = version
        self._by_label: dict[str, str] = {}
        self._by_synonym: dict[str, str] = {}
        self._by_abbrev: dict[str, str] = {}  # case-sensitive upper-case abbreviations
        for iri, label in labels.items():
            if self._matchable(iri, label):
                self._by_label.setdefault(normalise(label), iri)
        syn_owners: dict[str, set[str]] = {}
        abbrev_owners: dict[str, set[str]] = {}
        for iri, alts in synonyms.items():
            if not self._matchable(iri, labels.get(iri, "")):
                continue
            for alt in alts:
                alt = alt.strip()
                if not alt or alt.lower() in AMBIGUOUS:
                    continue
                if _is_abbreviation(alt):
                    abbrev_owners.setdefault(alt, set()).add(iri)
                else:
                    syn_owners.setdefault(normalise(alt), set()).add(iri)
        for key, owners in syn_owners.items():
            if len(owners) == 1 and key not in self._by_label and key not in AMBIGUOUS:
                self._by_synonym[key] = next(iter(owners))
        for key, owners in abbrev_owners.items():
            if len(owners) == 1:
                self._by_abbrev[key] = next(iter(owners))
        # Phrases for title search, longest first so a specific technique beats its parent.
        phrases = [(k, v, "label") for k, v in self._by_label.items()]
        phrases += [(k, v, "synonym") for k, v in self._by_synonym.items()]
        # Probe classes ("x-ray probe", "ultrafast probe") are kept out: in prose "probe" is mostly a verb.
        self._phrases = sorted(
            (
                (k, v, m)
                for k, v, m in phrases
                if (" " in k or k in SPECIFIC_WORDS) and not k.endswith(" probe")
            ),
            key=lambda t: -len(t[0]),
        )
        self._phrase_re = re.compile(r"\b(" + "|".join(re.escape(p[0]) for p in self._phrases) + r")\b")
        self._phrase_lookup = {p[0]: p for p in self._phrases}
        self._abbrev_re = re.compile(
            r"(?<![A-Za-z0-9-])("
            + "|".join(re.escape(a) for a in sorted(self._by_abbrev, key=len, reverse=True) if len(a) >= 3)
            + r")(?![A-Za-z0-9-])"
        )

    @staticmethod
    def _matchable(iri: str, label: str) -> bool:
        local = iri.rsplit("/", 1)[-1]
        return local not in _NON_TECHNIQUE_IDS and not _NON_TECHNIQUE_LABEL.match(label.lower())

    # --- loading -------------------------------------------------------------------------------------------
    @classmethod
    def from_graph_bytes(cls, data: bytes, fmt: RdfFormat) -> PanetIndex:
        labels: dict[str, str] = {}
        synonyms: dict[str, set[str]] = {}
        version = None
        for t in parse(data, format=fmt):
            s = t.subject
            if not isinstance(s, NamedNode):
                continue
            p = t.predicate.value
            if p == "http://www.w3.org/2002/07/owl#versionInfo":
                version = t.object.value
            if not _CLASS_IRI.match(s.value):
                continue
            if p == _RDFS_LABEL:
                labels.setdefault(s.value, t.object.value.strip())
            elif p == _SKOS_ALT:
                synonyms.setdefault(s.value, set()).add(t.object.value)
        if not labels:
            raise ValueError("no PaNET classes found (is this the PaNET ontology?)")
        return cls(labels, synonyms, version)

    @classmethod
    def load(cls, source: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None):
        """Load from a path or a URL; a URL is downloaded once into `cache_dir` (required for URLs)."""
        if cache_dir is None and urlparse(str(source)).scheme in ("http", "https"):
            raise ValueError(f"PaNET at {source} is a URL: give a cache directory to download it into")
        path = panet_file(source, cache_dir or ".")
        data = path.read_bytes()
        fmt = RdfFormat.TURTLE if path.suffix in (".ttl", ".turtle") else RdfFormat.RDF_XML
        return cls.from_graph_bytes(data, fmt)

    # --- matching ------------------------------------------------------------------------------------------
    def label_of(self, iri: str) -> str:
        return self.labels.get(iri, iri.rsplit("/", 1)[-1])

    def explicit(self, value: str) -> list[Match]:
        out = []
        for m in _EXPLICIT.finditer(value):
            iri = f"{PANET_NS}PaNET{m.group(1)}"
            if iri in self.labels:
                out.append(Match(iri, self.labels[iri], "explicit-id", m.group(0)))
        return out

    def match_term(self, term: str) -> Match | None:
        """A whole subject / keyword."""
        stripped = term.strip()
        if not stripped:
            return None
        iri = self._by_abbrev.get(stripped)
        if iri:
            return Match(iri, self.labels[iri], "synonym", stripped)
        key = normalise(stripped)
        if key in AMBIGUOUS:
            return None
        iri = self._by_label.get(key)
        if iri:
            return Match(iri, self.labels[iri], "label", stripped)
        iri = self._by_synonym.get(key)
        if iri:
            return Match(iri, self.labels[iri], "synonym", stripped)
        return None

    def match_text(self, text: str) -> list[Match]:
        """Techniques named inside a free text (titles)."""
        out: list[Match] = []
        norm = normalise(text)
        for m in self._phrase_re.finditer(norm):
            _, iri, _ = self._phrase_lookup[m.group(1)]
            out.append(Match(iri, self.labels[iri], "text", m.group(1)))
        for m in self._abbrev_re.finditer(text):
            iri = self._by_abbrev[m.group(1)]
            out.append(Match(iri, self.labels[iri], "text", m.group(1)))
        return out

    def assign(
        self,
        terms: Iterable[tuple[str, str]],
        texts: Iterable[tuple[str, str]],
        explicit: Iterable[tuple[str, str]],
    ) -> list[tuple[Match, str]]:
        """(match, field) pairs; one per technique, the strongest evidence kept."""
        rank = {"explicit-id": 0, "label": 1, "synonym": 2, "text": 3}
        best: dict[str, tuple[Match, str]] = {}

        def keep(m: Match, fld: str) -> None:
            prev = best.get(m.iri)
            if prev is None or rank[m.method] < rank[prev[0].method]:
                best[m.iri] = (m, fld)

        for fld, value in explicit:
            for m in self.explicit(value):
                keep(m, fld)
        for fld, value in terms:
            for m in self.explicit(value):
                keep(m, fld)
            if "." in value and "_" in value and _PATH.match(value):
                # an ontology path names one technique: its last segment (per ";"-separated path)
                for path in re.split(r"[;\n]+", value):
                    leaf = path.strip().rsplit(".", 1)[-1].replace("_", " ")
                    hit = self.match_term(leaf) if leaf else None
                    if hit:
                        keep(hit, fld)
                continue
            hit = self.match_term(value)
            if hit:
                keep(hit, fld)
            else:  # "Synchrotron X-ray tomography", "SAXS/WAXS": a technique named inside a keyword
                for m in self.match_text(value):
                    keep(m, fld)
        for fld, value in texts:
            for m in self.match_text(value):
                keep(m, fld)
        return sorted(best.values(), key=lambda mf: mf[0].iri)


def _is_abbreviation(alt: str) -> bool:
    letters = [c for c in alt if c.isalpha()]
    return " " not in alt.strip() and len(letters) >= 2 and sum(c.isupper() for c in letters) >= 2


def panet_file(source: str | os.PathLike[str], cache_dir: str | os.PathLike[str]) -> Path:
    """The local PaNET file every stage reads (crosswalk, SHACL gate, the store's PaNET graph): `source` is
    a path or a URL; a URL is downloaded once into ``cache_dir``/panet/, so all stages read one release."""
    src = str(source)
    if urlparse(src).scheme in ("http", "https"):
        return _cached_download(src, Path(cache_dir))
    return Path(src)


def _cached_download(url: str, data_dir: Path) -> Path:
    import requests  # only needed when fetching

    name = re.sub(r"[^A-Za-z0-9._-]+", "_", url.split("://", 1)[-1])
    path = data_dir / "panet" / name
    if path.exists() and path.stat().st_size > 0:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    resp = requests.get(url, timeout=60, headers={"Accept": "application/rdf+xml, text/turtle;q=0.9"})
    resp.raise_for_status()
    tmp = path.with_suffix(".part")
    tmp.write_bytes(resp.content)
    tmp.replace(path)  # atomic: a crashed download never looks cached
    return path
