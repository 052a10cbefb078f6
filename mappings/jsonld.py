"""The schema.org view of one mapped dataset as JSON-LD, to embed in a landing page for Google Dataset Search.

Only schema.org statements are rendered (DCAT-AP stays in the graph); nodes are nested, so the output is one
self-contained object. The inline ``@vocab`` context keeps the IRIs identical to the graph's ``http://schema.org/``
terms and lets the JSON-LD be read back offline.
"""

from __future__ import annotations

from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from mappings.vocab import RDF, SDO, XSD

_SDO = SDO.iri
_NUMERIC = {XSD.integer.value, XSD.decimal.value, XSD.double.value, XSD.nonNegativeInteger.value}


def _index(triples: list[Triple]) -> dict[NamedNode | BlankNode, list[Triple]]:
    by_subject: dict[NamedNode | BlankNode, list[Triple]] = {}
    for t in triples:
        if t.predicate == RDF.type or t.predicate.value.startswith(_SDO):
            by_subject.setdefault(t.subject, []).append(t)  # type: ignore[arg-type]
    return by_subject


def _literal(lit: Literal) -> Any:
    dt = lit.datatype.value if lit.datatype else ""
    if dt == XSD.boolean.value:
        return lit.value == "true"
    if dt in _NUMERIC:
        return float(lit.value) if "." in lit.value else int(lit.value)
    if lit.language:
        return {"@value": lit.value, "@language": lit.language}
    return lit.value


def _node(subject: NamedNode | BlankNode, index: dict, depth: int, seen: set) -> Any:
    props = index.get(subject, [])
    schema_props = [t for t in props if t.predicate != RDF.type]
    if not schema_props or depth > 4 or subject in seen:
        return subject.value if isinstance(subject, NamedNode) else None
    seen = seen | {subject}
    obj: dict[str, Any] = {}
    if isinstance(subject, NamedNode):
        obj["@id"] = subject.value
    types = [
        t.object.value[len(_SDO) :]
        for t in props
        if t.predicate == RDF.type and t.object.value.startswith(_SDO)
    ]
    if types:
        obj["@type"] = types[0] if len(types) == 1 else types
    for t in schema_props:
        key = t.predicate.value[len(_SDO) :]
        o = t.object
        value = _literal(o) if isinstance(o, Literal) else _node(o, index, depth + 1, seen)
        if value is None:
            continue
        if key in obj:
            if not isinstance(obj[key], list):
                obj[key] = [obj[key]]
            if value not in obj[key]:
                obj[key].append(value)
        else:
            obj[key] = value
    return obj


def google_jsonld(dataset_iri: str, triples: list[Triple]) -> dict[str, Any]:
    """schema.org ``Dataset`` JSON-LD of one mapped record."""
    root = _node(NamedNode(dataset_iri), _index(triples), 0, set())
    if not isinstance(root, dict):
        root = {"@id": dataset_iri}
    return {"@context": {"@vocab": _SDO}, **root}
