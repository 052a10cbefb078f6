"""The catalogue crosswalk on everything the loopback APIs served: counts, PaNET techniques, parameters in SI,
Document / Dataset links, unknown units, per-record errors, and SPARQL across facilities."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import rdflib

from harvesters.records import RawRecord
from mappings import FORMATS, MappingError, crosswalk
from mappings.catalogue import unit_report
from mappings.units import as_number, lookup
from tests.catalogue.corpus import Corpus

PREFIXES = """
PREFIX schema: <http://schema.org/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX pankg: <https://w3id.org/pan-kg/ns#>
PREFIX qudt: <http://qudt.org/schema/qudt/>
PREFIX unit: <http://qudt.org/vocab/unit/>
"""
PANET = "http://purl.org/pan-science/PaNET/"

# The README's example: datasets measured at a wavelength between 0.5 and 1.5 Å, whatever unit was published.
WAVELENGTH_QUERY = (
    PREFIXES
    + """
SELECT ?dataset ?value ?unit WHERE {
  ?dataset schema:variableMeasured ?p .
  ?p schema:name ?name ; schema:value ?value ; schema:unitText ?unit ;
     pankg:siUnit unit:M ; pankg:siValue ?metres .
  FILTER(CONTAINS(LCASE(?name), "wavelength") && ?metres >= 0.5e-10 && ?metres <= 1.5e-10)
} ORDER BY ?dataset
"""
)


def test_every_source_harvested_and_every_record_mapped(corpus: Corpus) -> None:
    assert {s: (v.status, v.fetched) for s, v in corpus.summaries.items()} == {
        "pan-master": ("ok", 2),
        "pan-ess": ("ok", 3),
        "pan-xfel": ("ok", 11),  # one document's page is malformed upstream
        "pan-eli": ("ok", 2),
        "pan-esrf": ("ok", 2),
        "pan-ceric": ("ok", 12),
        "pan-swap": ("ok", 2),
        "scicat-maxiv": ("ok", 29),  # 5 published data + 24 public datasets
        "scicat-desy": ("ok", 18),
        "scicat-seed": ("ok", 30),
    }
    assert corpus.errors == []
    assert len(corpus.mapped) == 111
    # Documents, published data and every dataset they hold: 444 distinct dcat:Dataset nodes.
    rows = corpus.query(
        PREFIXES + "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a dcat:Dataset, schema:Dataset }"
    )
    assert rows == [{"n": "444"}]


def test_formats_registered() -> None:
    assert {"panosc-document", "scicat-dataset", "scicat-published"} <= set(FORMATS)


def test_panet_techniques_as_given(corpus: Corpus) -> None:
    rows = corpus.query(
        PREFIXES + "SELECT DISTINCT ?t WHERE { ?d schema:measurementTechnique ?t } ORDER BY ?t"
    )
    found = {r["t"].removeprefix(PANET) for r in rows}
    # ELI-ALPS (full IRIs), SWAP-2417 scoring data, SciCat seed (bare "PaNET01168").
    assert {"PaNET01244", "PaNET01125", "PaNET01033", "PaNET01189", "PaNET01281", "PaNET01168"} <= found
    assert all(r["t"].startswith(PANET) for r in rows)
    # A CERIC technique with a local id only is no PaNET assignment.
    ceric = [t for (s, _), m in corpus.mapped.items() if s == "pan-ceric" for t in m.triples]
    assert not [t for t in ceric if t.predicate.value == "http://schema.org/measurementTechnique"]


def test_seed_dataset_with_bare_panet_id(corpus: Corpus) -> None:
    rows = corpus.query(
        PREFIXES
        + f'SELECT ?d WHERE {{ ?d schema:measurementTechnique <{PANET}PaNET01168> ; dct:title "cheetah" }}'
    )
    assert len(rows) == 1


def test_parameters_in_si(corpus: Corpus) -> None:
    rows = corpus.query(
        PREFIXES
        + """SELECT ?name ?value ?unit ?code ?si ?siunit WHERE {
      ?d schema:variableMeasured ?p . ?p schema:name ?name ; schema:value ?value ; schema:unitText ?unit ;
         qudt:unit ?code ; pankg:siValue ?si ; pankg:siUnit ?siunit .
      FILTER(?d = <https://w3id.org/pan-kg/dataset/pan-ceric/Dataset%2F10.34967%2F20195588-2%2FNI%2F1>)
    } ORDER BY ?name"""
    )
    by_name = {r["name"]: r for r in rows}
    wavelength = by_name["wavelength"]
    assert (wavelength["value"], wavelength["unit"]) == ("1.13010", "Angstrom")
    assert wavelength["code"].endswith("/ANGSTROM") and wavelength["siunit"].endswith("/M")
    assert math.isclose(float(wavelength["si"]), 1.1301e-10)
    assert math.isclose(float(by_name["source.energy"]["si"]), 2e9 * 1.602176634e-19)
    # 20 °C published by ESS's V20 is 293.15 K; 292.982 "kelvin" stays itself.
    temps = corpus.query(
        PREFIXES
        + """SELECT ?unit ?si WHERE { ?d schema:variableMeasured ?p . ?p schema:name "sample_temperature" ;
             schema:unitText ?unit ; pankg:siUnit unit:K ; pankg:siValue ?si } ORDER BY ?unit"""
    )
    assert [(r["unit"], float(r["si"])) for r in temps] == [("celsius", 293.15), ("kelvin", 292.982)]


def test_unit_table() -> None:
    assert lookup("Å") == lookup("angstrom") == lookup("Angstrom")
    assert lookup("meV") is None and lookup("MeV") is not None  # case is the prefix for symbols
    assert lookup("A") is None  # ampere or Ångström: not guessed
    celsius = lookup("°C")
    assert celsius is not None and celsius.to_si(-273.15) == 0.0
    assert as_number("1.13010") == 1.1301 and as_number("??") is None and as_number(True) is None


def test_unknown_units_kept_and_reported(corpus: Corpus) -> None:
    triples = [t for m in corpus.mapped.values() for t in m.triples]
    numeric, with_unit, unknown = unit_report(triples)
    assert (numeric, with_unit) == (4785, 1783)
    stated = corpus.query(PREFIXES + "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p schema:unitText ?u }")
    assert stated == [{"n": "1886"}]  # = 1783 with a QUDT unit + 103 unknown
    # ELI-ALPS: dazzler chirp in fs^2, particle counts in "electrons" / "protons".
    assert dict(unknown) == {"fs^2": 59, "electrons": 22, "protons": 22}
    rows = corpus.query(
        PREFIXES
        + """SELECT ?value WHERE { ?p schema:name "dazzler_chirp" ; schema:unitText "fs^2" ;
             qudt:numericValue ?value . FILTER NOT EXISTS { ?p qudt:unit ?u } } LIMIT 1"""
    )
    assert len(rows) == 1


def test_document_dataset_links(corpus: Corpus) -> None:
    doc = "https://doi.org/10.34967/ceric-document1"
    parts = corpus.query(PREFIXES + f"SELECT ?p WHERE {{ <{doc}> dct:hasPart ?p . ?p dct:isPartOf <{doc}> }}")
    assert len(parts) == 4
    # Each part carries its instrument with the facility, and the access rights of the dataset.
    rows = corpus.query(
        PREFIXES
        + f"""SELECT DISTINCT ?facility WHERE {{ <{doc}> dct:hasPart ?p . ?p pankg:instrument ?i .
              ?i pankg:facility ?f . ?f schema:name ?facility }}"""
    )
    assert rows == [{"facility": "Elettra-Sincrotrone Trieste"}]
    # SciCat published data -> its datasets; only MAX IV's 403 entry and one seed pid do not resolve.
    dangling = corpus.query(
        PREFIXES + "SELECT ?w ?p WHERE { ?w dct:hasPart ?p FILTER NOT EXISTS { ?p a dcat:Dataset } }"
    )
    assert len(dangling) == 2
    maxiv = corpus.query(
        PREFIXES
        + """SELECT (COUNT(?p) AS ?n) WHERE { ?w dct:hasPart ?p . ?p a dcat:Dataset .
             FILTER(STRSTARTS(STR(?w), "https://doi.org/10.48391/")) }"""
    )
    assert maxiv == [{"n": "24"}]


def test_members_with_orcid_and_affiliation(corpus: Corpus) -> None:
    rows = corpus.query(
        PREFIXES
        + """SELECT ?name ?org WHERE { ?d dct:creator ?c . ?c <http://xmlns.com/foaf/0.1/name> ?name ;
             <http://www.w3.org/ns/org#memberOf> ?o . ?o <http://xmlns.com/foaf/0.1/name> ?org } ORDER BY ?name"""
    )
    assert {"name": "Tobias Richter", "org": "ESS"} in rows
    orcid = corpus.query(
        PREFIXES + "SELECT ?d WHERE { ?d dct:creator <https://orcid.org/0000-0002-7774-8995> }"
    )
    assert orcid


def test_wavelength_query_across_two_facilities(corpus: Corpus) -> None:
    rows = corpus.query(WAVELENGTH_QUERY)
    sources = sorted({r["dataset"].split("/")[5] for r in rows})
    assert sources == ["pan-ceric", "scicat-maxiv"]
    assert len(rows) == 26
    # MAX IV publishes "angstrom" and "Å", CERIC "Angstrom" as a string: one filter finds them all.
    assert {r["unit"] for r in rows} == {"angstrom", "Å", "Angstrom"}
    # 1064 nm (master test data) is a wavelength too, but far outside the range.
    assert not [r for r in rows if "pan-master" in r["dataset"]]


@pytest.mark.parametrize(
    ("payload", "prefix", "field"),
    [
        (b"{not json", "panosc-document", "payload"),
        ([1, 2], "panosc-document", "payload"),
        ({"pid": "d", "title": ["a", "list"]}, "panosc-document", "title"),
        ({"pid": "d", "title": "t", "datasets": "none"}, "panosc-document", "datasets"),
        ({"pid": "d", "title": "t", "datasets": [{"title": "no pid"}]}, "panosc-document", "pid"),
        ({"pid": "d", "title": "t", "keywords": "x"}, "panosc-document", "keywords"),
        ({"title": "t"}, "panosc-document", "pid"),
        ({"_id": "x", "title": "t"}, "scicat-published", "doi"),
        ({"doi": "10.1234/x", "title": "t", "pidArray": "p"}, "scicat-published", "pidArray"),
        ({"pid": "p", "datasetName": "n", "techniques": ["PaNET01168"]}, "scicat-dataset", "techniques"),
    ],
)
def test_wrong_types_are_mapping_errors_naming_the_field(payload: object, prefix: str, field: str) -> None:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    with pytest.raises(MappingError) as info:
        crosswalk(RawRecord("t", "doc-1", "", prefix, raw))
    assert info.value.field == field


def test_documented_parameter_query_and_answer(corpus: Corpus) -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "graph-and-queries.md").read_text(encoding="utf-8")
    section = page.split("## A parameter query across facilities", 1)[1]
    query = section.split("```sparql\n", 1)[1].split("```", 1)[0]
    rows = corpus.query(query)
    assert [(r["catalog"], r["unit"], r["datasets"], r["min"], r["max"]) for r in rows] == [
        ("pan-ceric", "Angstrom", "2", "1.1301", "1.1301"),
        ("scicat-maxiv", "angstrom", "21", "0.9537", "0.9763"),
        ("scicat-maxiv", "Å", "3", "0.8266", "1.1272"),
    ]
    for r in rows:  # the table printed under the query says the same
        assert f"| {r['catalog']} | {r['unit']} | {r['datasets']} | {r['min']} | {r['max']} |" in section


def test_cli_maps_one_catalogue_item_file(
    corpus: Corpus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.cli import main
    from mappings import sniff_format

    # The CERIC document whose datasets give a wavelength in "Angstrom".
    document = next(r for r in corpus.store.records("pan-ceric") if b"Angstrom" in r.payload)
    path = tmp_path / "document.json"
    path.write_bytes(document.payload)
    assert sniff_format(document.payload) == "panosc-document"
    maxiv = {r.metadata_prefix: r for r in corpus.store.records("scicat-maxiv")}
    assert sniff_format(maxiv["scicat-dataset"].payload) == "scicat-dataset"
    assert sniff_format(maxiv["scicat-published"].payload) == "scicat-published"
    with pytest.raises(ValueError, match="no known catalogue format"):
        sniff_format(b'{"x": 1}')
    assert main(["crosswalk", "--no-panet", "--source", "pan-ceric", str(path)]) == 0
    graph = rdflib.Graph().parse(data=capsys.readouterr().out, format="turtle")
    angstrom = rdflib.URIRef("http://qudt.org/vocab/unit/ANGSTROM")
    assert len(list(graph.subjects(rdflib.URIRef("http://qudt.org/schema/qudt/unit"), angstrom))) == 2
    dcat_dataset = rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")
    assert len(set(graph.subjects(rdflib.RDF.type, dcat_dataset))) == 3  # the document and its two datasets


def test_with_a_panet_index_explicit_ids_are_checked_and_local_names_matched(corpus: Corpus) -> None:
    from mappings.panet import PanetIndex
    from tests.support.shared_data import shared

    panet = PanetIndex.load(shared("panet", "PaNET-1.3.0.owl"))

    def assignments(source: str, identifier: str, payload: bytes | None = None) -> dict[str, str]:
        record = next(r for r in corpus.store.records(source) if r.identifier == identifier)
        if payload is not None:
            record = RawRecord(source, identifier, "", record.metadata_prefix, payload)
        m = crosswalk(record, panet=panet)
        nodes = {t.subject for t in m.triples if t.predicate.value.endswith("ns#technique")}
        out = {}
        for node in nodes:
            props = {
                t.predicate.value.rsplit("#", 1)[-1]: t.object.value for t in m.triples if t.subject == node
            }
            out[props["technique"].removeprefix(PANET)] = props["method"].rsplit("#", 1)[-1]
        return out

    assert assignments("pan-eli", "e9d5bec3e066e01f5e6efd93e7a94d1208e66098") == {"PaNET01244": "explicit-id"}
    # CERIC gives local technique ids only; their names match PaNET labels.
    assert "label" in assignments("pan-ceric", "10.34967/ceric-document3").values()
    # An id PaNET does not define is dropped when an index is given.
    seed = next(r for r in corpus.store.records("scicat-seed") if r.identifier.endswith("/desy_ds1"))
    item = json.loads(seed.payload)
    item["techniques"] = [{"pid": "PaNET99999", "name": "no such technique"}]
    assert assignments("scicat-seed", seed.identifier, json.dumps(item).encode()) == {}


def test_a_dataset_has_its_documents_people_and_release_and_a_stated_description(corpus: Corpus) -> None:
    part = "https://w3id.org/pan-kg/dataset/pan-ceric/Dataset%2F10.34967%2F20201001%2Flung_5%2Flung_5060"
    rows = corpus.query(PREFIXES + f"SELECT ?d WHERE {{ <{part}> dct:description ?d }}")
    assert rows == [
        {
            "d": 'Dataset "lung_5060" of the proposal "Structural and chemical investigation of a lung tissue"; '
            "measured on SYRMEP beamline (Elettra-Sincrotrone Trieste); "
            "technique: synchrotron x-ray tomography; sample: lung tissue."
        }
    ]
    # ESS V20: the document's member is the dataset's creator too; ESRF's masked titles become the pid.
    ess = corpus.query(
        PREFIXES
        + """SELECT DISTINCT ?d WHERE { ?doc dct:hasPart ?d . ?d dct:creator ?c .
             ?c <http://xmlns.com/foaf/0.1/name> "Tobias Richter" }"""
    )
    assert len(ess) == 3
    masked = corpus.query(
        PREFIXES + 'SELECT ?t WHERE { ?d dct:title ?t FILTER(STRSTARTS(?t, "Dataset 1622")) }'
    )
    assert masked
