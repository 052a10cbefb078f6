"""The knowledge-graph store: one interface, two backends.

- `EmbeddedStore(path)`: pyoxigraph on a directory (default; tests; rebuilds).
- `HttpStore(endpoint)`: a running Oxigraph server, through SPARQL 1.1 Update and the Graph Store Protocol,
  so that the nightly flow loads while the endpoint serves.

Both backends write through one SPARQL Update request per batch. Oxigraph runs an update request in one
transaction, so a batch is all-or-nothing on both backends with the same code. (Oxigraph's Graph Store
`PUT` clears and then loads in two separate steps, which is why writes do not use it.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyoxigraph
import requests
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    Triple,
)

from graph.iris import DEFAULT_IRIS, NodeIris
from graph.literals import datetime_literal
from mappings.vocab import PANKG, PROV

# What `query` returns: pyoxigraph's own result objects; CONSTRUCT over HTTP gives a list of triples.
QueryResult = QuerySolutions | QueryBoolean | QueryTriples | list[Triple]

SERVE_INFO = "serve.json"
# Oxigraph's server refuses SPARQL bodies over 128 MiB; stop a little earlier with a clear message.
MAX_HTTP_UPDATE_BYTES = 120 * 1024 * 1024
TIMEOUT_MESSAGE = "The SPARQL operation has been cancelled"
# The node's own graphs: written with replace_graph only, never as records.


class StoreError(RuntimeError):
    """A write or read the store refused; nothing was written."""


class StoreBusyError(StoreError):
    """The store directory is held by another process (usually `pankg serve`)."""


class QueryError(StoreError):
    """The query is invalid or failed."""


class QueryTimeoutError(QueryError):
    """The query ran past the server's time-out."""


def _iri(value: str) -> str:
    # NamedNode validates the IRI, so nothing can break out of <...> in the update text.
    return str(NamedNode(value))


def _statement(t: Triple | Quad) -> str:
    # str() of pyoxigraph terms is their N-Triples form, which is also valid SPARQL.
    return f"{t.subject} {t.predicate} {t.object} ."


def _scoped_statement(t: Triple | Quad, scope: int) -> str:
    """Like `_statement`, with blank node labels made unique to one record of the batch: Oxigraph maps each
    label of an update request to one fresh node, so two records reusing a label (a mapper counting from
    _:b0) would otherwise share a node across the union default graph."""
    s, o = t.subject, t.object
    subject = f"_:{s.value}_{scope}" if isinstance(s, BlankNode) else str(s)
    obj = f"_:{o.value}_{scope}" if isinstance(o, BlankNode) else str(o)
    return f"{subject} {t.predicate} {obj} ."


def _values(iris: list[str]) -> str:
    return " ".join(iris)


class GraphStore:
    """Operations common to both backends; subclasses provide `_update`, `query` and `graph_iris`.

    A store belongs to one deployment: `iris` names its reserved graphs (provenance, PaNET, catalogue...)."""

    iris: NodeIris = DEFAULT_IRIS

    # -- writes -------------------------------------------------------------------------------------------

    def replace_records(
        self,
        records: Iterable[tuple[str, Iterable[Triple]]],
        *,
        provenance: Iterable[Triple] = (),
    ) -> int:
        """Replace each record's named graph with the given triples; the whole batch is one transaction.

        `provenance` triples go to the provenance graph in the same transaction; statements there whose
        subject is one of the replaced graphs (old provenance, a tombstone) are dropped first, so a record
        that comes back is no longer reported as deleted. Returns the number of record triples written.
        If the iterators raise, nothing is written.
        """
        graphs: list[str] = []
        seen: set[str] = set()
        body: list[str] = []
        count = 0
        for graph_iri, triples in records:
            g = _iri(graph_iri)
            if graph_iri in self.iris.reserved_graphs:
                raise ValueError(f"{graph_iri} is not a record graph")
            if g in seen:
                raise ValueError(f"graph {graph_iri} appears twice in one batch")
            seen.add(g)
            graphs.append(g)
            body.append(f"GRAPH {g} {{")
            for t in triples:
                body.append(_scoped_statement(t, len(graphs)))
                count += 1
            body.append("}")
        prov_lines = [_statement(t) for t in provenance]
        if not graphs and not prov_lines:
            return 0
        prov = _iri(self.iris.provenance_graph)
        parts = [f"DROP SILENT GRAPH {g} ;" for g in graphs]
        if graphs:
            parts.append(
                f"DELETE {{ GRAPH {prov} {{ ?g ?p ?o }} }} "
                f"WHERE {{ VALUES ?g {{ {_values(graphs)} }} GRAPH {prov} {{ ?g ?p ?o }} }} ;"
            )
        parts.append("INSERT DATA {")
        parts.extend(body)
        if prov_lines:
            parts.append(f"GRAPH {prov} {{")
            parts.extend(prov_lines)
            parts.append("}")
        parts.append("}")
        self._update("\n".join(parts))
        return count

    def delete_records(self, graph_iris: Iterable[str], *, at: datetime) -> int:
        """Drop the record graphs and leave a tombstone (`prov:invalidatedAtTime at`) for each in the
        provenance graph, in one transaction. A record already tombstoned keeps its first tombstone, so a
        full pull that keeps missing it does not report it again. Returns how many graphs were present."""
        graphs = list(dict.fromkeys(_iri(g) for g in graph_iris))
        if not graphs:
            return 0
        when = str(datetime_literal(at))  # refuses a naive `at` before anything is written
        present = self._count_present(graphs)
        prov = _iri(self.iris.provenance_graph)
        invalidated = str(PROV.invalidatedAtTime)
        parts = [f"DROP SILENT GRAPH {g} ;" for g in graphs]
        parts.append(
            f"INSERT {{ GRAPH {prov} {{ ?g a {PROV.Entity} ; {invalidated} {when} }} }} "
            f"WHERE {{ VALUES ?g {{ {_values(graphs)} }} "
            f"FILTER NOT EXISTS {{ GRAPH {prov} {{ ?g {invalidated} ?t }} }} }}"
        )
        self._update("\n".join(parts))
        return present

    def mark_stale(self, graph_iris: Iterable[str], *, at: datetime) -> int:
        """The source now serves a version that failed validation: the loaded version stays in the graph
        and its provenance says since when it is stale (`pankg:staleSince`). Reloading the record clears
        it. Only graphs that are loaded are marked; returns how many were present."""
        graphs = list(dict.fromkeys(_iri(g) for g in graph_iris))
        if not graphs:
            return 0
        when = str(datetime_literal(at))
        present = self._count_present(graphs)
        prov = _iri(self.iris.provenance_graph)
        stale = str(PANKG.staleSince)
        self._update(
            f"INSERT {{ GRAPH {prov} {{ ?g {stale} {when} }} }} "
            f"WHERE {{ VALUES ?g {{ {_values(graphs)} }} GRAPH ?g {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH {prov} {{ ?g {stale} ?t }} }} }}"
        )
        return present

    def replace_graph(self, graph_iri: str, triples: Iterable[Triple | Quad]) -> int:
        """Replace one whole graph (ontology, provenance, catalogue) atomically; returns triples written."""
        g = _iri(graph_iri)
        lines = [_statement(t) for t in triples]
        self._update("\n".join([f"DROP SILENT GRAPH {g} ;", f"INSERT DATA {{ GRAPH {g} {{", *lines, "} }"]))
        return len(lines)

    # -- reads --------------------------------------------------------------------------------------------

    def quad_count(self) -> int:
        """Quads in named graphs (everything the node writes lives in a named graph)."""
        result = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(next(iter(result))["n"].value)  # type: ignore[arg-type, index]

    def graph_iris(self) -> set[str]:
        raise NotImplementedError

    def _count_present(self, graphs: list[str]) -> int:
        result = self.query(
            f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ VALUES ?g {{ {_values(graphs)} }} "
            "GRAPH ?g { ?s ?p ?o } }"
        )
        return int(next(iter(result))["n"].value)  # type: ignore[arg-type, index]

    def query(self, sparql: str) -> QueryResult:
        raise NotImplementedError

    def _update(self, sparql_update: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EmbeddedStore(GraphStore):
    """pyoxigraph `Store` on a directory. Queries see the union of all graphs, like `pankg serve`."""

    def __init__(
        self, path: str | os.PathLike[str], *, read_only: bool = False, iris: NodeIris = DEFAULT_IRIS
    ) -> None:
        self.path = Path(path)
        self.iris = iris
        try:
            if read_only:
                if not self.path.is_dir():
                    raise StoreError(f"no store at {self.path}")
                self._store: pyoxigraph.Store | None = pyoxigraph.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = pyoxigraph.Store(str(self.path))
        except OSError as e:
            if "lock" in str(e).lower():
                raise StoreBusyError(
                    f"{self.path} is held by another process (is `pankg serve` running without its "
                    f"{SERVE_INFO}?): {e}"
                ) from e
            raise

    @property
    def store(self) -> pyoxigraph.Store:
        if self._store is None:
            raise StoreError("store is closed")
        return self._store

    def _update(self, sparql_update: str) -> None:
        try:
            self.store.update(sparql_update)
        except (OSError, RuntimeError, SyntaxError) as e:
            raise StoreError(f"update refused, nothing written: {e}") from e

    def query(self, sparql: str) -> QueryResult:
        try:
            return self.store.query(sparql, use_default_graph_as_union=True)
        except SyntaxError as e:
            raise QueryError(f"invalid SPARQL: {e}") from e
        except (OSError, RuntimeError) as e:
            raise QueryError(str(e)) from e

    def quad_count(self) -> int:
        """Quads in named graphs. `len()` reads RocksDB's counts and is ~2.5x faster than the SPARQL
        COUNT (0.17 s vs 0.44 s for 1 M quads), which matters for the catalogue refresh at 600,000 records;
        the default graph, which the node never writes, is taken off."""
        default = sum(1 for _ in self.store.quads_for_pattern(None, None, None, DefaultGraph()))
        return len(self.store) - default

    def graph_iris(self) -> set[str]:
        return {g.value for g in self.store.named_graphs() if isinstance(g, NamedNode)}

    def graph_triples(self, graph_iri: str) -> list[Triple]:
        quads = self.store.quads_for_pattern(None, None, None, NamedNode(graph_iri))
        return [q.triple for q in quads]

    def bulk_load_fresh(self, records: Iterable[tuple[str, Iterable[Triple]]]) -> int:
        """Fast path for a cold build into an empty store. Not transactional: on failure, delete the
        directory and rebuild."""
        if any(True for _ in self.store.named_graphs()):
            raise StoreError("bulk_load_fresh needs an empty store; use replace_records")
        count = 0

        def quads() -> Iterator[Quad]:
            nonlocal count
            for graph_iri, triples in records:
                g = NamedNode(graph_iri)
                for t in triples:
                    count += 1
                    yield Quad(t.subject, t.predicate, t.object, g)

        self.store.bulk_extend(quads())
        self.store.flush()
        return count

    def bulk_add_records(
        self,
        records: Iterable[tuple[str, Iterable[Triple] | bytes]],
        *,
        provenance: Iterable[Triple] = (),
    ) -> int:
        """Add record graphs that are known to be absent (a source's first build) with Oxigraph's bulk
        loader: several times faster than `replace_records`, but not a transaction, and nothing is
        dropped first. After a crash, part of the batch may be present; the caller marks the batch
        processed only once this returns, so the next run replaces those graphs. A record's triples may
        come as N-Triples bytes, parsed by Oxigraph itself (no Python objects per triple). Returns the
        number of record triples written."""
        count = 0
        nquads = bytearray()
        quads: list[Quad] = []
        for graph_iri, triples in records:
            if graph_iri in self.iris.reserved_graphs:
                raise ValueError(f"{graph_iri} is not a record graph")
            g = NamedNode(graph_iri)
            if isinstance(triples, bytes):
                # Every N-Triples statement ends with " .\n" (a newline inside a literal is escaped), so
                # naming the graph before the full stop makes N-Quads.
                nquads += triples.replace(b" .\n", b" " + str(g).encode() + b" .\n")
                count += triples.count(b"\n")
            else:
                before = len(quads)
                quads.extend(Quad(t.subject, t.predicate, t.object, g) for t in triples)
                count += len(quads) - before
        prov = NamedNode(self.iris.provenance_graph)
        quads.extend(Quad(t.subject, t.predicate, t.object, prov) for t in provenance)
        if nquads and quads:
            # One bulk load per batch: each call writes and ingests its own RocksDB files, which costs more
            # as the store grows.
            nquads += pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS) or b""
            quads = []
        try:
            if nquads:
                self.store.bulk_load(input=bytes(nquads), format=pyoxigraph.RdfFormat.N_QUADS)
            if quads:
                self.store.bulk_extend(quads)
        except (OSError, RuntimeError, SyntaxError) as e:
            raise StoreError(f"bulk load failed: {e}") from e
        return count

    def close(self) -> None:
        # Dropping the last reference releases the RocksDB lock so that `oxigraph serve` can open it.
        self._store = None


class HttpStore(GraphStore):
    """A running Oxigraph server (or, later, any SPARQL 1.1 store with Update and Graph Store Protocol)."""

    def __init__(
        self,
        endpoint: str,
        *,
        timeout: float = 600.0,
        session: requests.Session | None = None,
        iris: NodeIris = DEFAULT_IRIS,
    ):
        self.iris = iris
        base = endpoint.rstrip("/")
        base = base.removesuffix("/query")
        self.endpoint = base
        self.query_url = f"{base}/query"
        self.update_url = f"{base}/update"
        self.store_url = f"{base}/store"
        self.timeout = timeout
        self.session = session or requests.Session()

    def _update(self, sparql_update: str) -> None:
        body = sparql_update.encode("utf-8")
        if len(body) > MAX_HTTP_UPDATE_BYTES:
            raise StoreError(f"batch of {len(body)} bytes exceeds the server's limit; use smaller batches")
        try:
            response = self.session.post(
                self.update_url,
                data=body,
                headers={"Content-Type": "application/sparql-update; charset=utf-8"},
                timeout=(10, self.timeout),
            )
        except requests.RequestException as e:
            # A transport error after sending may leave the outcome unknown; the server's transaction is
            # still all-or-nothing, so re-running the batch is safe.
            raise StoreError(f"update to {self.update_url} failed: {e}") from e
        if response.status_code not in (200, 204):
            raise StoreError(
                f"update refused by {self.update_url} ({response.status_code}), nothing written: "
                f"{response.text[:500]}"
            )

    def query(self, sparql: str) -> QueryResult:
        try:
            response = self.session.post(
                self.query_url,
                data=sparql.encode("utf-8"),
                headers={
                    "Content-Type": "application/sparql-query; charset=utf-8",
                    "Accept": "application/sparql-results+json, application/n-triples;q=0.9",
                },
                timeout=(10, self.timeout),
            )
        except requests.RequestException as e:
            raise QueryError(f"query to {self.query_url} failed: {e}") from e
        body = response.content
        if response.status_code != 200:
            text = response.text[:1000]
            if TIMEOUT_MESSAGE in text:
                raise QueryTimeoutError(f"query cancelled by the server's time-out: {text}")
            raise QueryError(f"{self.query_url} answered {response.status_code}: {text}")
        # Oxigraph streams results: a time-out after the first bytes arrives as a 200 whose body ends with
        # the cancellation message instead of valid JSON.
        if body.rstrip().endswith(TIMEOUT_MESSAGE.encode()):
            raise QueryTimeoutError(f"query cancelled by the server's time-out ({self.query_url})")
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            if content_type == "application/sparql-results+json":
                # Parse once fully so that a truncated body fails here, not half-way through the caller.
                parsed = pyoxigraph.parse_query_results(body, QueryResultsFormat.JSON)
                if isinstance(parsed, QuerySolutions):
                    for _ in parsed:
                        pass
                return pyoxigraph.parse_query_results(body, QueryResultsFormat.JSON)
            if content_type == "application/n-triples":
                return [q.triple for q in pyoxigraph.parse(body, pyoxigraph.RdfFormat.N_TRIPLES)]
        except SyntaxError as e:
            raise QueryError(f"unreadable answer from {self.query_url}: {e}") from e
        raise QueryError(f"unexpected Content-Type {content_type!r} from {self.query_url}")

    def graph_iris(self) -> set[str]:
        result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return {s["g"].value for s in result}  # type: ignore[index, union-attr]

    def graph_triples(self, graph_iri: str) -> list[Triple]:
        """Graph Store Protocol GET of one graph ([] when it does not exist)."""
        response = self.session.get(
            self.store_url,
            params={"graph": graph_iri},
            headers={"Accept": "application/n-triples"},
            timeout=(10, self.timeout),
        )
        if response.status_code == 404:
            return []
        if response.status_code != 200:
            raise StoreError(f"GET {self.store_url} answered {response.status_code}: {response.text[:500]}")
        return [q.triple for q in pyoxigraph.parse(response.content, pyoxigraph.RdfFormat.N_TRIPLES)]

    def close(self) -> None:
        self.session.close()


# -- choosing a backend ------------------------------------------------------------------------------------


def read_serve_info(data_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The `serve.json` that `pankg serve` writes into the data dir while it runs, if its server is alive."""
    path = Path(data_dir) / SERVE_INFO
    try:
        info = json.loads(path.read_text())
        pid, url = int(info["pid"]), str(info["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _pid_alive(pid):
        return None
    try:
        if requests.get(f"{url}/query", timeout=2).status_code != 200:
            return None
    except requests.RequestException:
        return None
    return info


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_store(data_dir: str | os.PathLike[str], iris: NodeIris, *, read_only: bool = False) -> GraphStore:
    """HttpStore if `pankg serve` is serving this data dir, else EmbeddedStore on `{data_dir}/graph`; `iris`
    are the deployment's (its base IRI), so the reserved graphs are named as its queries expect."""
    info = read_serve_info(data_dir)
    if info is not None:
        return HttpStore(info["url"], iris=iris)
    return EmbeddedStore(Path(data_dir) / "graph", read_only=read_only, iris=iris)


# The contract's name for "either backend".
Store = GraphStore
