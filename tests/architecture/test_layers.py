"""The layering rule of docs/architecture.md, enforced: a module imports only from its own layer or lower
ones (harvest -> raw store -> crosswalk -> validate -> load -> serve/publish, flows on top), the engine
and everything below it never import Prefect, and no product module imports the tests or the bench."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PRODUCT = ("harvesters", "mappings", "shapes", "graph", "flows")

# Lowest first. A module belongs to the most specific prefix listed; within one rank imports are free.
LAYERS: list[tuple[str, ...]] = [
    ("harvesters",),  # fetch bytes; the raw store
    ("mappings",),  # crosswalk: raw record -> RDF
    ("shapes",),  # the SHACL gate, quarantine, quality report
    ("graph",),  # load, the store, serve
    ("flows.settings", "flows.reference", "flows.engine"),  # configuration; the Prefect-free engine
    ("flows",),  # Prefect flows, tasks, deployments, the scheduler
    ("flows.cli",),  # the `pankg` command line
    ("bench",),  # measurements on top of everything
]
# Prefect stays in the orchestration layers: the engine and the stages run without it.
PREFECT_FREE_BELOW = 5


def rank_of(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for rank, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                specificity = prefix.count(".")
                if best is None or specificity > best[1]:
                    best = (rank, specificity)
    return best[0] if best else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module an import statement names, at any depth (function-level imports count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def modules() -> list[Path]:
    return sorted(p for top in (*PRODUCT, "bench") for p in (REPO / top).rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    assert modules(), "no modules found"
    assert [module_name(p) for p in modules() if rank_of(module_name(p)) is None] == []


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_imports_go_downwards_only(path: Path) -> None:
    own = module_name(path)
    own_rank = rank_of(own)
    assert own_rank is not None
    wrong = []
    for line, target in imports(path):
        top = target.split(".")[0]
        if top in ("tests", "bench") and own.split(".")[0] in PRODUCT:
            wrong.append(f"line {line}: {target} (the product never imports {top}/)")
        if top == "prefect" and own_rank < PREFECT_FREE_BELOW:
            wrong.append(f"line {line}: prefect (layer {LAYERS[own_rank]} runs without Prefect)")
        target_rank = rank_of(target)
        if target_rank is not None and target_rank > own_rank:
            wrong.append(f"line {line}: {target} is in a higher layer ({LAYERS[target_rank][0]})")
    assert not wrong, f"{own} imports upwards:\n" + "\n".join(wrong)


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: a lower-layer module naming a higher one is found."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from flows.cli import main\n", encoding="utf-8")
    assert imports(probe) == [(2, "flows.cli")]
    assert rank_of("flows.cli.graph") > rank_of("graph.store")  # type: ignore[operator]
    assert rank_of("flows.engine.run") < rank_of("flows.harvest")  # type: ignore[operator]
