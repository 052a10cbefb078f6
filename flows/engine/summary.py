"""What processing one source did: counts, messages and seconds per stage (`ProcessSummary`), and the
stopwatch that times the stages."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field, fields

from flows.engine.outcomes import OutcomeSink

# transfer: reading a worker's results back in this process.
STAGES = ("read", "map", "validate", "transfer", "load", "bookkeeping")


@dataclass
class ProcessSummary:
    source: str
    mapped: int = 0
    valid: int = 0
    warned: int = 0
    quarantined: int = 0
    loaded: int = 0
    deleted: int = 0
    failed: int = 0
    seconds: float = 0.0
    messages: list[str] = field(default_factory=list)
    # Wall and CPU seconds per stage (STAGES). With workers, map and validate are summed over them.
    stage_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    stage_cpu_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    quads_loaded: int = 0
    bulk: bool = False
    # One row per validated record for the quality report (kept out of `as_dict`: it can be large): a list,
    # or a sink that stores them batch by batch (`shapes.outcomes.RunOutcomes`), so that a 600,000-record
    # run holds none of them in memory.
    outcomes: OutcomeSink = field(default_factory=lambda: list[dict[str, object]](), repr=False)

    def as_dict(self) -> dict[str, object]:
        return {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.name != "outcomes"}


class Stopwatch:
    """Adds the wall and CPU seconds since the last lap to a stage."""

    def __init__(self, wall: dict[str, float], cpu: dict[str, float]) -> None:
        self.wall, self.cpu = wall, cpu
        self.restart()

    def restart(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, stage: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.wall[stage] = self.wall.get(stage, 0.0) + wall - self._wall
        self.cpu[stage] = self.cpu.get(stage, 0.0) + cpu - self._cpu
        self._wall, self._cpu = wall, cpu
