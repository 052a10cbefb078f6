"""The `harvest` Prefect flow: one subflow per source, one task per harvest window. Thin by design:
the logic lives in `harvesters/`."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from flows import settings
from flows.progress import Progress
from harvesters.harvest import SourceSummary, harvest_source
from harvesters.raw_store import RawStore
from harvesters.sources import Source, load_sources, select_sources

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
    "records_per_second",
)


@task(name="harvest-window", task_run_name="harvest-window-{source.id}")
def harvest_window(
    source: Source, data_dir: str, mode: str, since: str | None, until: str | None, allow_mass_deletion: bool
) -> dict[str, object]:
    logger = get_run_logger()
    progress = Progress(logger)
    with RawStore(settings.raw_store_path(Path(data_dir))) as store:
        summary = harvest_source(
            source,
            store,
            full=(mode == "full"),
            since=since,
            until=until,
            allow_mass_deletion=allow_mass_deletion,
            progress=progress,
        )
    progress.done()
    for finding in summary.findings[:50]:
        logger.warning("%s: %s", source.id, finding)
    if summary.status != "ok":
        logger.error("%s: %s", source.id, summary.message)
    return summary.as_dict()


@flow(name="harvest-source", flow_run_name="harvest-{source.id}")
def harvest_one_source(
    source: Source,
    data_dir: str,
    mode: str = "incremental",
    since: str | None = None,
    until: str | None = None,
    allow_mass_deletion: bool = False,
) -> dict[str, object]:
    return harvest_window(source, data_dir, mode, since, until, allow_mass_deletion)


def summary_markdown(rows: list[dict[str, object]]) -> str:
    lines = ["| " + " | ".join(SUMMARY_COLUMNS) + " |", "|" + "---|" * len(SUMMARY_COLUMNS)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in SUMMARY_COLUMNS) + " |" for row in rows]
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
) -> list[dict[str, object]]:
    """Harvest the named sources (default: every enabled one) into the raw store."""
    if mode not in ("incremental", "full"):
        raise ValueError(f"mode must be 'incremental' or 'full', not {mode!r}")
    registry = load_sources(settings.sources_file(sources_file))
    chosen = select_sources(registry, sources)
    directory = str(settings.data_dir(data_dir))
    rows = []
    for source in chosen:
        # One source failing never stops the others: the summary carries the failure.
        try:
            rows.append(harvest_one_source(source, directory, mode, since, until, allow_mass_deletion))
        except Exception as exc:
            rows.append(
                SourceSummary(source=source.id, status="failed", message=f"crashed: {exc!r}").as_dict()
            )
    markdown = summary_markdown(rows)
    create_markdown_artifact(
        markdown=markdown, key="harvest-summary", description="Per-source harvest summary"
    )
    print(markdown)
    return rows
