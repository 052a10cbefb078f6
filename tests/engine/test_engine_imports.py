"""The processing engine stands without Prefect: importing `flows.engine` (every module of it) loads no
Prefect module, so the CLI, the bench and any other runner can use it with Prefect absent."""

from __future__ import annotations

import subprocess
import sys

from tests.support.shared_data import REPO

CHECK = """
import pkgutil, importlib, sys
import flows.engine
for module in pkgutil.iter_modules(flows.engine.__path__):
    importlib.import_module(f"flows.engine.{module.name}")
print(sorted(m for m in sys.modules if m == "prefect" or m.startswith("prefect.")))
"""


def test_importing_the_engine_imports_no_prefect() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
