"""The names the scheduler shares with Prefect: flow, deployments, work pool, concurrency limits."""

from __future__ import annotations

FLOW_NAME = "pan-kg"
NIGHTLY = "nightly"
REHARVEST = "reharvest"
DEFAULT_POOL = "pan-kg"
# Every source harvest holds one slot of this limit: the node-wide cap on sources running at once.
ALL_SOURCES_LIMIT = "pan-kg-sources"
# The embedded Oxigraph store is a locked directory: without `pankg serve`, source runs (which load
# into it) must take turns; with it, they load over HTTP in parallel.
EMBEDDED_STORE_LIMIT = "pan-kg-embedded-graph"
SCHEDULER_INFO = "schedule.json"


def source_limit(source_id: str) -> str:
    return f"source-{source_id}"
