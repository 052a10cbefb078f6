"""The quality report for facility data stewards: per source and run, what passed, what was quarantined and
why, how complete the key fields are, and what the harvester noticed about the provider.

Input is a pandas DataFrame of per-record outcomes (one row per validated record, see `outcome_row`). Output:
- `reports/quality.csv`: one row per (source, run), every run so far (the trend);
- `reports/<source>/run-<run_id>.csv`: the records of that run with their status and top messages;
- `reports/<source>/run-<run_id>.html`: one self-contained page (inline CSS and SVG, no network asset);
- DQV triples (`dqv:QualityMeasurement` per source, run and metric) for the graph's quality graph.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pandas as pd
import pyoxigraph
from pyoxigraph import Literal, NamedNode, Triple

from harvesters.raw_store import RAW_STORE_FILE, RawStore
from mappings.iris import catalog_iri, normalised_base
from mappings.vocab import DCT, DQV, ORG, PANET, PANKG, PROV, QUALITY_METRICS, RDF, SDO, SKOS, XSD
from shapes.outcomes import KEEP_RUNS, OUTCOMES_FILE, OutcomeStore
from shapes.quarantine import QUARANTINE_FILE, QuarantineStore
from shapes.validate import QUARANTINED, VALID, WARNED, MappedLike, Result

# Completeness flags: column -> what the steward reads.
FLAGS = {
    "description": "description",
    "licence": "licence",
    "creator_orcid": "creator ORCID",
    "affiliation_ror": "affiliation ROR",
    "panet_technique": "PaNET technique",
    "entry_link": "PDB/EMDB link",
    "doi": "DOI",
}
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?10\.\d{4,9}/\S+$", re.IGNORECASE)
_ENTRY = re.compile(r"^https://identifiers\.org/(?:pdb|emdb|empiar):")
OUTCOME_COLUMNS = ["source", "run_id", "identifier", "graph_iri", "status", "top_violation", "top_warning",
                   *FLAGS]  # fmt: skip
SUMMARY_COLUMNS = [
    "source", "run_id", "harvested", "validated", "valid", "warned", "quarantined", "deleted", "in_quarantine",
    *[f"{flag}_pct" for flag in FLAGS], "top_violations", "top_warnings", "findings",
]  # fmt: skip


# --- per record -----------------------------------------------------------------------------------------


def _text(term: pyoxigraph.NamedNode | pyoxigraph.BlankNode | Literal | pyoxigraph.Triple) -> str:
    # A quoted triple (RDF-star) has no value of its own; the crosswalk never emits one.
    return str(term) if isinstance(term, pyoxigraph.Triple) else term.value


def completeness(triples: Iterable[pyoxigraph.Triple], dataset_iri: str) -> dict[str, bool]:
    """The key-field flags of one mapped record, computed from its triples."""
    flags = dict.fromkeys(FLAGS, False)
    creators: set[str] = set()
    member_of: list[tuple[str, str]] = []
    for t in triples:
        s, p, o = _text(t.subject), t.predicate, t.object
        if s == dataset_iri:
            if p == DCT.description and isinstance(o, Literal) and o.value.strip():
                flags["description"] = True
            elif p == DCT.license:
                flags["licence"] = True
            elif p == DCT.creator:
                creators.add(_text(o))
            elif p == SDO.measurementTechnique and _text(o).startswith(PANET.iri):
                flags["panet_technique"] = True
            elif p == DCT.identifier and _DOI.match(_text(o)):
                flags["doi"] = True
        if p == ORG.memberOf:
            member_of.append((s, _text(o)))
        if isinstance(o, NamedNode) and _ENTRY.match(o.value) and s == dataset_iri:
            flags["entry_link"] = True
    flags["doi"] = flags["doi"] or dataset_iri.startswith("https://doi.org/")
    flags["creator_orcid"] = any(c.startswith("https://orcid.org/") for c in creators)
    flags["affiliation_ror"] = any(s in creators and o.startswith("https://ror.org/") for s, o in member_of)
    return flags


class Verdict(Protocol):
    """What `outcome_row` reads of a record's report: the gate's `RecordReport`, or a mapping failure."""

    @property
    def status(self) -> str: ...

    @property
    def results(self) -> Sequence[Result]: ...


def outcome_row(
    source: str,
    run_id: int,
    identifier: str,
    record: MappedLike,
    report: Verdict,
    flags: Mapping[str, bool] | None = None,
) -> dict:
    """One row of the outcomes DataFrame (`flags`: the record's `completeness`, if already computed)."""
    violations = [r.message for r in report.results if r.severity == "Violation"]
    warnings = [r.message for r in report.results if r.severity == "Warning"]
    return {
        "source": source,
        "run_id": run_id,
        "identifier": identifier,
        "graph_iri": record.graph_iri,
        "status": report.status,
        "top_violation": violations[0] if violations else "",
        "top_warning": warnings[0] if warnings else "",
        # All messages, for the top-N counts (not written to CSV).
        "violations": list(dict.fromkeys(violations)),
        "warnings": list(dict.fromkeys(warnings)),
        **(completeness(record.triples, record.dataset_iri) if flags is None else flags),
    }


def outcomes_frame(rows: Iterable[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        frame = pd.DataFrame(columns=[*OUTCOME_COLUMNS, "violations", "warnings"])
    return frame


# --- per source and run ---------------------------------------------------------------------------------


def _top(messages: Iterable[Sequence[str]], n: int = 5) -> str:
    counts = Counter(m for msgs in messages for m in msgs)
    return " | ".join(f"{count} × {msg}" for msg, count in counts.most_common(n))


def summarise(
    outcomes: pd.DataFrame,
    runs: dict[tuple[str, int], dict] | None = None,
    findings: dict[tuple[str, int], list[str]] | None = None,
    held: dict[str, int] | None = None,
) -> pd.DataFrame:
    """One row per (source, run): counts, completeness percentages, top messages, provider findings.

    ``runs`` gives the raw store's run rows (fetched -> harvested, deleted); ``findings`` its findings;
    ``held`` the quarantine store's count per source (records of any run still waiting for a fix).
    """
    runs, findings = runs or {}, findings or {}
    keys = set(runs) | set(findings)
    if not outcomes.empty:
        keys |= {
            (str(s), int(r))
            for s, r in outcomes[["source", "run_id"]].drop_duplicates().itertuples(index=False)
        }
    rows = []
    for source, run_id in sorted(keys):
        part = (
            outcomes[(outcomes["source"] == source) & (outcomes["run_id"] == run_id)]
            if not outcomes.empty
            else outcomes
        )
        n = len(part)
        status = part["status"].value_counts() if n else pd.Series(dtype=int)
        run = runs.get((source, run_id), {})
        row = {
            "source": source,
            "run_id": run_id,
            "harvested": int(run.get("fetched", n) or 0),
            "validated": n,
            "valid": int(status.get(VALID, 0)),
            "warned": int(status.get(WARNED, 0)),
            "quarantined": int(status.get(QUARANTINED, 0)),
            "deleted": int(run.get("deleted", 0) or 0),
            # Without the store's counts, the run's own quarantined records are all we know of.
            "in_quarantine": int(held.get(source, 0))
            if held is not None
            else int(status.get(QUARANTINED, 0)),
        }
        for flag in FLAGS:
            row[f"{flag}_pct"] = round(100.0 * float(part[flag].sum()) / n, 1) if n else 0.0
        row["top_violations"] = _top(part["violations"]) if n and "violations" in part else ""
        row["top_warnings"] = _top(part["warnings"]) if n and "warnings" in part else ""
        row["findings"] = " | ".join(findings.get((source, run_id), []))
        rows.append(row)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


# --- DQV ------------------------------------------------------------------------------------------------

METRICS = {
    "validated": "records validated in the run",
    "valid": "share of validated records without warnings or violations",
    "warned": "share of validated records loaded with warnings",
    "quarantined": "share of validated records quarantined (core or PaN violation)",
    **{f"{flag}_pct": f"share of validated records with a {label}" for flag, label in FLAGS.items()},
}


def dqv_triples(summary: pd.DataFrame, base_iri: str, when: str | None = None) -> list[Triple]:
    """DQV quality measurements, one per source, run and metric, for the quality graph."""
    base = normalised_base(base_iri)
    when = when or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    a = RDF.type
    out: list[Triple] = []
    for metric, definition in METRICS.items():
        m = QUALITY_METRICS[metric]  # KeyError for a metric the vocabulary (mappings/pankg.ttl) lacks
        out += [
            Triple(m, a, DQV.Metric),
            Triple(m, SKOS.definition, Literal(definition, language="en")),
        ]
    for row in summary.itertuples(index=False):
        catalog = NamedNode(
            catalog_iri(str(row.source), base)
        )  # the crosswalk's schema:includedInDataCatalog
        n = int(row.validated)
        for metric in METRICS:
            raw = getattr(row, metric)
            if metric in (VALID, WARNED, QUARANTINED):
                value = Literal(f"{(100.0 * raw / n) if n else 0.0:.1f}", datatype=XSD.decimal)
            elif metric == "validated":
                value = Literal(str(n), datatype=XSD.integer)
            else:
                value = Literal(f"{float(raw):.1f}", datatype=XSD.decimal)
            node = NamedNode(f"{base}quality/{row.source}/run-{row.run_id}/{metric}")
            out += [
                Triple(node, a, DQV.QualityMeasurement),
                Triple(node, DQV.computedOn, catalog),
                Triple(node, DQV.isMeasurementOf, QUALITY_METRICS[metric]),
                Triple(node, DQV.value, value),
                Triple(
                    node,
                    PANKG.run,
                    Literal(str(row.run_id), datatype=XSD.integer),
                ),
                Triple(
                    node,
                    PROV.generatedAtTime,
                    Literal(when, datatype=XSD.dateTime),
                ),
            ]
    return out


# --- files ----------------------------------------------------------------------------------------------


def trend_svg(history: pd.DataFrame, width: int = 420, height: int = 150) -> str:
    """A small inline SVG line chart: % valid / warned / quarantined per run of one source."""
    pad = 28
    series = {"valid": "#2e7d32", "warned": "#ef6c00", "quarantined": "#c62828"}
    runs = list(history["run_id"])
    n = len(runs)

    def x(i: int) -> float:
        return pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)

    def y(pct: float) -> float:
        return height - pad - (height - 2 * pad) * pct / 100.0

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="share of records per status over runs">',
        f'<line x1="{pad}" y1="{y(0)}" x2="{width - pad}" y2="{y(0)}" stroke="#999"/>',
        f'<line x1="{pad}" y1="{y(100)}" x2="{width - pad}" y2="{y(100)}" stroke="#ddd"/>',
        f'<text x="2" y="{y(100) + 4}" font-size="10">100%</text><text x="10" y="{y(0) + 4}" font-size="10">0%</text>',
    ]
    totals = history["validated"].clip(lower=1)
    for k, (name, colour) in enumerate(series.items()):
        pcts = list(100.0 * history[name] / totals)
        points = " ".join(f"{x(i):.1f},{y(p):.1f}" for i, p in enumerate(pcts))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts += [
            f'<circle cx="{x(i):.1f}" cy="{y(p):.1f}" r="2.5" fill="{colour}"/>' for i, p in enumerate(pcts)
        ]
        parts.append(
            f'<text x="{pad + 110 * k}" y="{height - 6}" font-size="11" fill="{colour}">{name}</text>'
        )
    for i, run in enumerate(runs):
        parts.append(f'<text x="{x(i) - 8:.1f}" y="{y(0) + 12}" font-size="9">run {run}</text>')
    parts.append("</svg>")
    return "".join(parts)


_CSS = (
    "body{font-family:sans-serif;margin:2em;max-width:70em;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3}.quarantined{color:#c62828}.warned{color:#ef6c00}"
)


def _page(source: str, run_id: int, row: pd.Series, history: pd.DataFrame, records: pd.DataFrame) -> str:
    e = html.escape
    counts = pd.DataFrame(
        [
            [
                row[c]
                for c in (
                    "harvested",
                    "validated",
                    "valid",
                    "warned",
                    "quarantined",
                    "deleted",
                    "in_quarantine",
                )
            ]
        ],
        columns=[
            "harvested",
            "validated",
            "valid",
            "warned",
            "quarantined",
            "deleted",
            "in quarantine (all runs)",
        ],
    )
    complete = pd.DataFrame([[f"{row[f'{flag}_pct']:.1f}%" for flag in FLAGS]], columns=list(FLAGS.values()))

    def listing(text: str) -> str:
        items = [t for t in str(text).split(" | ") if t]
        return "<ul>" + "".join(f"<li>{e(t)}</li>" for t in items) + "</ul>" if items else "<p>none</p>"

    bad = records[records["status"] == QUARANTINED][["identifier", "top_violation"]]
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>pan-kg quality: {e(source)} run"
        f" {run_id}</title><style>{_CSS}</style></head><body>"
        f"<h1>Metadata quality: {e(source)}, run {run_id}</h1>"
        f"<h2>Records</h2>{counts.to_html(index=False)}"
        f"<h2>Completeness of key fields</h2>{complete.to_html(index=False)}"
        f"<h2>Trend over runs</h2>{trend_svg(history)}"
        f"<h2>Most frequent violations (records quarantined)</h2>{listing(row['top_violations'])}"
        f"<h2>Most frequent warnings (records loaded)</h2>{listing(row['top_warnings'])}"
        f"<h2>Provider findings (harvester)</h2>{listing(row['findings'])}"
        f"<h2>Quarantined records</h2>{bad.to_html(index=False) if len(bad) else '<p>none</p>'}"
        f"<p>Per-record outcomes: <a href='run-{run_id}.csv'>run-{run_id}.csv</a></p></body></html>"
    )


def write_report(
    data_dir: str | Path,
    outcomes: pd.DataFrame,
    *,
    runs: dict[tuple[str, int], dict] | None = None,
    findings: dict[tuple[str, int], list[str]] | None = None,
    held: dict[str, int] | None = None,
) -> dict[tuple[str, int], Path]:
    """Write the CSV history, per-run CSV and HTML pages under DATA_DIR/reports; return the HTML paths.

    ``outcomes``: per-record rows (`outcome_row`) of the runs to report; ``runs`` / ``findings``: the raw
    store's run rows and provider findings, keyed by (source, run_id) (see `raw_store_context`).
    """
    reports = Path(data_dir) / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    summary = summarise(outcomes, runs, findings, held)
    history_path = reports / "quality.csv"
    if history_path.exists():
        old = pd.read_csv(history_path, keep_default_na=False)
        done = set(zip(summary["source"], summary["run_id"], strict=True))
        old = old[[(s, int(r)) not in done for s, r in zip(old["source"], old["run_id"], strict=True)]]
        history = pd.concat([old, summary], ignore_index=True) if len(old) else summary
    else:
        history = summary
    history = history.sort_values(["source", "run_id"]).reset_index(drop=True)
    tmp = history_path.with_suffix(".csv.part")
    history.to_csv(tmp, index=False)
    tmp.replace(history_path)  # readers never see a half-written history
    pages: dict[tuple[str, int], Path] = {}
    for _, row in summary.iterrows():
        source, run_id = str(row["source"]), int(row["run_id"])
        folder = reports / source
        folder.mkdir(exist_ok=True)
        records = (
            outcomes[(outcomes["source"] == source) & (outcomes["run_id"] == run_id)]
            if not outcomes.empty
            else outcomes
        )
        records = records.reindex(columns=OUTCOME_COLUMNS)
        records.to_csv(folder / f"run-{run_id}.csv", index=False)
        page = folder / f"run-{run_id}.html"
        page.write_text(
            _page(source, run_id, row, history[history["source"] == source], records), encoding="utf-8"
        )
        pages[(source, run_id)] = page
    return pages


def raw_store_context(
    raw_store_path: str | Path, keys: Iterable[tuple[str, int]]
) -> tuple[dict[tuple[str, int], dict], dict[tuple[str, int], list[str]]]:
    """The run rows and provider findings of the raw store (`DATA_DIR/raw.sqlite`) for (source, run_id) keys.

    Read-only: the store opened in `mode=ro`, so a report never blocks or alters a harvest.
    """
    runs: dict[tuple[str, int], dict] = {}
    findings: dict[tuple[str, int], list[str]] = {}
    with RawStore(raw_store_path, read_only=True) as raw:
        for source, run_id in keys:
            row = raw.run(run_id)
            if row is not None:
                runs[(source, run_id)] = row
            findings[(source, run_id)] = [f"{kind}: {detail}" for kind, detail in raw.findings(run_id)]
    return runs, findings


def report_runs(
    data_dir: str | Path, keys: Sequence[tuple[str, int]]
) -> tuple[dict[tuple[str, int], Path], pd.DataFrame]:
    """The quality report of these (source, run_id) runs from their stored outcome rows (`shapes.outcomes`),
    the raw store's run log and findings, and the quarantine's counts: `write_report`'s pages, and the
    summary (`summarise`) for the quality graph."""
    data_dir = Path(data_dir)
    rows: list[dict] = []
    if (data_dir / OUTCOMES_FILE).exists():
        with OutcomeStore(data_dir / OUTCOMES_FILE) as stored:
            for source, run_id in keys:
                rows.extend(stored.rows(source, run_id))
    outcomes = outcomes_frame(rows)
    runs, findings = raw_store_context(data_dir / RAW_STORE_FILE, keys)
    held = None
    if (data_dir / QUARANTINE_FILE).exists():
        with QuarantineStore(data_dir / QUARANTINE_FILE) as quarantine:
            held = quarantine.counts()
    pages = write_report(data_dir, outcomes, runs=runs, findings=findings, held=held)
    return pages, summarise(outcomes, runs, findings, held)


def build_report(
    data_dir: str | Path, *, sources: Sequence[str] | None = None, run_id: int | None = None
) -> dict[tuple[str, int], Path]:
    """`pankg report` on its own: the report of each source's run (its last run, or `run_id`) from the
    outcome rows the run stored. Nothing is fetched, mapped, loaded or quarantined."""
    raw_path = Path(data_dir) / RAW_STORE_FILE
    keys: list[tuple[str, int]] = []
    with RawStore(raw_path, read_only=True) as raw:
        known = sorted(raw.counts_by_source()) if sources is None else list(sources)
        for source in known:
            last = raw.last_run(source)
            run = run_id if run_id is not None else (int(last["run_id"]) if last else None)  # type: ignore[call-overload]
            if run is None:
                raise LookupError(f"source {source!r} has no run in {raw_path}")
            keys.append((source, run))
    outcomes_path = Path(data_dir) / OUTCOMES_FILE
    if not outcomes_path.exists():
        raise LookupError(f"no stored outcomes in {data_dir}: harvest or `pankg remap` first")
    with OutcomeStore(outcomes_path) as stored:
        for source, run in keys:
            if not stored.has_run(source, run):
                # Rewriting the report without them would overwrite the run's figures in quality.csv.
                raise LookupError(
                    f"no stored outcomes for run {run} of {source!r} in {outcomes_path} (the last"
                    f" {KEEP_RUNS} runs of a source are kept; older figures are in reports/quality.csv)"
                )
    pages, _ = report_runs(data_dir, keys)
    return pages
