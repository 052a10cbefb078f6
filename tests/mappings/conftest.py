from __future__ import annotations

import pytest

from mappings.panet import PanetIndex
from tests.support.sample_records import PANET_OWL, SHARED


def pytest_collection_modifyitems(config, items):
    if not SHARED.exists():
        skip = pytest.mark.skip(reason=f"shared test data not found at {SHARED}")
        for item in items:
            if "tests/mappings" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def panet() -> PanetIndex:
    return PanetIndex.load(PANET_OWL)
