"""The `nightly` and `reharvest` deployments of the `pan-kg` flow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows.schedule.flow import pan_kg
from flows.schedule.names import NIGHTLY, REHARVEST
from flows.schedule.settings import ScheduleSettings
from flows.settings import Settings


def deployments(config: ScheduleSettings, settings: Settings) -> list[Any]:
    """`nightly` and `reharvest`, both running `flows.schedule.flow.pan_kg` by module path, so that any
    machine with pan-kg installed (a `serve` process or a worker) can load it. The settings travel as the
    deployments' parameters, so every run uses the configuration the scheduler was started with."""
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.deployments.runner import EntrypointType

    # Absolute paths: the run happens in another process (or machine) and another working directory.
    local_panet = Path(settings.panet)
    where = settings.as_parameters() | {
        "sources_file": str(settings.sources_file.resolve()),
        "data_dir": str(settings.data_dir.resolve()),
        "panet": str(local_panet.resolve()) if local_panet.exists() else settings.panet,
    }
    nightly = pan_kg.to_deployment(
        name=NIGHTLY,
        schedules=[CronSchedule(cron=config.cron, timezone=config.timezone)],
        paused=False,
        parameters={"mode": "incremental", **where},
        description="Every enabled source, incremental: harvest, map, validate, load.",
        tags=["pan-kg", "nightly"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    reharvest = pan_kg.to_deployment(
        name=REHARVEST,
        parameters=where,
        description="A data steward's re-harvest: sources, mode, since/until, records, remap_only.",
        tags=["pan-kg", "reharvest"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    return [nightly, reharvest]
