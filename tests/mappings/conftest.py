from __future__ import annotations

import pytest
from crosswalk_samples import PANET_OWL, SHARED

from mappings.panet import PanetIndex


def pytest_collection_modifyitems(config, items):
    if not SHARED.exists():
        skip = pytest.mark.skip(reason=f"shared test data not found at {SHARED}")
        for item in items:
            if "tests/mappings" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def panet() -> PanetIndex:
    return PanetIndex.load(PANET_OWL)
