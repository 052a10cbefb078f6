"""``pankg crosswalk FILE ...``: map records of any registered format, or whole OAI-PMH pages, and print the RDF."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pyoxigraph

from harvesters.records import RawRecord
from mappings import DEFAULT_BASE_IRI, FORMATS, MappedRecord, MappingError, crosswalk, sniff_format
from mappings.jsonld import google_jsonld
from mappings.oaipmh import read_page
from mappings.panet import DEFAULT_PANET_URL, PanetIndex
from mappings.vocab import PREFIXES

FORMAT_CHOICES = ["auto", *sorted(FORMATS)]


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "crosswalk",
        help="map records (or OAI-PMH pages) to DCAT-AP + schema.org RDF",
        description="Map records to DCAT-AP 3 + schema.org RDF. Errors go to stderr; exit 1 if any.",
    )
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="a record of any --format below, or an OAI-PMH page"
    )
    p.add_argument("--format", choices=FORMAT_CHOICES, default="auto", help="input format (default: sniff)")
    p.add_argument(
        "--to",
        choices=["turtle", "nquads", "jsonld"],
        default="turtle",
        help="turtle / nquads (a named graph per record) / jsonld (schema.org view for Google)",
    )
    p.add_argument("--panet", default=DEFAULT_PANET_URL, help="PaNET ontology path or URL (URLs are cached)")
    p.add_argument("--no-panet", action="store_true", help="skip PaNET technique assignment")
    p.add_argument("--base-iri", default=DEFAULT_BASE_IRI, help="base of minted IRIs")
    p.add_argument("--source", default="file", help="source id used in minted IRIs (default: file)")
    p.set_defaults(func=run)


def records_from_file(path: Path, fmt: str, source: str) -> list[RawRecord]:
    data = path.read_bytes()
    kind = sniff_format(data) if fmt == "auto" else fmt
    if fmt != "auto" and sniff_format(data) == "oai-pmh":
        kind = "oai-pmh"
    if kind == "oai-pmh":
        page = read_page(data, source, url=str(path))
        for finding in page.findings:  # what the harvest would have reported for this page
            print(f"warning: {finding}", file=sys.stderr)
        records = page.records
        if fmt != "auto":  # an explicit --format overrides what the page says
            records = [RawRecord(r.source, r.identifier, r.datestamp, fmt, r.payload, r.deleted, r.sets)
                       for r in records]  # fmt: skip
        return records
    return [RawRecord(source, path.name, "", kind, data)]


def run(args: argparse.Namespace) -> int:
    panet = None
    if not args.no_panet:
        try:
            panet = PanetIndex.load(args.panet)
        except Exception as exc:  # network / file problems: say so, map without techniques
            print(f"warning: PaNET not loaded from {args.panet}: {exc}", file=sys.stderr)
    mapped: list[MappedRecord] = []
    failures = 0
    for name in args.files:
        path = Path(name)
        try:
            raws = records_from_file(path, args.format, args.source)
        except (OSError, ValueError) as exc:
            print(f"{name}: error: {exc}", file=sys.stderr)
            failures += 1
            continue
        for raw in raws:
            if raw.deleted:
                continue  # a deletion has nothing to map; the graph stage drops the record's graph
            try:
                mapped.append(crosswalk(raw, base_iri=args.base_iri, panet=panet))
            except MappingError as exc:
                print(f"{name}: error: {exc}", file=sys.stderr)
                failures += 1
    out = sys.stdout.buffer
    if args.to == "nquads":
        quads = [q for m in mapped for q in m.quads()]
        out.write(pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS))
    elif args.to == "jsonld":
        docs = [google_jsonld(m.dataset_iri, m.triples) for m in mapped]
        out.write(
            json.dumps(docs[0] if len(docs) == 1 else docs, ensure_ascii=False, indent=2).encode() + b"\n"
        )
    else:
        triples = [t for m in mapped for t in m.triples]
        out.write(pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE, prefixes=PREFIXES))
    out.flush()
    return 1 if failures else 0
