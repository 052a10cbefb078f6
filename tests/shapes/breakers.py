"""The ways the validation tests break real records, and the records each breaker applies to."""

from __future__ import annotations

from tests.shapes import samples as S

BREAKERS = {
    # breaker -> (records it applies to, the core / PaN shape that must fire)
    "drop-description": (S.drop(S.DCT + "description"), None, "core:Dataset-description"),
    "drop-title": (S.drop(S.DCT + "title"), None, "core:Dataset-title"),
    "blank-title": (S.blank_titles, None, "core:Dataset-title"),
    "drop-identifier": (S.drop(S.DCT + "identifier"), None, "core:Dataset-identifier"),
    "drop-issued": (S.drop(S.DCT + "issued"), None, "core:Dataset-issued"),
    "untyped-issued": (S.untyped_issued, None, "core:Dataset-issued"),
    "drop-creator": (S.drop(S.DCT + "creator"), None, "core:Dataset-creator"),
    "nameless-creators": (S.nameless_creators, None, "core:Agent-name"),
    "2-publishers": (S.second_publisher, S.DCT + "publisher", "core:Dataset-publisher"),
    "retired-technique": (S.retired_technique, S.SDO + "measurementTechnique", "pan:Technique-panet"),
    "truncated-links": (S.truncated_links, None, "pan:EntryLink"),
}


def breaker_targets(needs: str | None) -> list[S.Record]:
    recs = S.valid_samples()
    if needs == S.DCT + "publisher":  # a creator who is not the publisher becomes a second publisher
        return [r for r in recs if set(S.objects(r, S.DCT + "creator")) - set(S.objects(r, needs))]
    return [r for r in recs if needs is None or S.has(r, needs)]
