"""SciCat public API (v3): published data (DOIs) and public datasets (PaNET technique ids).

One source = one SciCat instance; both collections are pulled in one run, so a published-data record and
the datasets it lists share a source and their links resolve. Raw identifiers are `PublishedData/<doi>`
and `Dataset/<pid>` (`catalogue.dataset_key`; a DESY dataset's pid can equal its publication's DOI);
`mappings/scicat.py` mints dataset IRIs from the same key. `source.url` is the API base
(the part before `/Datasets`, e.g. `https://HOST/api/v3`).
"""

from __future__ import annotations

from typing import Any

from harvesters.catalogue import CatalogueClient, Collection, dataset_key
from harvesters.records import HarvestProtocol

DATASET_PREFIX = "scicat-dataset"
PUBLISHED_PREFIX = "scicat-published"


def _public_datasets() -> dict[str, Any]:
    return {"where": {"isPublished": True}}


PUBLISHED = Collection(
    path="PublishedData",
    metadata_prefix=PUBLISHED_PREFIX,
    id_keys=("doi", "_id", "id"),
    date_keys=("updatedAt", "registeredTime", "createdAt"),
)
DATASETS = Collection(
    path="Datasets",
    metadata_prefix=DATASET_PREFIX,
    id_keys=("pid", "_id", "id"),
    date_keys=("updatedAt", "createdAt"),
    filter_extra=_public_datasets,
)


class SciCatClient(CatalogueClient):
    def collections(self) -> list[Collection]:
        return [PUBLISHED, DATASETS]

    def paging(self, limit: int, skip: int) -> dict[str, Any]:
        # The NestJS backend reads `limits`, the older LoopBack backend top-level limit / skip: send both.
        return {"limit": limit, "skip": skip, "limits": {"limit": limit, "skip": skip}}

    def identifier(self, collection: Collection, item_id: str) -> str:
        return f"PublishedData/{item_id}" if collection is PUBLISHED else dataset_key(item_id)

    def split_identifier(self, identifier: str) -> tuple[Collection, str]:
        kind, _, pid = identifier.partition("/")
        return (PUBLISHED if kind == "PublishedData" else DATASETS), pid


PROTOCOL = HarvestProtocol(name="scicat", client=SciCatClient)
