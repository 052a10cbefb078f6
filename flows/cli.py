"""The `pankg` command line. Each stage package contributes its sub-commands through `add_commands`."""

from __future__ import annotations

import argparse
import importlib
import sys

# Modules that define `add_commands(subparsers)`; one line per stage.
COMMAND_MODULES = [
    "flows.commands",
    "mappings.cli",
    "graph.cli",
    "shapes.cli",
    "flows.schedule_commands",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pankg", description="PaN metadata harvester and knowledge graph")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
