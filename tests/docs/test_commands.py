"""Every command the README and docs/*.md show still runs (docs/README.md, "Commands in these docs").

Blocks fenced as ```sh runnable``` are run, page by page in a fresh data dir, and must exit 0. Every other
`pankg VERB ...` shown anywhere (shell, console and text blocks, inline code) must name a verb that
`pankg --help` lists and only flags that `pankg VERB --help` lists; every `python -m MODULE` must name a
module that exists.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.support.shared_data import REPO, shared

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
VENV_BIN = Path(sys.executable).parent
PANKG = VENV_BIN / "pankg"

RUNNABLE = "sh runnable"
# Blocks whose text may show commands; code in other languages (python, toml, turtle, sparql, ...) is not.
COMMAND_LANGUAGES = {"", "sh", "bash", "shell", "console", "text", "markdown"}
FENCE = re.compile(r"^ *(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
INLINE_CODE = re.compile(r"(`+)(?P<code>.+?)\1")
# `pankg VERB ...` or `pankg --flag` (no verb), also as `.venv/bin/pankg`; not `pankg:` (log lines, the
# vocabulary prefix) nor `pankg.conf`.
PANKG_COMMAND = re.compile(
    r"(?:^|(?<=[\s=(\"'$]))(?:\S*/)?pankg\s+(?:(?P<verb>[a-z][a-z-]*)|(?=--))(?P<rest>.*)"
)
# Where a shown command ends and the next one (or prose) begins.
COMMAND_END = re.compile(r"`|;|&&|\|\||\s\|\s|\s#\s")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
PYTHON_MODULE = re.compile(r"python[\d.]*\s+-m\s+(?P<module>[a-z_][\w.]*)")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    info: str
    text: str

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info.split() else ""

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def fenced_blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a markdown page; a fence closes only with the same character, as long."""
    blocks: list[Block] = []
    opening: tuple[str, str, int] | None = None
    body: list[str] = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        match = FENCE.match(line)
        if opening is None:
            if match:
                opening = (match["fence"], match["info"].strip(), number)
                body = []
        elif match and match["fence"][0] == opening[0][0] and len(match["fence"]) >= len(opening[0]):
            if not match["info"].strip():
                blocks.append(Block(page, opening[2], opening[1], "\n".join(body) + "\n"))
                opening = None
            else:
                body.append(line)
        else:
            body.append(line)
    assert opening is None, f"{page.relative_to(REPO)}:{opening[2]}: fenced block never closed"
    return blocks


def prose_lines(page: Path) -> Iterator[tuple[int, str]]:
    """The page's lines outside fenced blocks, numbered."""
    fence: str | None = None
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        match = FENCE.match(line)
        if fence is None and match:
            fence = match["fence"]
        elif fence is not None and match and match["fence"].startswith(fence) and not match["info"].strip():
            fence = None
        elif fence is None:
            yield number, line


def shown_text(page: Path) -> Iterator[tuple[str, str]]:
    """(where, text) of everything on the page that may show a command: command blocks and inline code."""
    for block in fenced_blocks(page):
        if block.language in COMMAND_LANGUAGES:
            # A backslash at the end of a line continues the command on the next one.
            for offset, line in enumerate(block.text.replace("\\\n", " ").splitlines(), start=1):
                yield f"{block.where}+{offset}", line
    for number, line in prose_lines(page):
        for match in INLINE_CODE.finditer(line):
            yield f"{page.relative_to(REPO)}:{number}", match["code"]


@dataclass(frozen=True)
class ShownCommand:
    where: str
    verb: str
    flags: tuple[str, ...]
    text: str


def shown_commands(page: Path) -> Iterator[ShownCommand]:
    for where, text in shown_text(page):
        for match in PANKG_COMMAND.finditer(text):
            rest = COMMAND_END.split(match["rest"], maxsplit=1)[0]
            flags = tuple(flag.split("=")[0] for flag in FLAG.findall(rest))
            verb = match["verb"] or ""
            yield ShownCommand(where, verb, flags, " ".join(f"pankg {verb}{rest}".split()))


def help_text(*args: str) -> str:
    result = subprocess.run(
        [str(PANKG), *args, "--help"], capture_output=True, text=True, check=True, cwd=REPO, timeout=120
    )
    return result.stdout


@cache
def cli_flags() -> dict[str, frozenset[str]]:
    """Each verb `pankg --help` lists, with the flags its own --help lists (from the option lines only);
    under "" the flags of `pankg` itself."""
    verbs = [
        match[1]
        for line in help_text().splitlines()
        if (match := re.match(r"^ {4}([a-z][a-z-]*)(?:\s|$)", line))
    ]
    assert verbs, "pankg --help lists no commands"

    def flags_of(verb: str) -> frozenset[str]:
        flags: set[str] = set()
        for line in help_text(*([verb] if verb else [])).splitlines():
            if re.match(r"^ {2,4}-", line):
                invocation = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
                flags.update(FLAG.findall(invocation))
        return frozenset(flags)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(["", *verbs], pool.map(flags_of, ["", *verbs]), strict=True))


def runnable_blocks(page: Path) -> list[Block]:
    return [block for block in fenced_blocks(page) if block.info == RUNNABLE]


RUNNABLE_PAGES = [page for page in PAGES if runnable_blocks(page)]
# These verbs run a Prefect flow (ephemeral server): such a page is left out of `make test-fast`.
RUNS_A_FLOW = re.compile(r"\bpankg\s+(?:harvest|remap|reharvest|schedule)\b")


def runnable_page(page: Path) -> object:
    runs_a_flow = any(RUNS_A_FLOW.search(block.text) for block in runnable_blocks(page))
    marks = [pytest.mark.prefect_server] if runs_a_flow else []
    return pytest.param(page, marks=marks, id=str(page.relative_to(REPO)))


def test_the_docs_mark_runnable_blocks() -> None:
    """A marker the parser stopped seeing would make every page pass without running anything."""
    assert {"README.md", "operations.md", "crosswalk.md"} <= {page.name for page in RUNNABLE_PAGES}


# A page's blocks run in order in one data dir: the operations page harvests, then queries what it loaded.
@pytest.mark.timeout(900)
@pytest.mark.parametrize("page", [runnable_page(page) for page in RUNNABLE_PAGES])
def test_runnable_blocks_exit_0(page: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PANKG_DATA_DIR": str(tmp_path / "data"),
        "PANKG_PANET": str(shared("panet", "PaNET-1.3.0.owl")),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        # Offline on every machine: a request beyond loopback goes to a closed port and fails at once.
        **dict.fromkeys(["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"], "http://127.0.0.1:9"),
        **dict.fromkeys(["NO_PROXY", "no_proxy"], "127.0.0.1,localhost"),
    }
    (tmp_path / "data").mkdir()
    for block in runnable_blocks(page):
        result = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block.text],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, (
            f"{block.where}: exit {result.returncode}\n--- block\n{block.text}"
            f"--- stdout\n{result.stdout[-4000:]}--- stderr\n{result.stderr[-4000:]}"
        )


def test_every_pankg_command_shown_exists() -> None:
    known = cli_flags()
    shown = [command for page in PAGES for command in shown_commands(page)]
    assert len(shown) > 50, "the command parser found almost nothing: has the docs' form changed?"
    wrong = [
        f"{command.where}: {command.text!r}: "
        + (f"no verb {command.verb!r}" if command.verb not in known else f"no flag(s) {sorted(unknown)}")
        for command in shown
        if command.verb not in known or (unknown := set(command.flags) - known[command.verb])
    ]
    assert not wrong, "commands the docs show that pankg does not have:\n" + "\n".join(wrong)


def test_every_python_module_shown_exists() -> None:
    shown = {
        (where, match["module"])
        for page in PAGES
        for where, text in shown_text(page)
        for match in PYTHON_MODULE.finditer(text)
    }
    assert shown, "no `python -m` found: has the docs' form changed?"
    exists = modules_exist(sorted({module for _, module in shown}))
    missing = sorted(f"{where}: python -m {module}" for where, module in shown if not exists[module])
    assert not missing, "modules the docs run that do not exist:\n" + "\n".join(missing)


def modules_exist(names: list[str]) -> dict[str, bool]:
    """Whether `python -m NAME` finds each module when run from the repository root, as the docs run it."""
    probe = (
        "import importlib.util, json, sys\n"
        "def found(name):\n"
        "    try:\n"
        "        return importlib.util.find_spec(name) is not None\n"
        "    except ModuleNotFoundError:\n"
        "        return False\n"
        "print(json.dumps({name: found(name) for name in sys.argv[1:]}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *names],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        timeout=120,
    )
    return json.loads(result.stdout)


MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")


def heading_anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    for _, line in prose_lines(page):
        if match := re.match(r"^#{1,6}\s+(.*)$", line):
            anchors.add(re.sub(r"[^\w\- ]", "", match[1].strip().lower()).replace(" ", "-"))
    return anchors


def test_every_link_between_the_pages_resolves() -> None:
    broken = []
    for page in PAGES:
        for number, line in prose_lines(page):
            for match in MARKDOWN_LINK.finditer(line):
                target = match["target"]
                if re.match(r"^[a-z]+:", target):  # http(s), mailto: not followed offline
                    continue
                path, _, anchor = target.partition("#")
                linked = (page.parent / path).resolve() if path else page
                if not linked.exists():
                    broken.append(f"{page.relative_to(REPO)}:{number}: {target}: no such file")
                elif anchor and linked.suffix == ".md" and anchor not in heading_anchors(linked):
                    broken.append(f"{page.relative_to(REPO)}:{number}: {target}: no such heading")
    assert not broken, "links that lead nowhere:\n" + "\n".join(broken)


# A measured rate in prose; settings (time-outs, limits) are not figures and may stand anywhere.
THROUGHPUT_FIGURE = re.compile(
    r"\d[\d,.]*\s?(?:records|quads|triples)(?:/s| per (?:CPU |wall )?second)\b", re.IGNORECASE
)


def test_figures_stand_only_in_bench_results() -> None:
    """Throughput is measured by a command and written next to it (bench/RESULTS.md), not copied into prose."""
    copied = [
        f"{page.relative_to(REPO)}:{number}: {match[0]}"
        for page in PAGES
        for number, line in prose_lines(page)
        for match in THROUGHPUT_FIGURE.finditer(line)
    ]
    assert not copied, "figures outside bench/RESULTS.md (link to it instead):\n" + "\n".join(copied)


def test_the_readme_is_a_front_page() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines < 250, f"README.md has {lines} lines: keep it a front page and move the rest into docs/"
