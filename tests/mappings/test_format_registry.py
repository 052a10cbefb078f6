"""The format registry: every format module is in it, each prefix has one reader, and what the registry
holds is what `pankg crosswalk --format` offers, what sources.toml harvests and what a saved page gives."""

from __future__ import annotations

import importlib
import pkgutil
import re
import textwrap
from pathlib import Path

import pytest

import mappings
from flows.cli import main
from harvesters.records import RawRecord
from harvesters.sources import load_sources
from mappings import FORMAT_MODULES, FORMATS, REGISTERED, MappingError, crosswalk, sniff_format
from mappings.formats import Format
from mappings.oaipmh import read_page
from tests.support.shared_data import SHARED_DATA as SHARED

REPO = Path(__file__).resolve().parents[2]


def test_every_format_module_is_registered() -> None:
    declaring = []
    for module_info in pkgutil.iter_modules(mappings.__path__):
        module = importlib.import_module(f"mappings.{module_info.name}")
        declared = getattr(module, "FORMATS", None)
        if isinstance(declared, tuple) and all(isinstance(f, Format) for f in declared):
            declaring.append(module)
    assert sorted(m.__name__ for m in declaring) == sorted(m.__name__ for m in FORMAT_MODULES)


def test_each_prefix_has_exactly_one_reader() -> None:
    prefixes = [p for fmt in REGISTERED for p in fmt.prefixes]
    assert len(prefixes) == len(set(prefixes)) == len(FORMATS)
    assert {
        "datacite",
        "oai_datacite",
        "oai_dc",
        "panosc-document",
        "scicat-dataset",
        "scicat-published",
    } <= set(FORMATS)


def test_crosswalk_offers_every_registered_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["crosswalk", "--help"])
    usage = capsys.readouterr().out
    choices = re.search(r"--format \{([^}]*)\}", usage)
    assert choices is not None, usage
    assert choices.group(1).split(",") == ["auto", *sorted(FORMATS)]


def test_every_shipped_source_harvests_a_registered_prefix() -> None:
    harvested = {s.metadata_prefix for s in load_sources(REPO / "sources.toml").values()}
    assert harvested <= set(FORMATS)


def test_sniffing_an_unknown_file_names_the_registered_formats() -> None:
    with pytest.raises(ValueError, match=r"unknown root element <rss> \(known formats: DataCite"):
        sniff_format(b"<rss/>")


def test_a_saved_page_gives_the_harvesters_findings() -> None:
    """A record without an identifier is skipped with the harvest's finding, never mapped as a deletion."""
    page = read_page((SHARED / "oai-pmh" / "sickle-sample-data" / "ListRecords4.xml").read_bytes(), "s")
    assert "page: record #1 without identifier skipped" in page.findings
    assert all(r.identifier for r in page.records)


def test_crosswalk_of_a_saved_page_warns_as_the_harvest_reports(capsys: pytest.CaptureFixture[str]) -> None:
    page = SHARED / "oai-pmh" / "sickle-sample-data" / "ListRecords4.xml"
    assert main(["crosswalk", "--no-panet", "--to", "nquads", str(page)]) == 0
    assert f"warning: {page}: record #1 without identifier skipped" in capsys.readouterr().err
    identify = SHARED / "oai-pmh" / "sickle-sample-data" / "Identify.xml"
    assert main(["crosswalk", "--no-panet", str(identify)]) == 1
    assert "response without <ListRecords> or <GetRecord>" in capsys.readouterr().err


def test_the_format_in_docs_extending_works_once_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example module of docs/extending.md, registered as step 2 says, maps and sniffs its files."""
    doc = (REPO / "docs" / "extending.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", doc, re.DOTALL)
    assert example is not None
    module: dict[str, object] = {}
    exec(textwrap.dedent(example.group(1)), module)  # our own documentation, run as written
    (fmt,) = module["FORMATS"]  # type: ignore[misc]
    assert isinstance(fmt, Format)
    monkeypatch.setattr(mappings, "REGISTERED", (*REGISTERED, fmt))
    for prefix in fmt.prefixes:
        monkeypatch.setitem(FORMATS, prefix, fmt.read)
    item = b'{"myFormatVersion": 1, "title": "A dataset described in my format"}'
    assert sniff_format(item) == "my-format"
    mapped = crosswalk(RawRecord("docs", "item-1", "", "my-format", item))
    assert any(t.object.value == "A dataset described in my format" for t in mapped.triples)
    with pytest.raises(MappingError, match="'title'"):
        crosswalk(RawRecord("docs", "item-2", "", "my-format", b'{"myFormatVersion": 1}'))
