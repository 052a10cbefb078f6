"""The catalogue crosswalk against the same shapes as the DataCite crosswalk (official DCAT-AP 3.0.1 release
and HTML shapes, Google-required schema.org), on every record whose datasets all carry what the shapes
require and the APIs may simply not have (a description; for Google also a URL)."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
import rdflib

from mappings import MappedRecord
from mappings.vocab import DCAT, DCT, SDO
from tests.catalogue.corpus import Corpus

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mappings"))
from test_crosswalk_shapes import SHAPE_SETS, _shapes  # the DataCite crosswalk's shape sets


def _eligible(m: MappedRecord, google: bool) -> bool:
    datasets = {
        t.subject for t in m.triples if t.predicate.value.endswith("#type") and t.object == DCAT.Dataset
    }

    def has(node: object, pred: pyoxigraph.NamedNode, min_len: int = 1) -> bool:
        return any(
            t.subject == node and t.predicate == pred and len(t.object.value) >= min_len for t in m.triples
        )

    if google:
        return all(has(d, SDO.description, 50) and has(d, SDO.url) for d in datasets)
    return all(has(d, DCT.description) and has(d, DCT.title) for d in datasets)


@pytest.mark.slow
@pytest.mark.parametrize("shape_set", list(SHAPE_SETS))
def test_catalogue_output_passes_the_crosswalk_shapes(corpus: Corpus, shape_set: str) -> None:
    google = shape_set == "google-required"
    eligible = [m for m in corpus.mapped.values() if _eligible(m, google)]
    # 65 records for DCAT-AP, 18 for Google on the samples (most PaN datasets have no description).
    assert len(eligible) >= (18 if google else 65)
    data = rdflib.Graph()
    nt = pyoxigraph.serialize([t for m in eligible for t in m.triples], format=pyoxigraph.RdfFormat.N_TRIPLES)
    data.parse(data=nt.decode(), format="nt")
    conforms, _, report = pyshacl.validate(data, shacl_graph=_shapes(SHAPE_SETS[shape_set]), advanced=True)
    assert conforms, report[:3000]


@pytest.mark.slow
def test_catalogue_records_get_the_same_reports_from_both_engines(corpus: Corpus) -> None:
    """The gate's fast engine (shacl) against pySHACL on every PaN search API and SciCat record."""
    from shapes.validate import validate_batch

    records = list(corpus.mapped.values())
    reference = validate_batch(records, engine="pyshacl")
    fast = validate_batch(records, engine="shacl")
    assert set(fast) == set(reference)
    assert [
        g
        for g in reference
        if (reference[g].status, reference[g].results) != (fast[g].status, fast[g].results)
    ] == []
    assert {r.status for r in reference.values()} >= {"quarantined", "warned"}
