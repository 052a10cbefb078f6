"""Load throughput of the graph store (quads/s): embedded pyoxigraph and HTTP to `oxigraph serve`.

    .venv/bin/python -m bench.load_graph --quads 1000000 --batch 1000

Records are the real DCAT-AP 3.0.1 example files from shared/data, repeated with new subject IRIs (and fresh
blank nodes) so that every record graph is distinct. Each batch is one `replace_records` call, i.e. one
transaction, as the nightly flow does it.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
from pyoxigraph import BlankNode, NamedNode, Triple

from graph.iris import DEFAULT_IRIS
from graph.serve import oxigraph_binary, wait_ready
from graph.store import EmbeddedStore, GraphStore, HttpStore

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
EXAMPLES = SHARED / "dcat-ap" / "examples-3.0.1"


def templates() -> list[list[Triple]]:
    out = []
    for path in sorted(EXAMPLES.glob("*.ttl")):
        try:
            out.append([q.triple for q in pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE)])
        except SyntaxError:
            continue  # two upstream examples are not valid Turtle
    return out


def variant(triples: list[Triple], i: int) -> list[Triple]:
    """The template with every IRI subject suffixed by the record number and fresh blank nodes."""
    bnodes: dict[str, BlankNode] = {}

    def term(t: object, subject: bool) -> object:
        if isinstance(t, BlankNode):
            return bnodes.setdefault(t.value, BlankNode())
        if subject and isinstance(t, NamedNode):
            return NamedNode(f"{t.value}/r{i}")
        return t

    return [Triple(term(t.subject, True), t.predicate, term(t.object, False)) for t in triples]  # type: ignore[arg-type]


def records(total_quads: int) -> Iterator[tuple[str, list[Triple]]]:
    tpl = templates()
    produced, i = 0, 0
    while produced < total_quads:
        triples = variant(tpl[i % len(tpl)], i)
        produced += len(triples)
        yield DEFAULT_IRIS.record_graph("bench", f"oai:bench:{i}"), triples
        i += 1


def batches(total_quads: int, batch: int) -> list[list[tuple[str, list[Triple]]]]:
    out: list[list[tuple[str, list[Triple]]]] = [[]]
    for record in records(total_quads):
        if len(out[-1]) == batch:
            out.append([])
        out[-1].append(record)
    return out


def timed_load(store: GraphStore, data: list[list[tuple[str, list[Triple]]]]) -> tuple[int, float]:
    start = time.perf_counter()
    quads = sum(store.replace_records(b) for b in data)
    return quads, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quads", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="records per transaction")
    args = parser.parse_args()
    data = batches(args.quads, args.batch)
    n_records = sum(len(b) for b in data)
    print(f"{n_records} records in {len(data)} batches of {args.batch}")
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "embedded")
        quads, seconds = timed_load(store, data)
        assert store.quad_count() == quads
        print(f"embedded replace_records: {quads} quads in {seconds:.1f} s = {quads / seconds:,.0f} quads/s")
        store.close()

        fresh = EmbeddedStore(Path(tmp) / "bulk")
        start = time.perf_counter()
        quads = fresh.bulk_load_fresh(r for b in data for r in b)
        seconds = time.perf_counter() - start
        print(f"embedded bulk_load_fresh: {quads} quads in {seconds:.1f} s = {quads / seconds:,.0f} quads/s")
        fresh.close()

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [oxigraph_binary(), "serve", "--location", f"{tmp}/http", "--bind", f"127.0.0.1:{port}",
             "--union-default-graph"],
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_ready(url, server)
            http = HttpStore(url)
            quads, seconds = timed_load(http, data)
            assert http.quad_count() == quads
            print(
                f"HTTP replace_records:     {quads} quads in {seconds:.1f} s = {quads / seconds:,.0f} quads/s"
            )
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
