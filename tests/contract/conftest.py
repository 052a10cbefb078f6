"""The contract provider of each registered protocol (tests/contract/providers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.providers import PROVIDERS, ContractProvider
from tests.support.protocols import registered_protocols


@pytest.fixture(params=registered_protocols())
def provider(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ContractProvider]:
    factory = PROVIDERS.get(request.param)
    if factory is None:
        pytest.fail(
            f"protocol {request.param!r} is registered but has no contract provider:"
            " add one to PROVIDERS in tests/contract/providers.py"
        )
    with factory(tmp_path, monkeypatch) as contract_provider:
        yield contract_provider
