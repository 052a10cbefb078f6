"""Real catalogue samples served on loopback, harvested once per session into a raw store and mapped into an
in-memory pyoxigraph store (one named graph per record, as the load stage does)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harvesters.harvest import harvest_source
from harvesters.raw_store import RawStore
from mappings import MappingError, crosswalk
from tests.catalogue.corpus import Corpus
from tests.support.catalogue_servers import (
    PANOSC_DB,
    LoopbackDb,
    pan_finder_scicat,
    panosc_app,
    scicat_app,
    seed,
)
from tests.support.catalogue_sources import POLICY, panosc_source, scicat_source
from tests.support.http_server import LoopbackServer

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
