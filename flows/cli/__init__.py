"""The `pankg` command line: the top of the layers. Each module of this package contributes the
sub-commands of one job through `add_commands`; every command takes the same setting options
(`flows.settings.DECLARED`), and the settings are built once, here, and passed to the command."""

from __future__ import annotations

import argparse
import importlib
import sys
from importlib.metadata import PackageNotFoundError, version

from flows.settings import Settings, SettingsError

# One line per job; the order is the order of `pankg --help`.
COMMAND_MODULES = [
    "flows.cli.harvest",
    "flows.cli.crosswalk",
    "flows.cli.graph",
    "flows.cli.quality",
    "flows.cli.schedule",
]


def package_version() -> str:
    try:
        return version("pan-kg")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pankg", description="PaN metadata harvester and knowledge graph")
    parser.add_argument("--version", action="version", version=f"pankg {package_version()}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_args(args)
    except SettingsError as exc:
        print(f"pankg: {exc}", file=sys.stderr)
        return 2
    return int(args.func(args, settings) or 0)
