"""Nightly schedule and data-steward re-harvests as Prefect deployments.

One flow, `pan-kg`, wraps the `harvest` flow: it runs every chosen source as its own task, each holding
Prefect global concurrency slots, so a steward's re-harvest and the nightly run never work on the same
source at once (they wait for each other, across processes and machines), while different sources run in
parallel up to a node-wide limit. Two deployments of it: `nightly` (cron, every enabled source,
incremental) and `reharvest` (the steward's parameters). They are served by `pankg schedule` (Prefect's
`serve`) or registered on a `process` work pool that `prefect worker start` runs anywhere pan-kg is
installed.

    names.py        flow, deployment, pool and concurrency-limit names
    settings.py     ScheduleSettings (cron, parallelism, retries, time limit)
    flow.py         the `pan-kg` wrapper flow
    deployments.py  `nightly` and `reharvest`
    server.py       finding or starting a Prefect server
    status.py       the scheduler section of `pankg status`
"""

from flows.schedule.deployments import deployments
from flows.schedule.flow import SourceRunFailed, ensure_limits, pan_kg, report_markdown
from flows.schedule.names import (
    ALL_SOURCES_LIMIT,
    DEFAULT_POOL,
    EMBEDDED_STORE_LIMIT,
    FLOW_NAME,
    NIGHTLY,
    REHARVEST,
    SCHEDULER_INFO,
    source_limit,
)
from flows.schedule.server import (
    configured_api_url,
    find_api,
    free_port,
    healthy,
    read_scheduler_info,
    start_local_server,
    stop_process_group,
    ui_url,
    using_api,
)
from flows.schedule.settings import ScheduleSettings
from flows.schedule.status import ScheduleStatus, read_schedule_status, schedule_status_lines

__all__ = [
    "ALL_SOURCES_LIMIT",
    "DEFAULT_POOL",
    "EMBEDDED_STORE_LIMIT",
    "FLOW_NAME",
    "NIGHTLY",
    "REHARVEST",
    "SCHEDULER_INFO",
    "ScheduleSettings",
    "ScheduleStatus",
    "SourceRunFailed",
    "configured_api_url",
    "deployments",
    "ensure_limits",
    "find_api",
    "free_port",
    "healthy",
    "pan_kg",
    "read_schedule_status",
    "read_scheduler_info",
    "report_markdown",
    "schedule_status_lines",
    "source_limit",
    "start_local_server",
    "stop_process_group",
    "ui_url",
    "using_api",
]
