"""The `harvest` Prefect flow: harvest -> map -> validate -> load, one subflow per source, one task per
stage (never per record). Thin by design: the logic lives in the stage packages."""

from __future__ import annotations

import os
from contextlib import closing
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.pipeline import HarvestSignal, OutcomeLog, process_source, processing_version
from flows.progress import Progress
from flows.reference import panet_index, resolve_panet
from flows.settings import Settings, quarantine_path, raw_store_path
from graph.iris import NodeIris
from graph.load import load_reference_graphs, refresh_catalogue
from graph.provenance import harvest_run
from graph.store import open_store
from harvesters.harvest import SourceSummary, harvest_records, harvest_source
from harvesters.locks import SourceBusyError, source_lock
from harvesters.raw_store import RawStore, UpsertCounts
from harvesters.sources import Source, load_sources, select_sources
from mappings.iris import DEFAULT_BASE_IRI
from shapes.quarantine import QuarantineStore
from shapes.report import dqv_triples, outcomes_frame, raw_store_context, summarise, write_report
from shapes.validate import DEFAULT_ENGINE, validate_batch

SUMMARY_COLUMNS = (
    "source",
    "status",
    "mode",
    "fetched",
    "new",
    "changed",
    "unchanged",
    "deleted",
    "failed_pages",
    "mapped",
    "valid",
    "warned",
    "quarantined",
    "loaded",
    "removed",
    "records_per_second",
)


@task(name="harvest-window", task_run_name="harvest-{source.id}", cache_policy=NO_CACHE)
def harvest_window(
    source: Source,
    data_dir: str,
    mode: str,
    since: str | None,
    until: str | None,
    allow_mass_deletion: bool,
    records: list[str] | None,
    signal: HarvestSignal | None = None,
) -> dict[str, object]:
    logger = get_run_logger()
    progress = Progress(logger)
    with RawStore(raw_store_path(Path(data_dir))) as store:
        if records:
            summary = harvest_records(source, store, records)
        else:
            summary = harvest_source(
                source,
                store,
                full=(mode == "full"),
                since=since,
                until=until,
                allow_mass_deletion=allow_mass_deletion,
                progress=progress,
                on_commit=signal.committed if signal else None,
            )
    progress.done()
    for finding in summary.findings[:50]:
        logger.warning("%s: %s", source.id, finding)
    if summary.status != "ok":
        logger.error("%s: %s", source.id, summary.message)
    return summary.as_dict()


# No cache: `harvest` is a live signal, and a run must always process what the raw store holds now.
@task(name="map-validate-load", task_run_name="map-validate-load-{source.id}", cache_policy=NO_CACHE)
def map_validate_load(
    source: Source,
    data_dir: str,
    panet_path: str | None,
    records: list[str] | None,
    run_iri: str,
    harvest: HarvestSignal | None = None,
    *,
    base_iri: str,
    shacl_engine: str,
) -> dict[str, object]:
    """Map, validate and load what changed; with `harvest`, while the harvest task is still writing
    (records are processed a batch at a time as its pages land, until it has ended)."""
    logger = get_run_logger()
    directory = Path(data_dir)
    panet_file = Path(panet_path) if panet_path else None
    panet = panet_index(panet_file)
    validate = partial(validate_batch, ontology=panet_file, engine=shacl_engine)
    outcomes = OutcomeLog(
        directory
        / "reports"
        / ".outcomes"
        / f"{run_iri.rsplit('/', 2)[-2]}-{run_iri.rsplit('/', 1)[-1]}.jsonl"
    )
    with (
        RawStore(raw_store_path(directory)) as raw,
        open_store(directory, NodeIris(base_iri)) as graph,
        QuarantineStore(quarantine_path(directory)) as quarantine,
        closing(outcomes),
    ):
        summary = process_source(
            source.id,
            raw,
            graph,
            quarantine,
            validate,
            panet=panet,
            base_iri=base_iri,
            run_iri=run_iri,
            identifiers=records,
            # Map and validate on every core (bench/RESULTS.md); small runs stay in this process.
            workers=os.cpu_count() or 1,
            version=processing_version(panet_file),
            harvest=harvest,
            outcomes=outcomes,
        )
    for message in summary.messages:
        logger.error("%s: %s", source.id, message)
    logger.info(
        "%s: mapped %d, loaded %d (%d with warnings), quarantined %d, removed %d",
        source.id,
        summary.mapped,
        summary.loaded,
        summary.warned,
        summary.quarantined,
        summary.deleted,
    )
    return summary.as_dict() | {"outcomes": str(outcomes.path)}


def report_quality(
    source: Source, directory: Path, iris: NodeIris, run_id: int, rows: list[dict[str, object]]
) -> None:
    """The run's quality report from its per-record outcome rows: CSV + HTML under DATA_DIR/reports, DQV
    measurements in the graph (`…/graph/quality/{source}`), and the summary as a Prefect markdown artifact."""
    outcomes = outcomes_frame(rows)
    if not outcomes.empty:
        outcomes["run_id"] = run_id
    runs, findings = raw_store_context(raw_store_path(directory), [(source.id, run_id)])
    with QuarantineStore(quarantine_path(directory)) as quarantine:
        held = quarantine.counts()
    pages = write_report(directory, outcomes, runs=runs, findings=findings, held=held)
    measures = summarise(outcomes, runs, findings, held)
    with open_store(directory, iris) as graph:
        # One graph per source and run: peers can follow the quality of a source over time.
        graph.replace_graph(iris.quality_graph(source.id, run_id), dqv_triples(measures, iris.base))
    columns = [
        "source",
        "run_id",
        "harvested",
        "validated",
        "valid",
        "warned",
        "quarantined",
        "in_quarantine",
    ]
    table = markdown_table(columns, [[row[c] for c in columns] for _, row in measures.iterrows()])
    problems = "".join(
        f"\n- {row['top_violations']}" for _, row in measures.iterrows() if row["top_violations"]
    )
    page = pages.get((source.id, run_id))
    create_markdown_artifact(
        markdown=f"# Quality of {source.id}, run {run_id}\n\n{table}\n{problems}\n\nFull report: `{page}`",
        key=f"quality-{source.id}".lower().replace("_", "-"),
        description=f"Quality report of {source.id}",
    )


@flow(name="harvest-source", flow_run_name="harvest-{source.id}")
def harvest_one_source(
    source: Source,
    data_dir: str,
    mode: str = "incremental",
    since: str | None = None,
    until: str | None = None,
    allow_mass_deletion: bool = False,
    records: list[str] | None = None,
    remap_only: bool = False,
    panet_path: str | None = None,
    base_iri: str = DEFAULT_BASE_IRI,
    shacl_engine: str = DEFAULT_ENGINE,
) -> dict[str, object]:
    """One source: harvest (unless remapping only) and, side by side, map, validate and load what changed."""
    started = datetime.now(UTC)
    iris = NodeIris(base_iri)
    engine = {"base_iri": iris.base, "shacl_engine": shacl_engine}
    run_iri, opening = harvest_run(
        iris, source=source.id, endpoint=source.url, started=started, ended=None, counts={}
    )
    with open_store(Path(data_dir), iris) as graph:
        # Recorded before anything loads: if the run is killed, peers syncing changes still find its records.
        graph.replace_records([], provenance=opening)
    if remap_only:
        with RawStore(raw_store_path(Path(data_dir))) as raw:
            # A remap is a run of its own (nothing fetched), so its report has a run to belong to.
            run_id = raw.start_run(source.id, "remap", None, None)
            raw.finish_run(run_id, "ok", UpsertCounts(), 0, 0)
        row: dict[str, object] = SourceSummary(source=source.id, mode="remap", run_id=run_id).as_dict()
        processed = map_validate_load(source, data_dir, panet_path, records, run_iri, **engine)
    else:
        # Fetch and process side by side: the harvest task commits page by page into the raw store, the
        # processing task takes what has landed (bench/RESULTS.md: the two stages overlap on two cores).
        signal = HarvestSignal()
        harvesting = harvest_window.submit(
            source, data_dir, mode, since, until, allow_mass_deletion, records, signal
        )
        harvesting.add_done_callback(lambda _: signal.end())
        processed = map_validate_load(source, data_dir, panet_path, records, run_iri, signal, **engine)
        row = harvesting.result()
    outcomes = Path(str(processed.pop("outcomes")))
    report_quality(source, Path(data_dir), iris, int(row["run_id"]), OutcomeLog.read(outcomes))
    outcomes.unlink()
    row |= {k: processed[k] for k in ("mapped", "valid", "warned", "quarantined", "loaded")}
    row["removed"] = processed["deleted"]
    if processed["failed"]:
        row["status"] = "failed"
        row["message"] = "; ".join([str(row["message"]), *processed["messages"]]).strip("; ")
    # The run as a PROV activity, with its counts, in the provenance graph.
    _, activity = harvest_run(
        iris,
        source=source.id,
        endpoint=source.url,
        started=started,
        ended=datetime.now(UTC),
        counts={
            key: int(row[key]) for key in ("fetched", "new", "changed", "deleted", "loaded", "quarantined")
        },
    )
    with open_store(Path(data_dir), iris) as graph:
        graph.replace_records([], provenance=activity)
    return row


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows])


def summary_markdown(rows: list[dict[str, object]]) -> str:
    lines = [
        markdown_table(list(SUMMARY_COLUMNS), [[row.get(c, "") for c in SUMMARY_COLUMNS] for row in rows])
    ]
    problems = [
        f"- **{row['source']}** ({row['status']}): {row['message']}" for row in rows if row["message"]
    ]
    return "\n".join(["# Harvest summary", "", *lines, "", *problems])


@flow(name="harvest")
def harvest(
    sources: list[str] | None = None,
    mode: str = "incremental",
    since: str | None = None,
    until: str | None = None,
    sources_file: str | None = None,
    data_dir: str | None = None,
    allow_mass_deletion: bool = False,
    records: list[str] | None = None,
    remap_only: bool = False,
    panet: str | None = None,
    base_iri: str | None = None,
    shacl_engine: str | None = None,
    public_endpoint: str | None = None,
) -> list[dict[str, object]]:
    """Harvest the named sources (default: every enabled one), then map, validate and load what changed.

    `records` fetches just those OAI identifiers (GetRecord); `remap_only` re-maps and re-validates from
    the raw store without fetching (after a mapping or shape fix). The settings parameters (sources_file,
    data_dir, panet, base_iri, shacl_engine, public_endpoint) are the flags: unset, the environment, else
    the defaults decide (`flows.settings`)."""
    if mode not in ("incremental", "full"):
        raise ValueError(f"mode must be 'incremental' or 'full', not {mode!r}")
    # The flow's setting parameters are its flags (Settings.build reads only the declared names).
    config = Settings.build(locals())
    registry = load_sources(config.sources_file)
    chosen = select_sources(registry, sources)
    directory = config.data_dir
    panet_path = resolve_panet(config.panet, directory)
    with open_store(directory, config.iris) as graph:
        load_reference_graphs(graph, panet_path)
    rows = []
    for source in chosen:
        # One source failing never stops the others: the summary carries the failure.
        try:
            with source_lock(directory, source.id, "remap" if remap_only else "harvest"):
                rows.append(
                    harvest_one_source(
                        source,
                        str(directory),
                        mode,
                        since,
                        until,
                        allow_mass_deletion,
                        records,
                        remap_only,
                        str(panet_path) if panet_path else None,
                        config.base_iri,
                        config.shacl_engine,
                    )
                )
        except SourceBusyError as exc:
            rows.append(SourceSummary(source=source.id, status="failed", message=str(exc)).as_dict())
        except Exception as exc:
            rows.append(
                SourceSummary(source=source.id, status="failed", message=f"crashed: {exc!r}").as_dict()
            )
    with open_store(directory, config.iris) as graph:
        refresh_catalogue(
            graph,
            [{"id": s.id, "name": s.name, "url": s.url} for s in registry.values()],
            endpoint_url=config.public_endpoint,
        )
    markdown = summary_markdown(rows)
    create_markdown_artifact(markdown=markdown, key="harvest-summary", description="Per-source run summary")
    print(markdown)
    return rows
