"""PaN search API (the PaNOSC federated search API, LoopBack 3): Documents with their Datasets.

One raw record per `Document`, with its datasets (techniques, instrument, parameters, samples, files), its
members (person, affiliation) and its own parameters included, so a record is everything the crosswalk
needs for one document. `source.url` is the API base (the part before `/Documents`).
"""

from __future__ import annotations

from typing import Any

from harvesters.catalogue import CatalogueClient, Collection
from harvesters.records import HarvestProtocol

DOCUMENT_PREFIX = "panosc-document"

# LoopBack include with scopes: the relations of the reference data model (search-api common/models).
DATASET_INCLUDE: list[Any] = [
    {"relation": "techniques"},
    {"relation": "instrument"},
    {"relation": "parameters"},
    {"relation": "samples"},
    {"relation": "files"},
]
DOCUMENT_INCLUDE: list[Any] = [
    {"relation": "datasets", "scope": {"include": DATASET_INCLUDE}},
    {"relation": "members", "scope": {"include": [{"relation": "person"}, {"relation": "affiliation"}]}},
    {"relation": "parameters"},
]


def _document_filter() -> dict[str, Any]:
    return {"include": DOCUMENT_INCLUDE}


DOCUMENTS = Collection(
    path="Documents",
    metadata_prefix=DOCUMENT_PREFIX,
    id_keys=("pid",),
    date_keys=("releaseDate", "endDate", "startDate"),
    filter_extra=_document_filter,
)


class PanoscApiClient(CatalogueClient):
    def collections(self) -> list[Collection]:
        return [DOCUMENTS]


PROTOCOL = HarvestProtocol(name="panosc-api", client=PanoscApiClient)
