"""What the session's `corpus` fixture holds: the catalogue samples harvested, mapped and loaded."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph

from harvesters.harvest import SourceSummary
from harvesters.raw_store import RawStore
from mappings import MappedRecord, MappingError


@dataclass
class Corpus:
    store: RawStore
    summaries: dict[str, SourceSummary] = field(default_factory=dict)
    mapped: dict[tuple[str, str], MappedRecord] = field(default_factory=dict)
    errors: list[MappingError] = field(default_factory=list)
    graph: pyoxigraph.Store = field(default_factory=pyoxigraph.Store)

    def query(self, sparql: str) -> list[dict[str, str]]:
        results = self.graph.query(sparql, use_default_graph_as_union=True)
        names = [v.value for v in results.variables]  # type: ignore[union-attr]
        return [{n: row[n].value for n in names if row[n] is not None} for row in results]  # type: ignore[union-attr]
