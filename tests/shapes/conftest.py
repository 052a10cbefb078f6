"""Fixtures of the validation tests: the real PaNET release and the real mapped samples."""

from __future__ import annotations

import pytest
import rdflib

from shapes.validate import load_ontology
from tests.shapes.samples import Record, mapped_samples, panet_path


@pytest.fixture(scope="session")
def panet() -> rdflib.Graph:
    return load_ontology(panet_path())


@pytest.fixture(scope="session")
def samples() -> tuple[Record, ...]:
    return mapped_samples()
