"""What every `pankg` command shares: its parser with the setting options, the text table, the refusal."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from flows.settings import add_setting_options

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subparsers = argparse._SubParsersAction


def command(subparsers: Subparsers, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A sub-command that takes the common setting options (--data-dir, --sources, --panet, --base-iri,
    --shacl-engine, --public-endpoint), so no command ignores a setting that another one honours."""
    parser: argparse.ArgumentParser = subparsers.add_parser(name, **kwargs)
    add_setting_options(parser.add_argument_group("settings (flag > environment > default)"))
    return parser


def add_selection(parser: argparse.ArgumentParser) -> None:
    """What to fetch: shared by `pankg harvest` and a steward's `pankg reharvest`."""
    parser.add_argument("--full", action="store_true", help="pull everything (deletions by set difference)")
    parser.add_argument("--since", metavar="DATE", help="records changed since DATE (OAI datestamp)")
    parser.add_argument("--until", metavar="DATE", help="records changed until DATE (OAI datestamp)")
    parser.add_argument(
        "--record", action="append", metavar="ID", dest="records",
        help="fetch just this record (OAI identifier; repeatable), then map, validate and load it",
    )  # fmt: skip


def text_table(header: list[str], rows: list[list[object]]) -> str:
    cells = [header, *[[("" if c is None else str(c)) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


def refuse(command_name: str, message: object, code: int = 2) -> int:
    print(f"pankg {command_name}: {message}" if command_name else f"pankg: {message}", file=sys.stderr)
    return code
