"""The `harvest` Prefect flow: harvest -> map -> validate -> load, one subflow per source, one task per
stage (never per record). Thin by design: it wires the engine's `run_source` (flows/engine/) into tasks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.engine import HarvestSignal, ProcessSummary, run_source
from flows.engine.stages import HarvestStage, ProcessStage, Stages
from flows.reference import resolve_panet
from flows.settings import Settings
from graph.load import load_reference_graphs, refresh_catalogue
from graph.store import open_store
from harvesters.harvest import SourceSummary
from harvesters.locks import SourceBusyError
from harvesters.sources import Source, load_sources, select_sources
from mappings.iris import DEFAULT_BASE_IRI
from shapes.validate import DEFAULT_ENGINE

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


# No cache: the stages read and write the stores, and a run must always process what the raw store holds now.
@task(name="harvest-window", task_run_name="harvest-{source_id}", cache_policy=NO_CACHE)
def harvest_window(source_id: str, stage: HarvestStage) -> SourceSummary:
    return stage(get_run_logger())


@task(name="map-validate-load", task_run_name="map-validate-load-{source_id}", cache_policy=NO_CACHE)
def map_validate_load(source_id: str, stage: ProcessStage) -> ProcessSummary:
    """Map, validate and load what changed; with a harvest beside it, while the harvest task is still
    writing (records are processed a batch at a time as its pages land, until it has ended)."""
    return stage(get_run_logger())


def as_tasks(source_id: str) -> Stages:
    """The engine's two stages as Prefect tasks: the harvest submitted, processing beside it."""

    def run(
        harvest: HarvestStage | None, process: ProcessStage, signal: HarvestSignal
    ) -> tuple[SourceSummary | None, ProcessSummary]:
        if harvest is None:
            return None, map_validate_load(source_id, process)
        harvesting = harvest_window.submit(source_id, harvest)
        # However the task ends (even before it starts the harvest), processing must not wait for it.
        harvesting.add_done_callback(lambda _: signal.end())
        processed = map_validate_load(source_id, process)
        return harvesting.result(), processed

    return run


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
    """One source: harvest (unless remapping only) and, side by side, map, validate and load what changed;
    the run's quality summary as a Prefect markdown artifact."""
    result = run_source(
        source,
        data_dir=Path(data_dir),
        base_iri=base_iri,
        panet=Path(panet_path) if panet_path else None,
        shacl_engine=shacl_engine,
        mode=mode,
        since=since,
        until=until,
        allow_mass_deletion=allow_mass_deletion,
        records=records,
        remap_only=remap_only,
        stages=as_tasks(source.id),
    )
    if result.quality is not None:
        quality_artifact(source.id, result.harvest.run_id, result.quality, result.report_page)
    return result.row


def quality_artifact(source_id: str, run_id: int, measures: pd.DataFrame, page: Path | None) -> None:
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
    create_markdown_artifact(
        markdown=f"# Quality of {source_id}, run {run_id}\n\n{table}\n{problems}\n\nFull report: `{page}`",
        key=f"quality-{source_id}".lower().replace("_", "-"),
        description=f"Quality report of {source_id}",
    )


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
