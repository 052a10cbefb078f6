"""The protocol registry as the tests see it: the one place that names where the harvest stage registers its
protocol clients, so moving or renaming that registry is a one-line change here."""

from __future__ import annotations

from harvesters.protocols import PROTOCOLS


def registered_protocols() -> list[str]:
    """Every protocol name a source may give in sources.toml, sorted."""
    return sorted(PROTOCOLS)


def pulls_whole(protocol: str) -> bool:
    """Whether the protocol's client lists everything every run (no datestamp windows, no deletion signal)."""
    return bool(getattr(PROTOCOLS[protocol].client, "full_pulls_only", False))
