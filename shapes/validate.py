"""The validation gate: pySHACL over batches of mapped records, each result attributed to its record.

One pySHACL call per batch (never one per record: the shapes graph is compiled once per call and the
per-call overhead dominates small graphs). The batch's triples go into one rdflib Graph; every result's
focus node is traced back to the records that contributed triples about that node (a blank-node agent, a
shared ORCID / ROR agent, a licence document, a PDB entry ...), so each record gets exactly the results
about what it said. Records describing the same dataset IRI (the same DOI harvested from two sources)
would merge in one graph and could break each other's cardinalities, and two records that describe a
shared ORCID / ROR node differently could mask each other's gaps: such a record waits for the next pySHACL
call of the same batch instead (see `_rounds`).

The shapes are run in an equivalent bulk form (`flatten`, `data_predicates`, `background`), tested to give
exactly the results of a plain pySHACL run.

Two engines give the same reports (tested on the whole test corpus): pySHACL, the reference and the default,
and `shacl` (a compiled Rust engine, ~20x faster on our batches), chosen with ``engine="shacl"`` or
$PANKG_SHACL_ENGINE. Both see the same batch triples and ontology background; only the engine call differs.

Severity decides the outcome: any sh:Violation -> ``quarantined`` (not loaded), else any sh:Warning ->
``warned`` (loaded and reported), else ``valid``; sh:Info results are kept for the completeness report.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Protocol

import pyoxigraph
import pyshacl
import rdflib
import shacl
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from mappings.vocab import PREFIXES

log = logging.getLogger(__name__)

SHAPES_DIR = Path(__file__).resolve().parent
SHAPE_FILES = ("core.ttl", "recommended.ttl", "pan.ttl")
# 2,000 records of ~110 triples (~70 of them read by some shape, the only ones kept): ~150k triples per
# rdflib graph, ~330 MiB peak RSS, and big enough that pySHACL's per-call cost is amortised.
DEFAULT_BATCH_SIZE = 2000

VALID, WARNED, QUARANTINED = "valid", "warned", "quarantined"

# pySHACL is the reference; `shacl` (compiled) gives the same reports on the whole test corpus.
ENGINES = ("pyshacl", "shacl")
DEFAULT_ENGINE = "pyshacl"


# The namespaces shortened in report messages (a selection of the one prefix table: the messages the
# stewards know name shapes and dataset properties; other IRIs stay in full).
REPORT_PREFIXES = {
    name: PREFIXES[name]
    for name in (
        "core", "rec", "pan", "pankg", "dcat", "dct", "foaf", "org", "schema", "skos", "adms", "prov", "spdx", "sh"
    )
}  # fmt: skip


class MappedLike(Protocol):
    """What the crosswalk's ``MappedRecord`` provides (and all this module needs). Read-only members, so
    any record type with these attributes fits (a list of triples is a sequence of them)."""

    @property
    def dataset_iri(self) -> str: ...
    @property
    def graph_iri(self) -> str: ...
    @property
    def triples(self) -> Sequence[pyoxigraph.Triple]: ...


@dataclass(frozen=True, slots=True)
class Result:
    shape: str  # e.g. core:Dataset-description
    path: str  # e.g. dct:description ("" for node-level constraints)
    value: str  # the offending value, "" when the value is missing
    message: str
    severity: str  # Violation | Warning | Info
    focus: str  # the node the result is about (dataset IRI, agent, blank node id ...)

    def as_dict(self) -> dict[str, str]:
        return {
            "shape": self.shape,
            "path": self.path,
            "value": self.value,
            "message": self.message,
            "severity": self.severity,
            "focus": self.focus,
        }


@dataclass(slots=True)
class RecordReport:
    graph_iri: str
    dataset_iri: str
    status: str = VALID
    results: list[Result] = field(default_factory=list)

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Warning"]

    def finish(self) -> None:
        severities = {r.severity for r in self.results}
        self.status = (
            QUARANTINED if "Violation" in severities else WARNED if "Warning" in severities else VALID
        )
        # Stable order for reports and tests: violations first, then by shape.
        order = {"Violation": 0, "Warning": 1, "Info": 2}
        self.results.sort(key=lambda r: (order.get(r.severity, 3), r.shape, r.path, r.value, r.focus))


# --- shapes and ontology --------------------------------------------------------------------------------


def shape_files(
    shapes: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
) -> list[Path]:
    """The project's three shape files, or the given file(s) / directory of *.ttl."""
    if shapes is None:
        return [SHAPES_DIR / name for name in SHAPE_FILES]
    items = [shapes] if isinstance(shapes, str | os.PathLike) else list(shapes)
    out: list[Path] = []
    for item in items:
        path = Path(item)
        out.extend(sorted(path.glob("*.ttl")) if path.is_dir() else [path])
    return out


def gate_fingerprint(
    shapes: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    ontology: str | os.PathLike[str] | None = None,
) -> str:
    """A short hash of the shape files and the ontology file: what the gate's verdict depends on besides the
    record. (Not the engine: both give the same reports.) A missing ontology counts as "none"."""
    digest = hashlib.sha256()
    for path in shape_files(shapes):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    onto = Path(ontology) if ontology is not None else None
    digest.update(onto.read_bytes() if onto is not None and onto.is_file() else b"no ontology")
    return digest.hexdigest()[:12]


@cache
def _load_shapes(paths: tuple[Path, ...]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def load_shapes(
    shapes: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
) -> rdflib.Graph:
    return _load_shapes(tuple(shape_files(shapes)))


@cache
def _load_ontology(path: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(path, format="turtle" if path.suffix in (".ttl", ".turtle") else "xml")
    return graph


def load_ontology(ontology: rdflib.Graph | str | os.PathLike[str] | None = None) -> rdflib.Graph:
    """The PaNET graph the shapes check techniques against; None: no ontology (an empty graph)."""
    if isinstance(ontology, rdflib.Graph):
        return ontology
    if ontology is None:
        return rdflib.Graph()
    return _load_ontology(Path(ontology))


_BACKGROUNDS: dict[int, tuple[rdflib.Graph, rdflib.Graph]] = {}
_PREDICATES: dict[int, tuple[rdflib.Graph, frozenset[str]]] = {}


def _predicates(shapes: rdflib.Graph) -> frozenset[str]:
    cached = _PREDICATES.get(id(shapes))
    if cached is None or cached[0] is not shapes:
        cached = _PREDICATES[id(shapes)] = (shapes, constrained_predicates(shapes))
    return cached[1]


def background(ontology: rdflib.Graph) -> rdflib.Graph:
    """The part of the ontology the shapes look at: its statements about named terms (class declarations,
    hierarchy, labels). pySHACL copies the ontology into every batch graph; PaNET's OWL axioms are blank-node
    lists that cost 0.3 s per copy and that no shape reads."""
    cached = _BACKGROUNDS.get(id(ontology))
    if cached is None or cached[0] is not ontology:
        small = rdflib.Graph()
        for s, p, o in ontology:
            if not isinstance(s, rdflib.BNode) and not isinstance(o, rdflib.BNode):
                small.add((s, p, o))
        cached = _BACKGROUNDS[id(ontology)] = (ontology, small)
    return cached[1]


# --- pyoxigraph -> rdflib -------------------------------------------------------------------------------


class _Terms:
    """Converts pyoxigraph terms to rdflib ones; IRIs are cached (predicates and shared nodes repeat a lot)."""

    def __init__(self) -> None:
        self._iris: dict[str, rdflib.URIRef] = {}

    def iri(self, value: str) -> rdflib.URIRef:
        node = self._iris.get(value)
        if node is None:
            node = self._iris[value] = rdflib.URIRef(value)
        return node

    def term(self, t: object) -> rdflib.term.Node:
        if isinstance(t, pyoxigraph.NamedNode):
            return self.iri(t.value)
        if isinstance(t, pyoxigraph.BlankNode):
            return rdflib.BNode(t.value)
        if isinstance(t, pyoxigraph.Literal):
            if t.language:
                return rdflib.Literal(t.value, lang=t.language)
            dt = t.datatype.value
            if dt == "http://www.w3.org/2001/XMLSchema#string":
                return rdflib.Literal(t.value)
            return rdflib.Literal(t.value, datatype=self.iri(dt))
        raise TypeError(f"unsupported RDF term {t!r}")


# --- results --------------------------------------------------------------------------------------------


def _qname(node: rdflib.term.Node | None) -> str:
    if node is None:
        return ""
    text = str(node)
    for prefix, ns in REPORT_PREFIXES.items():
        if text.startswith(ns):
            return f"{prefix}:{text[len(ns) :]}"
    return text


def _path_text(graph: rdflib.Graph, path: rdflib.term.Node | None) -> str:
    if path is None:
        return ""
    if isinstance(path, rdflib.URIRef):
        return _qname(path)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_qname(p) for p in Collection(graph, alternatives))
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _qname(inverse)
    return "(complex path)"


def _shape_names(shapes: rdflib.Graph) -> dict[rdflib.term.Node, str]:
    """Readable names for anonymous property shapes: '<node shape>/<path>'."""
    names: dict[rdflib.term.Node, str] = {}
    for node_shape, prop in shapes.subject_objects(SH.property):
        if isinstance(prop, rdflib.BNode):
            names[prop] = f"{_qname(node_shape)}/{_path_text(shapes, shapes.value(prop, SH.path))}"
    return names


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_PREPARED: dict[
    int, tuple[rdflib.Graph, rdflib.Graph, dict[rdflib.term.Node, str], frozenset[str] | None]
] = {}


def flatten(shapes: rdflib.Graph) -> rdflib.Graph:
    """The same shapes, checked in bulk: each `sh:property` of a targeted node shape becomes a property shape
    with the node shape's targets.

    Same focus nodes, same results (a result names the property shape either way), but pySHACL validates a
    `sh:property` once per focus node and a targeted property shape once for all its focus nodes: on
    2,000-record batches (~2.5 distributions and ~6 agents per record) that is most of the time. Node shapes
    that other shapes use (sh:node, sh:or, ...) are left as they are.
    """
    out = rdflib.Graph()
    for triple in shapes:
        out.add(triple)
    used: set[rdflib.term.Node] = set()
    for p in (SH.node, SH.qualifiedValueShape, SH["not"]):
        used.update(shapes.objects(None, p))
    for p in (SH["or"], SH["and"], SH.xone):
        for head in shapes.objects(None, p):
            used.update(Collection(shapes, head))
    for node in set(shapes.subjects(SH.property, None)):
        targets = [(p, o) for p in _TARGETS for o in shapes.objects(node, p)]
        if node in used or not targets or (node, SH.deactivated, None) in shapes:
            continue
        for prop in list(shapes.objects(node, SH.property)):
            for p, o in targets:
                out.add((prop, p, o))
            out.remove((node, SH.property, prop))
    return out


def data_predicates(shapes: rdflib.Graph) -> frozenset[str] | None:
    """The predicates worth putting in a batch graph, or None for "all of them".

    A shape can only see triples whose predicate is on one of its paths or targets, so the others
    (schema.org copies, provenance, labels no shape reads: about a third of a record) are left out of the
    batch graph. Not with sh:closed (it looks at every predicate) or SPARQL / JavaScript constraints.
    """
    for p in (SH.closed, SH.sparql, SH.select, SH.ask, SH.js, SH.target):
        if (None, p, None) in shapes:
            return None
    return constrained_predicates(shapes)


def _prepare(shapes: rdflib.Graph) -> tuple[rdflib.Graph, dict[rdflib.term.Node, str], frozenset[str] | None]:
    """(flattened shapes, readable names of anonymous property shapes, data predicates), cached."""
    cached = _PREPARED.get(id(shapes))
    if cached is None or cached[0] is not shapes:
        cached = _PREPARED[id(shapes)] = (
            shapes,
            flatten(shapes),
            _shape_names(shapes),
            data_predicates(shapes),
        )
    return cached[1], cached[2], cached[3]


def _value_text(node: rdflib.term.Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    return str(node)


def _results(
    report: rdflib.Graph, shapes: rdflib.Graph, names: dict[rdflib.term.Node, str]
) -> Iterator[tuple[rdflib.term.Node, Result]]:
    # Only the report's own results: pySHACL also types the nested sh:detail results of sh:node failures.
    for res in report.objects(None, SH.result):
        focus = report.value(res, SH.focusNode)
        shape = report.value(res, SH.sourceShape)
        severity = report.value(res, SH.resultSeverity)
        message = report.value(res, SH.resultMessage)
        path = report.value(res, SH.resultPath)
        path_text = _path_text(report, path) if path is not None else ""
        if path_text == "(complex path)":
            path_text = _path_text(shapes, path)
        if message is None:
            component = report.value(res, SH.sourceConstraintComponent)
            message = f"constraint {_qname(component)} not met"
        yield (
            focus,
            Result(
                shape=names.get(shape, _qname(shape)) if shape is not None else "",
                path=path_text,
                value=_value_text(report.value(res, SH.value)),
                message=str(message),
                severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
                focus=_value_text(focus),
            ),
        )


# --- validation -----------------------------------------------------------------------------------------


def constrained_predicates(shapes: rdflib.Graph) -> frozenset[str]:
    """Every predicate a shape can look at: paths (also inside alternative / inverse / sequence paths),
    sh:targetSubjectsOf / sh:targetObjectsOf, property-pair constraints, and rdf:type / rdfs:subClassOf
    (targets, sh:class)."""
    preds = {str(RDF.type), str(RDFS.subClassOf)}
    for prop in (SH.path, SH.targetSubjectsOf, SH.targetObjectsOf, SH.equals, SH.disjoint, SH.lessThan,
                 SH.lessThanOrEquals):  # fmt: skip
        for node in shapes.objects(None, prop):
            stack = [node]
            while stack:
                n = stack.pop()
                if isinstance(n, rdflib.URIRef):
                    preds.add(str(n))
                elif isinstance(n, rdflib.BNode):
                    stack.extend(o for p, o in shapes.predicate_objects(n) if p != RDF.rest or o != RDF.nil)
    return frozenset(preds)


def _signatures(rec: MappedLike, predicates: frozenset[str]) -> dict[str, object]:
    """What the record says about each IRI it describes, restricted to what the shapes look at (blank-node
    values only as "a blank node"). The record's dataset IRI gets a signature no other record can share."""
    about: dict[str, set[tuple[str, str]]] = {}
    for t in rec.triples:
        s = t.subject
        if isinstance(s, pyoxigraph.NamedNode) and t.predicate.value in predicates:
            o = t.object
            key = "_" if isinstance(o, pyoxigraph.BlankNode) else str(o)
            about.setdefault(s.value, set()).add((t.predicate.value, key))
    sigs: dict[str, object] = {iri: hash(frozenset(facts)) for iri, facts in about.items()}
    sigs[rec.dataset_iri] = ("dataset", rec.graph_iri)
    sigs["graph " + rec.graph_iri] = ("graph", id(rec))
    return sigs


def _rounds(records: Sequence[MappedLike], predicates: frozenset[str]) -> list[list[int]]:
    """Split a batch into pySHACL calls in which records merge only where they agree.

    In one rdflib graph, nodes with the same IRI merge. That is harmless when two records say the same
    about a shared node (an ORCID person, a ROR publisher, a licence, a PaNET term), which is the usual
    case, so a batch normally needs one call. When they differ in something a shape looks at (one record
    names the person, another does not; the same DOI harvested from two sources), merging could hide a
    missing field or invent a duplicate, so the later record waits for another call of the same batch.
    Statements no shape reads (e.g. `<other> prov:wasRevisionOf <this>`) never split a batch.
    """
    rounds: list[tuple[dict[str, object], list[int]]] = []
    for i, rec in enumerate(records):
        sigs = _signatures(rec, predicates)
        for seen, members in rounds:
            if all(seen.get(iri, sig) == sig for iri, sig in sigs.items()):
                seen.update(sigs)
                members.append(i)
                break
        else:
            rounds.append((dict(sigs), [i]))
    return [members for _, members in rounds]


def _key(node: rdflib.term.Node) -> str:
    """A term in N-Triples form: what pyoxigraph prints and the shacl engine reports."""
    return node.n3()


def _kept(records: Sequence[MappedLike], members: list[int], predicates: frozenset[str] | None):
    for i in members:
        for t in records[i].triples:
            if predicates is None or t.predicate.value in predicates:
                yield i, t


def _attribute(
    records: Sequence[MappedLike],
    members: list[int],
    results: Iterable[tuple[str, Result]],
    reports: dict[str, RecordReport],
    predicates: frozenset[str] | None,
) -> None:
    """Give each result (keyed by its focus node in N-Triples form) to the records it is about."""
    owners: dict[str, set[int]] = {}
    for i, t in _kept(records, members, predicates):
        owners.setdefault(str(t.subject), set()).add(i)
    # A node that is some record's dataset belongs to that record only, even when another record in the
    # batch says something about it (e.g. types a related dataset as foaf:Document).
    datasets: dict[str, set[int]] = {}
    for i in members:
        datasets.setdefault(f"<{records[i].dataset_iri}>", set()).add(i)
    by_object: dict[str, set[int]] | None = None
    unattributed = 0
    for focus, result in results:
        idx = datasets.get(focus) or owners.get(focus)
        if idx is None:
            # A node the record only points at (sh:targetObjectsOf) or states only things no shape reads:
            # attribute by any position in the record's full triples.
            if by_object is None:
                by_object = {}
                for i in members:
                    for t in records[i].triples:
                        by_object.setdefault(str(t.object), set()).add(i)
                        by_object.setdefault(str(t.subject), set()).add(i)
            idx = by_object.get(focus)
        if not idx:
            unattributed += 1  # about the ontology background (e.g. PaNET's own creators): no record's
            continue
        for i in idx:
            reports[records[i].graph_iri].results.append(result)
    if unattributed:
        log.debug("%d results about no record (ontology background) ignored", unattributed)


def _pyshacl_round(
    records: Sequence[MappedLike],
    members: list[int],
    shapes: rdflib.Graph,
    names: dict[rdflib.term.Node, str],
    ontology: rdflib.Graph | None,
    predicates: frozenset[str] | None,
) -> Iterator[tuple[str, Result]]:
    terms = _Terms()
    data = rdflib.Graph()
    add = data.add
    for _, t in _kept(records, members, predicates):
        add((terms.term(t.subject), terms.term(t.predicate), terms.term(t.object)))
    _conforms, report, _text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        inplace=True,  # the batch graph is ours and thrown away: no copy (PaNET is mixed into it)
        allow_warnings=True,
        allow_infos=True,
        abort_on_first=False,
    )
    for focus, result in _results(report, shapes, names):
        yield _key(focus), result


# --- the shacl engine -----------------------------------------------------------------------------------

_ANONYMOUS_SHAPE = "urn:pan-kg:anonymous-shape:"
# The shacl engine renames blank nodes (it reports `_:0_b12`, not the record's label), and a result about a
# blank node (a nameless creator, a distribution without a URL) must reach the record that has that node.
# When a report names a blank node, the round is validated again with each blank node stating its own label
# (`_:x <LABEL> "x"`) and one extra Info shape reporting every such statement: that report says, for each
# renamed node, the label it had. (Every extra result costs the engine ~35 µs, hence only when needed.)
_LABEL = "urn:pan-kg:engine:label"
_LABEL_SHAPE = "urn:pan-kg:engine:label-shape"
_LABEL_SHAPE_TEXT = f"""
<{_LABEL_SHAPE}> <{RDF.type}> <{SH.PropertyShape}> .
<{_LABEL_SHAPE}> <{SH.targetSubjectsOf}> <{_LABEL}> .
<{_LABEL_SHAPE}> <{SH.path}> <{_LABEL}> .
<{_LABEL_SHAPE}> <{SH.maxLength}> "0"^^<http://www.w3.org/2001/XMLSchema#integer> .
<{_LABEL_SHAPE}> <{SH.severity}> <{SH.Info}> .
"""


@dataclass(frozen=True)
class _CompiledShapes:
    """The shapes compiled by the shacl engine, with our name and path text for each shape it may report."""

    shapes: shacl.Shapes
    names: dict[str, str]  # shape, N-Triples form -> name as pySHACL results get it ('core:Dataset-title')
    paths: dict[str, str]  # shape -> its sh:path as text ('dct:title', 'dct:a|dct:b', '' for node shapes)


_COMPILED: dict[int, tuple[rdflib.Graph, _CompiledShapes]] = {}


def _compiled(
    source: rdflib.Graph, flat: rdflib.Graph, names: dict[rdflib.term.Node, str]
) -> _CompiledShapes:
    """Compile the (flattened) shapes once per process. Anonymous property shapes get IRIs first: the engine
    reports a shape by its node, and a blank node label means nothing outside the graph it came from."""
    cached = _COMPILED.get(id(source))
    if cached is None or cached[0] is not source:
        rename = {b: rdflib.URIRef(f"{_ANONYMOUS_SHAPE}{i}") for i, b in enumerate(names)}
        named = rdflib.Graph()
        for s, p, o in flat:
            named.add((rename.get(s, s), p, rename.get(o, o)))  # type: ignore[arg-type]
        shape_names: dict[str, str] = {}
        paths: dict[str, str] = {}
        shape_nodes = set(named.subjects(SH.path, None)) | set(named.subjects(RDF.type, SH.NodeShape))
        shape_nodes |= set(named.subjects(SH.targetClass, None)) | set(named.subjects(SH.severity, None))
        originals = {v: k for k, v in rename.items()}
        for node in shape_nodes:
            original = originals.get(node, node)
            shape_names[_key(node)] = names.get(original, _qname(original))
            path = named.value(node, SH.path)
            paths[_key(node)] = _path_text(flat, flat.value(original, SH.path)) if path is not None else ""
        text = named.serialize(format="nt") + _LABEL_SHAPE_TEXT
        compiled = _CompiledShapes(shacl.Shapes.from_text(text, "nt"), shape_names, paths)
        cached = _COMPILED[id(source)] = (source, compiled)
    return cached[1]


_BACKGROUND_TEXT: dict[int, tuple[rdflib.Graph, str]] = {}


def _background_text(ontology: rdflib.Graph) -> str:
    cached = _BACKGROUND_TEXT.get(id(ontology))
    if cached is None or cached[0] is not ontology:
        cached = _BACKGROUND_TEXT[id(ontology)] = (ontology, ontology.serialize(format="nt"))
    return cached[1]


def _plain(term: str | None, lexical: str | None = None) -> str:
    """An N-Triples term as our reports show it (like `_value_text`): IRI without brackets, literal's text."""
    if not term:
        return ""
    if term.startswith("<"):
        return term[1:-1]
    if term.startswith("_:"):
        return term
    return lexical if lexical is not None else term


def _blank(term: str | None) -> bool:
    return bool(term) and term.startswith("_:")  # type: ignore[union-attr]


def _shacl_round(
    records: Sequence[MappedLike],
    members: list[int],
    compiled: _CompiledShapes,
    background_text: str,
    predicates: frozenset[str] | None,
) -> Iterator[tuple[str, Result]]:
    triples = [t for _, t in _kept(records, members, predicates)]

    def validate(extra: list[pyoxigraph.Triple]) -> list[shacl.Result]:
        data = pyoxigraph.serialize(triples + extra, format=pyoxigraph.RdfFormat.N_TRIPLES).decode()
        return compiled.shapes.validate_text(data + background_text, "nt", allow_warnings=True).results

    results = validate([])
    labels: dict[str, str] = {}
    if any(_blank(r.focus_node) or _blank(r.value) for r in results):
        label = pyoxigraph.NamedNode(_LABEL)
        blank = {t for tr in triples for t in (tr.subject, tr.object) if isinstance(t, pyoxigraph.BlankNode)}
        results = validate([pyoxigraph.Triple(b, label, pyoxigraph.Literal(b.value)) for b in blank])
        labels = {
            r.focus_node: f"_:{r.value_plain}" for r in results if r.source_shape == f"<{_LABEL_SHAPE}>"
        }
        if len(labels) != len(blank):
            raise RuntimeError(f"shacl engine: {len(labels)} of {len(blank)} blank nodes could be named back")
    for r in results:
        shape = r.source_shape or ""
        if shape == f"<{_LABEL_SHAPE}>":
            continue
        focus = labels.get(r.focus_node, r.focus_node)
        yield (
            focus,
            Result(
                shape=compiled.names.get(shape) or _qname(rdflib.URIRef(_plain(shape))),
                path=compiled.paths.get(shape, ""),
                value=_plain(labels.get(r.value, r.value) if r.value else r.value, r.value_plain),
                message=r.message or f"constraint {_qname(rdflib.URIRef(r.component_iri))} not met",
                severity=r.severity,
                focus=_plain(focus),
            ),
        )


def validate_batch(
    records: Sequence[MappedLike],
    *,
    shapes: rdflib.Graph | str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    ontology: rdflib.Graph | str | os.PathLike[str] | None = None,
    engine: str | None = None,
) -> dict[str, RecordReport]:
    """Validate one batch with one engine call; return a report per record, keyed by graph IRI.

    ``shapes``: an rdflib Graph, shape file(s) or a directory (default: the project's shapes);
    ``ontology``: the PaNET graph or its local file (None: no ontology);
    ``engine``: "pyshacl" (the reference, default) or "shacl".
    """
    engine = engine or DEFAULT_ENGINE
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}: choose one of {', '.join(ENGINES)}")
    source = shapes if isinstance(shapes, rdflib.Graph) else _load_shapes(tuple(shape_files(shapes)))
    shapes_graph, names, predicates = _prepare(source)
    onto = background(load_ontology(ontology))
    reports: dict[str, RecordReport] = {}
    for members in _rounds(records, _predicates(source)):
        for i in members:
            rec = records[i]
            reports[rec.graph_iri] = RecordReport(rec.graph_iri, rec.dataset_iri)
        if engine == "shacl":
            results = _shacl_round(
                records, members, _compiled(source, shapes_graph, names), _background_text(onto), predicates
            )
        else:
            results = _pyshacl_round(records, members, shapes_graph, names, onto, predicates)
        _attribute(records, members, results, reports, predicates)
    for rep in reports.values():
        rep.finish()
    return reports


def batches(records: Iterable[MappedLike], size: int = DEFAULT_BATCH_SIZE) -> Iterator[list[MappedLike]]:
    """Chunk a stream of records: memory stays bounded by one batch whatever the source size."""
    batch: list[MappedLike] = []
    for rec in records:
        batch.append(rec)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def validate_stream(
    records: Iterable[MappedLike],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    shapes: rdflib.Graph | str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    ontology: rdflib.Graph | str | os.PathLike[str] | None = None,
) -> Iterator[tuple[list[MappedLike], dict[str, RecordReport]]]:
    """Validate a (possibly 600,000-record) stream batch by batch; yields each batch with its reports."""
    for batch in batches(records, batch_size):
        yield batch, validate_batch(batch, shapes=shapes, ontology=ontology)
