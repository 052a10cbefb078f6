"""Per-record errors (broken variants of real records), format registry, IRIs, licences, JSON-LD, CLI."""

from __future__ import annotations

import json

import pyoxigraph
import pytest
import rdflib
from rdflib.compare import isomorphic

from flows.cli import main
from harvesters.records import RawRecord
from mappings import MappingError, crosswalk, iris, sniff_format
from mappings.jsonld import google_jsonld
from mappings.licences import classify_rights, licence_from_uri, spdx_licence
from mappings.oaipmh import split_page
from tests.support.sample_records import SHARED

ESRF = SHARED / "datacite" / "rest-api" / "datacite-esrf-dc-2493599001.decoded.xml"
VIRINGO = SHARED / "oai-pmh" / "datacite-viringo" / "oai_getrecord_oaidatacite.xml"
ZENODO_PAGE = SHARED / "oai-pmh" / "zenodo-2024-01" / "list_records-07.xml"
DC_PAGE = SHARED / "oai-pmh" / "zenodo-2024-01" / "list_records-00.xml"


def _esrf(payload: bytes, prefix: str = "datacite") -> RawRecord:
    return RawRecord("esrf", "oai:esrf:1", "", prefix, payload)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b[: len(b) // 2], "payload"),  # truncated download
        (lambda b: b.replace(b"<titles>", b"<!--").replace(b"</titles>", b"-->"), "titles"),
        (lambda b: b.replace(b"10.15151/ESRF-DC-2493599001", b"ESRF-DC-2493599001"), "identifier"),
        (lambda b: b.replace(b"<resource ", b"<record ").replace(b"</resource>", b"</record>"), "resource"),
    ],
)
def test_broken_variant_names_the_field(mutate, field: str) -> None:
    with pytest.raises(MappingError) as exc:
        crosswalk(_esrf(mutate(ESRF.read_bytes())))
    assert exc.value.field == field
    assert exc.value.identifier == "oai:esrf:1"
    assert field in str(exc.value)


def test_record_without_oai_identifier() -> None:
    with pytest.raises(MappingError) as exc:
        crosswalk(RawRecord("esrf", "", "", "datacite", ESRF.read_bytes()))
    assert exc.value.field == "identifier"


def test_unknown_prefix_is_a_clear_error() -> None:
    with pytest.raises(MappingError, match="unknown format 'marcxml'"):
        crosswalk(_esrf(ESRF.read_bytes(), "marcxml"))


def test_safe_parser_refuses_entities() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + ESRF.read_bytes().split(b"?>", 1)[1].replace(b"<publisher>", b"<publisher>&x;")
    )
    m = crosswalk(_esrf(evil))  # parsed, entity left unresolved: no file content in the output
    assert not any("root:" in t.object.value for t in m.triples)


def test_sniff() -> None:
    assert sniff_format(ESRF.read_bytes()) == "datacite"
    assert sniff_format(VIRINGO.read_bytes()) == "oai-pmh"
    with pytest.raises(ValueError):
        sniff_format((SHARED / "oai-pmh" / "sickle-sample-data" / "ListRecordsBroken.xml").read_bytes())


def test_iris() -> None:
    assert iris.normalise_doi("https://doi.org/10.15151/ESRF-DC-2493599001") == "10.15151/esrf-dc-2493599001"
    assert iris.normalise_doi("http://dx.doi.org/10.5281/ZENODO.1") == "10.5281/zenodo.1"
    assert iris.normalise_doi("doi:10.5072/X") == "10.5072/x"
    assert iris.normalise_doi("oai:zenodo.org:1") is None
    assert (
        iris.graph_iri("zenodo", "oai:zenodo.org:1")
        == "https://w3id.org/pan-kg/graph/zenodo/oai%3Azenodo.org%3A1"
    )
    assert iris.dataset_iri(None, "psi", "oai:psi:a/b", "https://example.org/kg") == (
        "https://example.org/kg/dataset/psi/oai%3Apsi%3Aa%2Fb"
    )
    assert iris.orcid_iri(" https://orcid.org/0000-0002-5282-703x") == "https://orcid.org/0000-0002-5282-703X"
    assert iris.ror_iri("https://ror.org/04wxnsj81") == "https://ror.org/04wxnsj81"


def test_graph_iri_is_keyed_on_oai_identifier_not_doi() -> None:
    a = crosswalk(RawRecord("s1", "oai:a", "", "datacite", ESRF.read_bytes()))
    b = crosswalk(RawRecord("s2", "oai:b", "", "datacite", ESRF.read_bytes()))
    assert a.dataset_iri == b.dataset_iri == "https://doi.org/10.15151/esrf-dc-2493599001"
    assert a.graph_iri != b.graph_iri


def test_licences() -> None:
    assert spdx_licence("CC-BY-4.0") == "https://creativecommons.org/licenses/by/4.0/"
    assert spdx_licence("cc0-1.0") == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert spdx_licence("apache-2.0") == "https://spdx.org/licenses/Apache-2.0"
    assert licence_from_uri("http://creativecommons.org/licenses/by-nc-sa/3.0/de/legalcode") == (
        "https://creativecommons.org/licenses/by-nc-sa/3.0/de/"
    )
    assert classify_rights("info:eu-repo/semantics/openAccess") == (None, "PUBLIC")
    assert classify_rights("Other (Open)") == (None, None)  # a statement, not guessed into a licence


def test_google_jsonld_reads_back() -> None:
    m = crosswalk(RawRecord("esrf", "x", "", "datacite", ESRF.read_bytes()))
    doc = google_jsonld(m.dataset_iri, m.triples)
    assert doc["@type"] == "Dataset" and doc["url"] == m.dataset_iri
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    g = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    assert (rdflib.URIRef(m.dataset_iri), rdflib.RDF.type, rdflib.URIRef("http://schema.org/Dataset")) in g


def test_cli_page_turtle(capsys) -> None:
    assert main(["crosswalk", "--no-panet", str(ZENODO_PAGE), str(DC_PAGE)]) == 0
    out = capsys.readouterr().out
    g = rdflib.Graph().parse(data=out, format="turtle")
    datasets = set(g.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")))
    assert len(datasets) == 3  # the datacite and the oai_dc page list the same three records


def test_cli_nquads_and_jsonld(capsys) -> None:
    panet = str(SHARED / "panet" / "PaNET-1.3.0.owl")
    assert main(["crosswalk", "--panet", panet, "--to", "nquads", str(VIRINGO)]) == 0
    out = capsys.readouterr().out
    assert "<https://w3id.org/pan-kg/graph/file/doi%3A10.5072%2Fnot-a-real-doi> ." in out
    assert main(["crosswalk", "--panet", panet, "--to", "jsonld", str(ESRF)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["measurementTechnique"] == "http://purl.org/pan-science/PaNET/PaNET01129"


def test_cli_errors_name_file_and_field(tmp_path, capsys) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(ESRF.read_bytes().replace(b"<titles>", b"<!--").replace(b"</titles>", b"-->"))
    assert main(["crosswalk", "--no-panet", str(broken), str(ESRF)]) == 1
    captured = capsys.readouterr()
    assert "broken.xml" in captured.err and "'titles'" in captured.err
    assert "esrf-dc-2493599001" in captured.out  # the good file is still mapped


@pytest.mark.parametrize(
    "namespace",
    [
        b'xmlns="http://datacite.org/schema/kernel-3"',
        b'xmlns="http://datacite.org/schema/kernel-4.3"',
        b"",  # namespace stripped by the provider
    ],
)
def test_namespace_variants_map_alike(namespace: bytes) -> None:
    """The same real record under another kernel namespace (or none) gives an isomorphic graph."""
    original = ESRF.read_bytes()
    variant = original.replace(b'xmlns="http://datacite.org/schema/kernel-4"', namespace)
    assert variant != original
    assert sniff_format(variant) == "datacite"

    def graph(payload: bytes) -> rdflib.Graph:
        m = crosswalk(_esrf(payload))
        nt = pyoxigraph.serialize(m.triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
        return rdflib.Graph().parse(data=nt.decode(), format="nt")

    assert isomorphic(graph(original), graph(variant))


def test_oai_datacite_wrapper_equals_bare_resource() -> None:
    """The viringo GetRecord in the oai_datacite wrapper and as bare datacite describe the same record."""
    wrapped = split_page(VIRINGO.read_bytes(), "datacite")[0]
    bare = split_page(
        (SHARED / "oai-pmh" / "datacite-viringo" / "oai_getrecord_datacite.xml").read_bytes(), "datacite"
    )[0]
    assert wrapped.metadata_prefix == "oai_datacite" and bare.metadata_prefix == "datacite"
    a, b = crosswalk(wrapped), crosswalk(bare)
    assert a.dataset_iri == b.dataset_iri
