"""Harvest-side sub-commands (filled in by the foundation work)."""

from __future__ import annotations

import argparse


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    pass
