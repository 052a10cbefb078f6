"""The shacl engine gives exactly pySHACL's reports (the reference) on the whole test corpus: every real sample,
the official DCAT-AP examples, every broken variant, and records varied by the bench, in mixed batches."""

from __future__ import annotations

import pytest
from pyoxigraph import BlankNode

from shapes.validate import DEFAULT_ENGINE, QUARANTINED, RecordReport, validate_batch
from tests.shapes import samples as S
from tests.shapes.breakers import BREAKERS, breaker_targets


def _corpus() -> dict[str, list]:
    good = S.valid_samples()
    return {
        "samples": list(S.mapped_samples()),
        "dcat-ap examples": list(S.dcat_ap_examples()),
        "broken variants": [b(r) for b, needs, _ in BREAKERS.values() for r in breaker_targets(needs)[:25]],
        "links": [
            S.with_links(good[0], S.empiar_links()),
            S.truncated_links(good[1]),
            S.retired_technique(good[0]),
        ],
        # Broken and valid records side by side, with the same ORCID / ROR agents across records.
        "mixed batch": [
            *(S.vary(r, 7) for r in S.mapped_samples()),
            *(b(S.vary(r, 8)) for b, needs, _ in BREAKERS.values() for r in breaker_targets(needs)[:3]),
        ],
    }


def _same(reference: dict[str, RecordReport], other: dict[str, RecordReport]) -> list[str]:
    assert set(reference) == set(other)
    return [
        g
        for g in reference
        if (reference[g].status, reference[g].results) != (other[g].status, other[g].results)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("part", list(_corpus()))
def test_engines_give_the_same_reports(part: str, panet) -> None:
    records = _corpus()[part]
    reference = validate_batch(records, ontology=panet, engine="pyshacl")
    fast = validate_batch(records, ontology=panet, engine="shacl")
    assert not _same(reference, fast)
    # Not vacuous: the part has results, and the broken ones are quarantined by both.
    assert sum(len(r.results) for r in reference.values()) > len(records)
    if part == "broken variants":
        assert {r.status for r in fast.values()} == {QUARANTINED}


def test_results_about_blank_nodes_reach_their_record(panet) -> None:
    """The engine renames blank nodes; a nameless creator (a blank node) is still reported on its record,
    under the record's own label."""
    records = [S.nameless_creators(r) for r in breaker_targets(None)[:25]]
    reports = validate_batch(records, ontology=panet, engine="shacl")
    for rec in records:
        labels = {f"_:{t.subject.value}" for t in rec.triples if isinstance(t.subject, BlankNode)}
        about_blanks = [r for r in reports[rec.graph_iri].results if r.focus.startswith("_:")]
        assert {r.focus for r in about_blanks} <= labels
    assert any(
        r.shape == "core:Agent-name" and r.focus.startswith("_:")
        for rep in reports.values()
        for r in rep.results
    )


def test_the_reference_engine_is_the_default_and_an_unknown_engine_is_refused(panet) -> None:
    # Which engine a run uses is a setting (flag > $PANKG_SHACL_ENGINE > default): tests/flows/test_settings.py.
    assert DEFAULT_ENGINE == "pyshacl"
    with pytest.raises(ValueError, match="unknown SHACL engine"):
        validate_batch(S.valid_samples()[:1], ontology=panet, engine="topbraid")
