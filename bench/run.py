"""`make bench [N=10000]`: the pipeline at PaN scale, measured (issue 8; figures in bench/RESULTS.md).

A local OAI-PMH provider (pyoai's server class, in its own process, pages of 1,000) serves N records made
from the real DataCite examples (bench/corpus.py). Scenarios, each with records/s per stage, end-to-end
records/s, peak RSS of the pipeline's processes (the provider excluded) and store sizes:

1. cold: full harvest into empty stores (raw store -> map -> validate -> load);
2. warm: the nightly full pull again, with 1% of the records changed and 0.1% deleted;
3. SPARQL: every graph/queries/*.rq on the resulting store, p50 / p95.

References on a sample of the corpus: a straightforward pipeline (Sickle, an rdflib graph, one pySHACL
call and one HTTP PUT to `oxigraph serve` per record), and `oxigraph load` on the quads of the cold store.

    .venv/bin/python -m bench.run --records 10000 [--workers 2] [--batch-size 1000] [--no-bulk]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.corpus import BenchCorpus
from flows.engine import STAGES, HarvestSignal, ProcessSummary, in_threads, run_source
from flows.engine.stages import HarvestStage, Logger, ProcessStage
from flows.settings import Settings, quarantine_path, raw_store_path
from graph.load import load_reference_graphs, refresh_catalogue, refresh_statistics
from graph.serve import oxigraph_binary, wait_ready
from graph.store import EmbeddedStore
from harvesters.harvest import SourceSummary
from harvesters.http import HttpPolicy
from harvesters.sources import Source
from mappings import PanetIndex
from mappings.iris import DEFAULT_BASE_IRI
from shapes.validate import ENGINES

REPO = Path(__file__).resolve().parents[1]
PANET = REPO.parent / "shared" / "data" / "panet" / "PaNET-1.3.0.owl"
QUERIES = REPO / "graph" / "queries"
# The registry entry of the bench provider, for the catalogue graph.
BENCH_SOURCE = {"id": "bench", "name": "Bench provider", "url": "http://127.0.0.1/"}


# --- the provider -----------------------------------------------------------------------------------------


def serve(corpus: BenchCorpus, page_size: int, port_queue: multiprocessing.Queue) -> None:
    from tests.support.http_server import LoopbackServer
    from tests.support.oai_server import RecordSet, oai_app

    class BenchRecordSet(RecordSet):
        def earliest_datestamp(self) -> datetime:
            # pyoai asks on every request; scanning would build all N records each time.
            return corpus.start

    with LoopbackServer(oai_app(BenchRecordSet(corpus), page_size=page_size)) as server:  # type: ignore[arg-type]
        port_queue.put(server.url)
        while True:
            time.sleep(3600)


@contextmanager
def provider(corpus: BenchCorpus, page_size: int) -> Iterator[tuple[str, int]]:
    """The provider's URL and process id, for as long as the block runs.

    Spawned, not forked: a fork would share this process's pages (the graph store, PaNET) and report them
    as the provider's memory; spawned, its RSS is its own (the corpus is built a page at a time)."""
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = context.Queue()
    process = context.Process(target=serve, args=(corpus, page_size, queue), daemon=True)
    process.start()
    try:
        yield queue.get(timeout=600), process.pid or 0
    finally:
        process.terminate()
        process.join()


# --- measuring --------------------------------------------------------------------------------------------


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


class RssSampler:
    """Peak of the summed RSS of this process and its descendants (minus `exclude`, the provider, whose
    own peak is kept apart), every 50 ms."""

    def __init__(self, exclude: int = 0) -> None:
        self.exclude = exclude
        self.peak_kib = 0
        self.excluded_peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total(self) -> int:
        total, todo = 0, [os.getpid()]
        while todo:
            pid = todo.pop()
            if pid == self.exclude:
                continue
            total += _rss_kib(pid)
            todo += _children(pid)
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_kib = max(self.peak_kib, self._total())
            if self.exclude:
                self.excluded_peak_kib = max(self.excluded_peak_kib, _rss_kib(self.exclude))

    def __enter__(self) -> RssSampler:
        self.peak_kib = self._total()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mib(self) -> float:
        return self.peak_kib / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def size_mib(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def rate(count: float, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s" if seconds > 0 else "-"


@dataclass
class Scenario:
    name: str
    fetch: SourceSummary
    process: ProcessSummary
    fetch_seconds: float  # from the start until the harvest had committed its last page
    parent_cpu: float  # CPU seconds of the pipeline's own process: harvest threads, read, load, bookkeeping
    provider_cpu: float  # the provider's CPU seconds meanwhile
    seconds: float  # wall clock of the whole run, fetch and processing side by side
    peak_mib: float
    workers: int = 1
    provider_peak_mib: float = 0.0

    def free_cores_estimate(self, cores: int) -> float:
        """Seconds the run would take on `cores` cores of its own (this machine is shared, so wall times
        include other people's work): all CPU seconds spread over the cores, but never less than the busiest
        process alone (the pipeline's own process, the provider, or the workers spread over themselves)."""
        cpu = self.process.stage_cpu_seconds
        checking = cpu["map"] + cpu["validate"]
        if self.workers <= 1:
            return self.parent_cpu + self.provider_cpu  # map/validate counted in the parent already
        total = self.parent_cpu + checking + self.provider_cpu
        return max(total / cores, self.parent_cpu, self.provider_cpu, checking / self.workers)

    def lines(self, records: int, sizes: dict[str, float]) -> list[str]:
        p, stages, cpu = self.process, self.process.stage_seconds, self.process.stage_cpu_seconds
        per_stage = [f"fetch {rate(self.fetch.fetched, self.fetch_seconds)} ({self.fetch_seconds:.1f} s)"]
        for stage, count in (("map", p.mapped), ("validate", p.mapped), ("load", p.loaded)):
            per_stage.append(
                f"{stage} {rate(count, stages[stage])} ({stages[stage]:.1f} s; CPU {rate(count, cpu[stage])})"
            )
        per_stage.append(
            f"read+transfer+bookkeeping {stages['read'] + stages['transfer'] + stages['bookkeeping']:.1f} s"
        )
        cores = os.cpu_count() or 1
        estimate = self.free_cores_estimate(cores)
        checking = cpu["map"] + cpu["validate"]
        return [
            f"== {self.name}: {records:,} records, {self.fetch.new:,} new, {self.fetch.changed:,} changed,"
            f" {self.fetch.unchanged:,} unchanged, {self.fetch.deleted:,} deleted at the source",
            f"   processed: mapped {p.mapped:,}, loaded {p.loaded:,} (warned {p.warned:,}),"
            f" quarantined {p.quarantined:,}, removed {p.deleted:,}, {p.quads_loaded:,} quads"
            f" ({'bulk loader' if p.bulk else 'transactions'})",
            "   records/s per stage: "
            + "; ".join(per_stage)
            + (" [map/validate: summed over workers]" if self.workers > 1 else ""),
            f"   CPU seconds: pipeline process {self.parent_cpu:.1f} (harvest threads, read, load, bookkeeping),"
            f" map/validate workers {checking:.1f}, provider {self.provider_cpu:.1f}",
            f"   end to end: {records:,} records in {self.seconds:.1f} s = {rate(records, self.seconds)}"
            f" (fetch and processing side by side; the harvest had committed its last page at"
            f" {self.fetch_seconds:.1f} s); on {cores} free cores (from CPU seconds): {rate(records, estimate)}",
            f"   peak RSS (pipeline processes): {self.peak_mib:,.0f} MiB (provider {self.provider_peak_mib:,.0f} MiB);"
            " store sizes: " + ", ".join(f"{k} {v:,.1f} MiB" for k, v in sizes.items()),
        ]


class Timed:
    """The engine's two stages side by side in threads (`flows.engine.in_threads`, as the CLI runs them),
    timed: the wall clock of the whole, when the harvest had committed its last page, and the CPU seconds of
    this process and of the provider meanwhile."""

    def __init__(self, provider_pid: int) -> None:
        self.provider_pid = provider_pid
        self.seconds = self.fetch_seconds = self.parent_cpu = self.provider_cpu = 0.0

    def __call__(
        self, harvest: HarvestStage | None, process: ProcessStage, signal: HarvestSignal
    ) -> tuple[SourceSummary | None, ProcessSummary]:
        started, cpu, provider_cpu = time.perf_counter(), time.process_time(), cpu_seconds(self.provider_pid)

        def timed_harvest(logger: Logger) -> SourceSummary:
            try:
                return harvest(logger)  # type: ignore[misc]
            finally:
                self.fetch_seconds = time.perf_counter() - started

        fetched, processed = in_threads(timed_harvest if harvest else None, process, signal)
        self.seconds = time.perf_counter() - started
        self.parent_cpu = time.process_time() - cpu
        self.provider_cpu = cpu_seconds(self.provider_pid) - provider_cpu
        return fetched, processed


def run_scenario(name: str, corpus: BenchCorpus, data: Path, args: argparse.Namespace) -> Scenario:
    """One harvest of the provider, fetched and processed side by side by the engine's `run_source`, as the
    flow runs it (the quality report left out: it is not the pipeline's throughput)."""
    with provider(corpus, args.page_size) as (url, provider_pid), RssSampler(exclude=provider_pid) as rss:
        source = Source(
            id="bench", name="Bench provider", protocol="oai-pmh", url=url, metadata_prefix="oai_datacite"
        )
        with EmbeddedStore(data / "graph") as graph:
            if not graph.graph_iris():
                load_reference_graphs(graph, PANET)
        timed = Timed(provider_pid)
        run = run_source(
            source,
            data_dir=data,
            base_iri=DEFAULT_BASE_IRI,
            panet=PANET,
            shacl_engine=args.shacl_engine,
            mode="full",
            workers=args.workers,
            batch_size=args.batch_size,
            bulk=None if args.bulk else False,
            policy=HttpPolicy(requests_per_second=0, timeout_seconds=600),
            quality_report=False,
            stages=timed,
        )
    if run.harvest.status != "ok":
        raise SystemExit(f"{name}: harvest failed: {run.harvest.message}")
    if run.process.failed:
        raise SystemExit(f"{name}: load failed: {run.process.messages}")
    return Scenario(
        name,
        run.harvest,
        run.process,
        timed.fetch_seconds,
        timed.parent_cpu,
        timed.provider_cpu,
        timed.seconds,
        rss.peak_mib,
        args.workers,
        rss.excluded_peak_kib / 1024,
    )


def store_sizes(data: Path) -> dict[str, float]:
    return {
        "raw": size_mib(raw_store_path(data)),
        "graph": size_mib(data / "graph"),
        "quarantine": size_mib(quarantine_path(data)),
    }


# --- SPARQL ------------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _timed(store: EmbeddedStore, text: str, repeat: int) -> tuple[int, list[float], list[float]]:
    """(rows, wall ms, CPU ms) of `repeat` runs, after one run that warms the caches."""
    list(store.query(text))  # type: ignore[arg-type]
    times, cpu_times, rows = [], [], 0
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        rows = len(list(store.query(text)))  # type: ignore[arg-type]
        times.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.process_time() - cpu) * 1000)
    return rows, times, cpu_times


def refresh(data: Path) -> list[str]:
    """The end-of-run refresh the flow does (graph.load.refresh_catalogue: VoID counts, catalogue graph and
    statistics graph), timed; the statistics part also alone. The aggregate queries read its result."""
    with EmbeddedStore(data / "graph") as store:
        started, cpu = time.perf_counter(), time.process_time()
        written = refresh_statistics(store)
        stats_wall, stats_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        refresh_catalogue(store, [BENCH_SOURCE], endpoint_url="http://127.0.0.1:7878/query")
        all_wall, all_cpu = time.perf_counter() - started, time.process_time() - cpu
    return [
        f"   statistics graph refresh (refresh_statistics): {written:,} triples in {stats_wall:.2f} s"
        f" (CPU {stats_cpu:.2f} s); whole end-of-run refresh (refresh_catalogue: VoID counts, catalogue"
        f" and statistics graphs): {all_wall:.2f} s (CPU {all_cpu:.2f} s)"
    ]


def sparql(data: Path, repeat: int, records: int) -> list[str]:
    lines: list[str] = []
    everything: list[float] = []
    every_cpu: list[float] = []
    with EmbeddedStore(data / "graph", read_only=True) as store:
        for path in sorted(QUERIES.glob("*.rq")):
            text = path.read_text(encoding="utf-8")
            rows, times, cpu_times = _timed(store, text, repeat)
            everything += times
            every_cpu += cpu_times
            lines.append(
                f"   {path.name:38} {rows:>7,} rows  p50 {statistics.median(times):8.1f} ms"
                f"  p95 {percentile(times, 0.95):8.1f} ms  (CPU p50 {statistics.median(cpu_times):8.1f} ms"
                f"  p95 {percentile(cpu_times, 0.95):8.1f} ms)"
            )
        # The paged listings cost O(offset + page): the first page above, and here the worst case, an
        # OFFSET past the end (every answer skipped). Not counted in "all queries".
        for path in sorted(QUERIES.glob("*.rq")):
            text = path.read_text(encoding="utf-8")
            if "\n    OFFSET 0\n" not in text:
                continue
            rows, times, cpu_times = _timed(store, text.replace("OFFSET 0", f"OFFSET {records}"), repeat)
            lines.append(
                f"   {path.name:38} OFFSET {records:,} (past the end): {rows:,} rows"
                f"  CPU p50 {statistics.median(cpu_times):8.1f} ms  p95 {percentile(cpu_times, 0.95):8.1f} ms"
            )
    lines.append(
        f"   all queries: p50 {statistics.median(everything):.1f} ms, p95 {percentile(everything, 0.95):.1f} ms"
        f" (CPU p50 {statistics.median(every_cpu):.1f} ms, p95 {percentile(every_cpu, 0.95):.1f} ms)"
    )
    return lines


# --- references ---------------------------------------------------------------------------------------------


def straightforward(url: str, sample: int, panet: PanetIndex, tmp: Path) -> tuple[int, float, float]:
    """Sickle, then per record: crosswalk, an rdflib graph, one pySHACL call, one HTTP PUT."""
    import pyshacl
    import rdflib
    import requests
    from lxml import etree
    from sickle import Sickle

    from harvesters.records import RawRecord
    from mappings import crosswalk
    from shapes.validate import _Terms, background, load_ontology, load_shapes

    shapes, ontology = load_shapes(), background(load_ontology(PANET))
    server, endpoint = _oxigraph_server(tmp / "reference-store")
    session = requests.Session()
    try:
        started, cpu, done = time.perf_counter(), time.process_time(), 0
        for record in Sickle(url, max_retries=0).ListRecords(
            metadataPrefix="oai_datacite", ignore_deleted=True
        ):
            metadata = record.xml.find(".//{http://www.openarchives.org/OAI/2.0/}metadata")
            payload = etree.tostring(metadata[0])
            raw = RawRecord(
                "reference", record.header.identifier, record.header.datestamp, "oai_datacite", payload
            )
            mapped = crosswalk(raw, panet=panet)
            terms, graph = _Terms(), rdflib.Graph()
            for t in mapped.triples:
                graph.add((terms.term(t.subject), terms.term(t.predicate), terms.term(t.object)))
            pyshacl.validate(graph, shacl_graph=shapes, ont_graph=ontology, allow_warnings=True)
            response = session.put(
                f"{endpoint}/store",
                params={"graph": mapped.graph_iri},
                data=graph.serialize(format="nt", encoding="utf-8"),
                headers={"Content-Type": "application/n-triples"},
                timeout=60,
            )
            response.raise_for_status()
            done += 1
            if done >= sample:
                break
        return done, time.perf_counter() - started, time.process_time() - cpu
    finally:
        session.close()
        server.terminate()
        server.wait()


def _oxigraph_server(location: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    command = [oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    wait_ready(url, server)
    return server, url


def oxigraph_load(data: Path, tmp: Path, batch_size: int) -> tuple[int, float, float, float, float]:
    """`oxigraph load` (the CLI) of the record and provenance quads of the cold store, and the load stage's
    own path (`bulk_add_records`, one call per batch) on the same quads, alone on the machine (in the cold
    run it shares the cores with the workers). Returns quads, then wall and CPU seconds of each."""
    import pyoxigraph

    dump = tmp / "cold.nq"
    with EmbeddedStore(data / "graph", read_only=True) as store:
        quads = 0
        with dump.open("wb") as out:
            for graph in store.store.named_graphs():
                if "/graph/bench/" in graph.value or graph.value.endswith("/graph/provenance"):
                    chunk = list(store.store.quads_for_pattern(None, None, None, graph))
                    quads += len(chunk)
                    out.write(pyoxigraph.serialize(chunk, format=pyoxigraph.RdfFormat.N_QUADS) or b"")
    records: list[tuple[str, list[pyoxigraph.Triple]]] = []
    provenance: list[pyoxigraph.Triple] = []
    for quad in pyoxigraph.parse(path=dump, format=pyoxigraph.RdfFormat.N_QUADS):
        name = quad.graph_name.value  # type: ignore[union-attr]
        if name.endswith("/graph/provenance"):
            provenance.append(quad.triple)
        elif records and records[-1][0] == name:
            records[-1][1].append(quad.triple)
        else:
            records.append((name, [quad.triple]))
    with EmbeddedStore(tmp / "load-stage") as fresh:
        started, cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(records), batch_size):
            fresh.bulk_add_records(records[start : start + batch_size])
        fresh.bulk_add_records([], provenance=provenance)
        ours, ours_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [oxigraph_binary(), "load", "--location", str(tmp / "oxigraph-load"), "--file", str(dump)],
        check=True,
        capture_output=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return quads, time.perf_counter() - started, cpu, ours, ours_cpu


# --- main ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=1_000)
    parser.add_argument("--batch-size", type=int, default=1_000, help="records per map/validate/load batch")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="map/validate processes")
    parser.add_argument("--no-bulk", dest="bulk", action="store_false", help="cold load by transactions too")
    parser.add_argument("--sample", type=int, default=100, help="records for the straightforward reference")
    parser.add_argument("--repeat", type=int, default=10, help="runs of each SPARQL query")
    parser.add_argument("--skip-references", action="store_true")
    parser.add_argument("--keep", type=Path, help="run in this (new) directory and keep the stores")
    parser.add_argument(
        "--shacl-engine", choices=ENGINES, default=Settings.build().shacl_engine, help="the gate's engine"
    )
    args = parser.parse_args(argv)
    n = args.records
    print(
        f"bench: {n:,} records, pages of {args.page_size:,}, batches of {args.batch_size:,},"
        f" {args.workers} worker(s), {os.cpu_count()} cores, SHACL engine {args.shacl_engine}",
        flush=True,
    )
    panet = PanetIndex.load(PANET)
    clock = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pankg-bench-") as tmp_name:
        tmp = args.keep or Path(tmp_name)
        data = tmp / "data"
        cold = run_scenario("cold full harvest", BenchCorpus(n), data, args)
        print("\n".join(cold.lines(n, store_sizes(data))), flush=True)
        warm_corpus = BenchCorpus(n, changed_every=100, deleted_every=1000)
        warm = run_scenario("warm nightly full pull", warm_corpus, data, args)
        print("\n".join(warm.lines(n, store_sizes(data))), flush=True)
        print("== SPARQL: graph/queries/*.rq on the resulting store", flush=True)
        print("\n".join(refresh(data)), flush=True)
        print("\n".join(sparql(data, args.repeat, n)), flush=True)

        if not args.skip_references:
            print(f"== references (straightforward pipeline on a sample of {args.sample:,})", flush=True)
            with provider(BenchCorpus(n), args.page_size) as (url, _):
                done, seconds, cpu = straightforward(url, args.sample, panet, tmp)
            cold_rate, cold_free = n / cold.seconds, n / cold.free_cores_estimate(os.cpu_count() or 1)
            print(
                f"   straightforward: {done:,} records in {seconds:.1f} s = {done / seconds:,.1f} records/s"
                f" ({done / cpu:,.1f} per CPU second of its one process); cold pipeline / straightforward ="
                f" {cold_rate / (done / seconds):,.1f}x by wall clock,"
                f" {cold_free / (done / cpu):,.1f}x on free cores",
                flush=True,
            )
            quads, seconds, cpu, alone, alone_cpu = oxigraph_load(data, tmp, args.batch_size)
            loaded = cold.process.quads_loaded
            in_run = loaded / cold.process.stage_seconds["load"]
            print(
                f"   oxigraph load: {quads:,} quads in {seconds:.1f} s = {quads / seconds:,.0f} quads/s"
                f" ({quads / cpu:,.0f} per CPU second); load stage alone on the same quads:"
                f" {quads / alone:,.0f} quads/s ({quads / alone_cpu:,.0f} per CPU second)"
                f" = {seconds / alone:.2f}x oxigraph load by wall clock, {cpu / alone_cpu:.2f}x by CPU;"
                f" in the cold run (sharing the cores with the workers) {in_run:,.0f} quads/s",
                flush=True,
            )
    print(f"bench done in {time.perf_counter() - clock:.0f} s; stages: {', '.join(STAGES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
