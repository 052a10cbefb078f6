"""Graph sub-commands: `pankg serve` and `pankg query`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions

from flows.cli.common import Subparsers, command, refuse
from flows.settings import Settings
from graph.serve import DEFAULT_BIND, DEFAULT_TIMEOUT_S, serve
from graph.store import GraphStore, HttpStore, QueryError, QueryResult, StoreError, open_store


def add_commands(subparsers: Subparsers) -> None:
    p = command(
        subparsers, "serve", help="run the SPARQL endpoint (Oxigraph) on the store, in the foreground"
    )
    p.add_argument("--bind", default=DEFAULT_BIND, help=f"HOST:PORT to listen on (default {DEFAULT_BIND})")
    p.add_argument(
        "--timeout-s", type=int, default=DEFAULT_TIMEOUT_S, help="SPARQL query time-out in seconds"
    )
    p.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --bind (writes are open there!)"
    )
    p.set_defaults(func=_serve)

    q = command(subparsers, "query", help="run a SPARQL query on the store or an endpoint")
    q.add_argument("sparql", help="the query text, or @FILE.rq to read it from a file")
    q.add_argument(
        "--endpoint", default=None, help="SPARQL endpoint URL (ours or another node's) instead of --data-dir"
    )
    q.add_argument("--format", choices=("table", "json", "csv"), default="table")
    q.set_defaults(func=_query)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    try:
        return serve(
            settings.data_dir, bind=args.bind, timeout_s=args.timeout_s, allow_remote=args.allow_remote
        )
    except (ValueError, RuntimeError, OSError) as e:
        print(f"pankg serve: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def _query(args: argparse.Namespace, settings: Settings) -> int:
    if args.endpoint and args.data_dir:
        return refuse("query", "give --endpoint or --data-dir, not both")
    sparql = args.sparql
    if sparql.startswith("@"):
        # The shipped queries name the default base's graphs: rebased to this deployment's.
        sparql = settings.iris.rebase_query(Path(sparql[1:]).read_text(encoding="utf-8"))
    store: GraphStore | None = None
    try:
        if args.endpoint:
            store = HttpStore(args.endpoint, iris=settings.iris)
        else:
            store = open_store(settings.data_dir, settings.iris, read_only=True)
        sys.stdout.write(render(store.query(sparql), args.format))
    except (QueryError, StoreError) as e:
        print(f"pankg query: {e}", file=sys.stderr)
        return 1
    finally:
        if store is not None:
            store.close()
    return 0


def _text(serialised: bytes | None) -> str:
    # pyoxigraph returns the bytes when given no output file.
    assert serialised is not None
    return serialised.decode()


def render(result: QueryResult, fmt: str) -> str:
    """Text of a query result: SELECT/ASK as table, SPARQL JSON or CSV; CONSTRUCT/DESCRIBE as N-Triples."""
    if isinstance(result, QuerySolutions):
        if fmt == "json":
            return _text(result.serialize(format=QueryResultsFormat.JSON)) + "\n"
        if fmt == "csv":
            return _text(result.serialize(format=QueryResultsFormat.CSV))
        return _table(result)
    if isinstance(result, QueryBoolean):
        if fmt == "json":
            return _text(result.serialize(format=QueryResultsFormat.JSON)) + "\n"
        return "true\n" if bool(result) else "false\n"
    return _text(pyoxigraph.serialize(list(result), format=pyoxigraph.RdfFormat.N_TRIPLES))


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode | Literal):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return str(term)


def _table(solutions: QuerySolutions) -> str:
    names = [v.value for v in solutions.variables]
    rows = [[_cell(s[name]) for name in names] for s in solutions]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    line = "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    out.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
