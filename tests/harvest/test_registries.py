"""The registries a user writes against: protocols (sources.toml `protocol`) and the keys of a source table.

Every protocol module declares itself and is in the registry; sources.toml validation accepts exactly the
registered protocols; every key a source table may set is read by the code (a switch that nothing reads
promises what does not happen).
"""

from __future__ import annotations

import ast
import importlib
import logging
import pkgutil
import re
from dataclasses import fields
from pathlib import Path

import pytest

import harvesters
from harvesters.protocols import PROTOCOLS
from harvesters.records import HarvestProtocol
from harvesters.sources import Source, SourcesError, load_sources

REPO = Path(__file__).resolve().parents[2]
CODE = ("harvesters", "mappings", "shapes", "graph", "flows", "bench")


def test_every_protocol_module_is_registered() -> None:
    declared = {}
    for module_info in pkgutil.iter_modules(harvesters.__path__):
        module = importlib.import_module(f"harvesters.{module_info.name}")
        if isinstance(getattr(module, "PROTOCOL", None), HarvestProtocol):
            declared[module.PROTOCOL.name] = module.PROTOCOL
    assert declared == PROTOCOLS
    assert {"oai-pmh", "panosc-api", "scicat"} <= set(PROTOCOLS)


def _registry(tmp_path: Path, protocol: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(f'[x]\nname = "X"\nprotocol = "{protocol}"\nurl = "https://example.org/"\n', "utf-8")
    return path


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_sources_toml_accepts_every_registered_protocol(tmp_path: Path, protocol: str) -> None:
    assert load_sources(_registry(tmp_path, protocol))["x"].protocol == protocol


def test_sources_toml_refuses_an_unregistered_protocol_naming_the_registered(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match=f"protocol 'ftp' is not one of {', '.join(PROTOCOLS)}$"):
        load_sources(_registry(tmp_path, "ftp"))


def test_shipped_sources_use_registered_protocols() -> None:
    assert {s.protocol for s in load_sources(REPO / "sources.toml").values()} <= set(PROTOCOLS)


# A source is read as `source.x`, `self.source.x`, `s.x` (and as `self.x` inside the Source class).
_SOURCE_RECEIVER = re.compile(r"(?:^|\.)(?:\w*source|s|src)$")


def _source_keys_read() -> set[str]:
    read: set[str] = set()
    for package in CODE:
        for path in (REPO / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            in_sources = path == REPO / "harvesters" / "sources.py"
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                    receiver = ast.unparse(node.value)
                    if _SOURCE_RECEIVER.search(receiver) or (in_sources and receiver == "self"):
                        read.add(node.attr)
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "getattr"
                    and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)
                ):
                    read.add(str(node.args[1].value))
    return read


def test_every_source_key_is_read_by_the_code() -> None:
    keys = {f.name for f in fields(Source)}
    unread = keys - _source_keys_read()
    assert not unread, f"sources.toml keys that no code reads (wire them or delete them): {sorted(unread)}"


def test_a_retired_key_is_accepted_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _registry(tmp_path, "oai-pmh")
    path.write_text(path.read_text("utf-8") + "no_deleted_records = true\n", "utf-8")
    with caplog.at_level(logging.WARNING, logger="harvesters.sources"):
        sources = load_sources(path)
    assert sources["x"].url == "https://example.org/"
    assert "no_deleted_records does nothing" in caplog.text
