"""The protocol registry: every harvest protocol, by the name sources.toml gives as `protocol`.

Each protocol module declares itself as ``PROTOCOL = HarvestProtocol(name, client)``; this module collects
them. `harvesters.sources` validates sources.toml against it and `harvesters.harvest` opens clients from
it. Adding a protocol: docs/extending.md.
"""

from __future__ import annotations

from harvesters import oai_pmh, panosc_api, scicat
from harvesters.records import HarvestProtocol

PROTOCOLS: dict[str, HarvestProtocol] = {
    module.PROTOCOL.name: module.PROTOCOL for module in (oai_pmh, panosc_api, scicat)
}
