"""Real catalogue samples served on loopback, harvested once per session into a raw store and mapped into an
in-memory pyoxigraph store (one named graph per record, as the load stage does)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
import pytest

from harvesters.harvest import SourceSummary, harvest_source
from harvesters.http import HttpPolicy
from harvesters.raw_store import RawStore
from harvesters.sources import Source
from mappings import MappedRecord, MappingError, crosswalk
from tests.catalogue.servers import (
    PANOSC_DB,
    LoopbackDb,
    pan_finder_scicat,
    panosc_app,
    scicat_app,
    seed,
)
from tests.support.http_server import LoopbackServer

POLICY = HttpPolicy(retries=1, backoff_factor=0.01, requests_per_second=0)

# source id -> reference database of panosc-eu/search-api
PANOSC_SOURCES = {
    "pan-master": "db-master.json",
    "pan-ess": "db-ESS.json",
    "pan-xfel": "db-dev-xfel.json",
    "pan-eli": "db-dev-ELI.json",
    "pan-esrf": "db-ESRF.json",
    "pan-ceric": "db-dev-ceric.json",
    "pan-swap": "db-SWAP-2417.json",
}
# source id -> PaN-Finder harvest of the facility's SciCat
SCICAT_SOURCES = {
    "scicat-maxiv": "oscars_pan_finder_maxiv_data_20250219142732031359.json",
    "scicat-desy": "oscars_pan_finder_desy_fs_data_20260316143430411689.json",
}


def panosc_source(source_id: str, url: str) -> Source:
    return Source(
        id=source_id,
        name=source_id,
        protocol="panosc-api",
        url=url + "api",
        metadata_prefix="panosc-document",
    )


def scicat_source(source_id: str, url: str) -> Source:
    return Source(
        id=source_id, name=source_id, protocol="scicat", url=url + "api/v3", metadata_prefix="scicat"
    )


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


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    path: Path = tmp_path_factory.mktemp("catalogue") / "raw.sqlite"
    with RawStore(path) as store:
        c = Corpus(store)
        for source_id, db in PANOSC_SOURCES.items():
            with LoopbackServer(panosc_app(LoopbackDb(PANOSC_DB / db))) as server:
                c.summaries[source_id] = harvest_source(
                    panosc_source(source_id, server.url), store, policy=POLICY
                )
        scicat_data = {k: pan_finder_scicat(v) for k, v in SCICAT_SOURCES.items()}
        scicat_data["scicat-seed"] = (seed("PublishedData"), seed("Dataset"))
        for source_id, (published, datasets) in scicat_data.items():
            with LoopbackServer(scicat_app(published, datasets)) as server:
                c.summaries[source_id] = harvest_source(
                    scicat_source(source_id, server.url), store, policy=POLICY
                )
        for source_id in c.summaries:
            for record in store.records(source_id):
                try:
                    m = crosswalk(record)
                except MappingError as exc:
                    c.errors.append(exc)
                    continue
                c.mapped[(source_id, record.identifier)] = m
                c.graph.extend(m.quads())
        yield c
