"""Command-line pieces shared by the commands of the shapes layer and above: the SHACL engine option and
plain-text tables."""

from __future__ import annotations

import argparse

from shapes.validate import ENGINE_ENV, ENGINES


def add_engine(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shacl-engine", choices=ENGINES,
        help=f"SHACL engine of the gate (default: ${ENGINE_ENV} or pyshacl, the reference; shacl gives the same "
        "reports ~20x faster)",
    )  # fmt: skip


def text_table(header: list[str], rows: list[list[object]]) -> str:
    """Columns padded to their widest cell; None prints empty."""
    cells = [header, *[[("" if c is None else str(c)) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )
