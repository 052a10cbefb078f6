"""RDF files as records for `pankg validate`: Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD.

A file is one record; in N-Quads / TriG every named graph is one record (graph IRI = the graph name), as in
the pipeline. Offline by design: a JSON-LD document whose remote `@context` URL ends in a file name that
sits beside the document (the DCAT-AP examples ship their `context.jsonld` that way) is read from there;
any other remote context is an error, never a download.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import rdflib

from mappings.vocab import DCAT

DCAT_DATASET = rdflib.URIRef(DCAT.Dataset.value)

FORMATS = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
}
DATASET_FORMATS = {"nquads", "trig"}


class FileError(ValueError):
    """A file that cannot be read as RDF (the message says which file and why)."""


@dataclass(slots=True)
class FileRecord:
    dataset_iri: str
    graph_iri: str
    triples: list[pyoxigraph.Triple]


def _to_oxi(term: rdflib.term.Node) -> pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal:
    if isinstance(term, rdflib.URIRef):
        return pyoxigraph.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return pyoxigraph.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return pyoxigraph.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return pyoxigraph.Literal(str(term), datatype=pyoxigraph.NamedNode(str(term.datatype)))
        return pyoxigraph.Literal(str(term))
    raise FileError(f"unsupported RDF term {term!r}")


def _record(graph: rdflib.Graph, graph_iri: str) -> FileRecord:
    datasets = sorted(str(s) for s in graph.subjects(rdflib.RDF.type, DCAT_DATASET))
    triples = [pyoxigraph.Triple(_to_oxi(s), _to_oxi(p), _to_oxi(o)) for s, p, o in graph]  # type: ignore[arg-type]
    return FileRecord(datasets[0] if datasets else "", graph_iri, triples)


def _jsonld_text(path: Path) -> str:
    doc = json.loads(path.read_text(encoding="utf-8"))

    def local(ctx: object) -> object:
        if isinstance(ctx, str) and ctx.startswith(("http://", "https://")):
            beside = path.parent / ctx.rstrip("/").rsplit("/", 1)[-1]
            if not beside.is_file():
                raise FileError(
                    f"{path}: remote JSON-LD context {ctx} (offline: put the context file beside it)"
                )
            return json.loads(beside.read_text(encoding="utf-8")).get("@context", {})
        if isinstance(ctx, list):
            return [local(c) for c in ctx]
        return ctx

    if isinstance(doc, dict) and "@context" in doc:
        doc["@context"] = local(doc["@context"])
    return json.dumps(doc)


def read_records(path: str | Path, fmt: str | None = None) -> list[FileRecord]:
    path = Path(path)
    fmt = fmt or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FileError(f"{path}: unknown RDF format (use .ttl, .nt, .nq, .trig, .rdf or .jsonld)")
    base = path.resolve().as_uri()
    try:
        if fmt in DATASET_FORMATS:
            ds = rdflib.Dataset()
            ds.parse(path, format=fmt, publicID=base)
            out = []
            for g in ds.graphs():
                if len(g) == 0:
                    continue
                name = base if g.identifier == rdflib.graph.DATASET_DEFAULT_GRAPH_ID else str(g.identifier)
                out.append(_record(g, name))
            return out
        graph = rdflib.Graph()
        if fmt == "json-ld":
            graph.parse(data=_jsonld_text(path), format="json-ld", publicID=base)
        else:
            graph.parse(path, format=fmt, publicID=base)
    except FileError:
        raise
    except Exception as exc:  # rdflib raises many parser-specific types
        raise FileError(f"{path}: not valid {fmt}: {exc}") from None
    return [_record(graph, base)]
