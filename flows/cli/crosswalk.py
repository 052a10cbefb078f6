"""``pankg crosswalk FILE ...``: map record files or whole OAI-PMH pages and print the RDF."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pyoxigraph

from flows.cli.common import Subparsers, command
from flows.reference import resolve_panet
from flows.settings import Settings
from mappings import MappedRecord, MappingError, PanetIndex, crosswalk
from mappings.jsonld import google_jsonld
from mappings.record_files import FORMAT_CHOICES, records_from_file
from mappings.vocab import PREFIXES


def add_commands(subparsers: Subparsers) -> None:
    p = command(
        subparsers,
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
    p.add_argument("--no-panet", action="store_true", help="skip PaNET technique assignment")
    p.add_argument("--source", default="file", help="source id used in minted IRIs (default: file)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    panet = None
    if not args.no_panet:
        path = resolve_panet(settings.panet, settings.data_dir)
        try:
            panet = PanetIndex.load(path) if path is not None else None
        except Exception as exc:  # an unreadable file: say so, map without techniques
            print(f"warning: PaNET not loaded from {path}: {exc}", file=sys.stderr)
        if panet is None:
            print(f"warning: mapping without technique matching (PaNET: {settings.panet})", file=sys.stderr)
    mapped: list[MappedRecord] = []
    failures = 0
    for name in args.files:
        path = Path(name)
        try:
            raws, findings = records_from_file(path, args.format, args.source)
        except (OSError, ValueError) as exc:
            print(f"{name}: error: {exc}", file=sys.stderr)
            failures += 1
            continue
        for finding in findings:  # what the harvest would have reported for this page
            print(f"warning: {finding}", file=sys.stderr)
        for raw in raws:
            if raw.deleted:
                continue  # a deletion has nothing to map; the graph stage drops the record's graph
            try:
                mapped.append(crosswalk(raw, base_iri=settings.base_iri, panet=panet))
            except MappingError as exc:
                print(f"{name}: error: {exc}", file=sys.stderr)
                failures += 1
    out = sys.stdout.buffer
    if args.to == "nquads":
        quads = [q for m in mapped for q in m.quads()]
        out.write(pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS) or b"")
    elif args.to == "jsonld":
        docs = [google_jsonld(m.dataset_iri, m.triples) for m in mapped]
        out.write(
            json.dumps(docs[0] if len(docs) == 1 else docs, ensure_ascii=False, indent=2).encode() + b"\n"
        )
    else:
        triples = [t for m in mapped for t in m.triples]
        out.write(pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE, prefixes=PREFIXES) or b"")
    out.flush()
    return 1 if failures else 0
