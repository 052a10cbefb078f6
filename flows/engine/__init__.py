"""The processing engine: one source from harvest to graph, without Prefect (`flows/harvest.py` wires it
into tasks and flows; the CLI and the bench call it as well).

    run.py       run_source: one source end to end, harvest beside processing
    stages.py    its two stages (harvest, processing) and how they run side by side
    process.py   process_source: what changed in the raw store -> batches -> load
    signal.py    HarvestSignal: what the harvest beside the processing has committed
    batches.py   one batch through the crosswalk and the SHACL gate
    workers.py   the worker pool and its transfer format (N-Triples bytes)
    load.py      one checked batch into the graph, the quarantine and the processed marks
    outcomes.py  the quality report's rows of a batch, to a sink
    summary.py   ProcessSummary and the stage stopwatch
"""

from flows.engine.process import is_cold, process_source, processing_version
from flows.engine.run import SourceRun, run_source
from flows.engine.signal import HarvestSignal
from flows.engine.stages import in_threads
from flows.engine.summary import STAGES, ProcessSummary

__all__ = [
    "STAGES",
    "HarvestSignal",
    "ProcessSummary",
    "SourceRun",
    "in_threads",
    "is_cold",
    "process_source",
    "processing_version",
    "run_source",
]
