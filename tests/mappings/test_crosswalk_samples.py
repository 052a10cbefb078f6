"""Every DataCite and OAI-PMH sample in shared/data is mapped, and the model facts others rely on hold."""

from __future__ import annotations

import pytest

from mappings import MappedRecord, crosswalk, iris
from mappings.vocab import DCAT, DCT, FOAF, RDF, SDO
from tests.support.sample_records import all_records, live_records

LIVE = live_records()


def test_sample_inventory() -> None:
    names = {name.split("#")[0] for name, _ in all_records()}
    # kernel-4 + kernel-3 examples, REST-API XML, oai_datacite wrapper, viringo, zenodo datacite + oai_dc
    assert any(n.startswith("datacite/kernel-3/") for n in names)
    assert "oai-pmh/datacite-viringo/oai_getrecord_oaidatacite.xml" in names
    assert "oai-pmh/zenodo-2024-01/list_records-07.xml" in names  # datacite page
    assert "oai-pmh/pyoai-dspace-erasmus/fake2/00002.xml" in names
    prefixes = {r.metadata_prefix for _, r in LIVE}
    assert prefixes == {"datacite", "oai_datacite", "oai_dc"}
    assert len(LIVE) > 170


@pytest.fixture(scope="module")
def mapped(panet) -> dict[str, MappedRecord]:
    return {name: crosswalk(rec, panet=panet) for name, rec in LIVE}


def test_every_sample_maps(mapped) -> None:
    assert len(mapped) == len(LIVE)


@pytest.mark.parametrize("name", [n for n, _ in LIVE])
def test_model_facts(mapped, name: str) -> None:
    m = mapped[name]
    rec = dict(LIVE)[name]
    ds = m.dataset_iri
    by_pred: dict = {}
    for t in m.triples:
        if t.subject.value == ds:
            by_pred.setdefault(t.predicate, []).append(t.object)
    types = {o.value for o in by_pred[RDF.type]}
    assert {DCAT.Dataset.value, SDO.Dataset.value} <= types
    assert by_pred[DCT.title] and by_pred[DCT.identifier]
    assert m.graph_iri == iris.graph_iri(rec.source, rec.identifier)
    if ds.startswith("https://doi.org/"):
        assert ds == ds.lower() or "%" in ds
    for agent in by_pred.get(DCT.publisher, []) + by_pred.get(DCT.creator, []):
        assert any(t.subject == agent and t.predicate == FOAF.name for t in m.triples)
    for issued in by_pred.get(DCT.issued, []):
        assert issued.datatype.value.rsplit("#", 1)[1] in {"date", "gYear", "gYearMonth", "dateTime"}


def test_deleted_records_are_not_mapped() -> None:
    deleted = [r for _, r in all_records() if r.deleted]
    assert deleted
    from mappings import MappingError

    with pytest.raises(MappingError) as exc:
        crosswalk(deleted[0])
    assert exc.value.field == "payload"
