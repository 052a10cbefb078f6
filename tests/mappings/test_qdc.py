"""PaNdata qualified Dublin Core (``oai_qdc``), the format ICAT's OAI-PMH provider served.

No oai_qdc recording is in ../shared/data, so each test writes one from a real record: the values of the ESRF
DataCite record (its DOI, title, abstract, creators, beamline BM05, proposal LS-3436) laid out the way the
PaNdata provider's writer (``get_data_from_icat.py``) lays out an ICAT investigation: a bare DOI as
dc:identifier, ``['<instrument>'];<proposal>;<parameter>...`` in dc:relation, the facility's
``name;full name;URL;[instruments]`` as dc:publisher, dcterms:references to the DOI, dcterms:issued as an SQL
timestamp and dcterms:temporal as ``start;end``, wrapped in an OAI-PMH GetRecord response.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from lxml import etree

from harvesters.records import RawRecord
from mappings import MappingError, crosswalk, qdc, sniff_format
from mappings.oaipmh import split_page
from mappings.vocab import DCT, PANKG, RDFS, SDO
from tests.support.sample_records import SHARED

ESRF = SHARED / "datacite" / "rest-api" / "datacite-esrf-dc-2493599001.decoded.xml"


def _esrf_values() -> dict[str, object]:
    res = etree.parse(str(ESRF)).getroot()

    def first(path: str, **attrs: str) -> str:
        for el in res.iterfind(path):
            if all(el.get(k) == v for k, v in attrs.items()):
                return (el.text or "").strip()
        raise AssertionError(f"{path} {attrs} not in {ESRF}")

    return {
        "doi": first("{*}identifier"),
        "title": first("{*}titles/{*}title"),
        "abstract": first("{*}descriptions/{*}description"),
        "creators": [(c.text or "").strip() for c in res.iterfind("{*}creators/{*}creator/{*}creatorName")],
        "publisher": first("{*}publisher"),
        "instrument": first("{*}subjects/{*}subject", subjectScheme="Instrument"),
        "proposal": first("{*}subjects/{*}subject", subjectScheme="Proposal").split(",")[0],
    }


def _qdc_page(relation_proposal: str | None = None, title: str | None = None) -> bytes:
    v = _esrf_values()
    proposal = relation_proposal if relation_proposal is not None else f"RB{v['proposal']}".replace("LS-", "")
    instrument = v["instrument"]
    creators = "".join(f"<dc:creator>{escape(str(c))}</dc:creator>" for c in v["creators"])  # type: ignore[attr-defined]
    metadata = f"""<oai_qdc:qdc xmlns:oai_qdc="http://pandata.org/pmh/oai_qdc/"
        xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
        xsi:schemaLocation="http://pandata.org/pmh/oai_qdc/ http://pandata.org/pmh/oai_qdc.xsd">
      <dc:identifier>{v["doi"]}</dc:identifier>
      <dc:title>{escape(title if title is not None else str(v["title"]))}</dc:title>
      <dc:description>{escape(str(v["abstract"]))}</dc:description>
      <dc:relation>['{instrument}'];{proposal};sample_temperature;incident_energy</dc:relation>
      <dcterms:references>http://dx.doi.org/{v["doi"]}</dcterms:references>
      {creators}
      <dc:contributor>{escape(str(v["publisher"]))}</dc:contributor>
      <dc:subject>Synchrotron X-ray tomography</dc:subject>
      <dcterms:issued>2026-01-20 09:00:00+01:00</dcterms:issued>
      <dc:language>en</dc:language>
      <dc:publisher>ESRF;{escape(str(v["publisher"]))};https://www.esrf.fr;['{instrument}']</dc:publisher>
      <dc:rights>https://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:relation xsi:type="dcterms:ISO3166">FR</dc:relation>
      <dcterms:temporal>2023-03-01 08:00:00;2023-03-04 08:00:00</dcterms:temporal>
    </oai_qdc:qdc>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
  <responseDate>2026-01-21T10:00:00Z</responseDate>
  <request verb="GetRecord" metadataPrefix="oai_qdc" identifier="oai:pandata.org:1">https://icat.example/oai/provider</request>
  <GetRecord><record>
    <header><identifier>oai:pandata.org:1</identifier><datestamp>2026-01-21T09:00:00Z</datestamp></header>
    <metadata>{metadata}</metadata>
  </record></GetRecord>
</OAI-PMH>""".encode()


def _record(**kw: str) -> RawRecord:
    (record,) = split_page(_qdc_page(**kw), "icat")
    return record


def _objects(m, predicate, subject: str | None = None) -> list[str]:
    subject = subject or m.dataset_iri
    return [t.object.value for t in m.triples if t.subject.value == subject and t.predicate == predicate]


def test_an_oai_qdc_record_is_recognised_and_mapped() -> None:
    record = _record()
    assert record.metadata_prefix == "oai_qdc"  # the saved page's payload sniffed as oai_qdc
    assert sniff_format(record.payload) == "oai_qdc"
    v = _esrf_values()
    m = crosswalk(record)
    assert m.dataset_iri == "https://doi.org/10.15151/esrf-dc-2493599001"
    assert _objects(m, DCT.title) == [v["title"]]
    assert _objects(m, DCT.description) == [v["abstract"]]
    assert len(_objects(m, DCT.creator)) == len(v["creators"])  # type: ignore[arg-type]
    assert _objects(m, DCT.issued) == ["2026-01-20T09:00:00+01:00"]
    assert _objects(m, DCT.license) == ["https://creativecommons.org/licenses/by/4.0/"]
    # dcterms:references to its own DOI is no relation; the country code is no IRI
    assert not _objects(m, DCT.references)


def test_the_packed_relation_gives_instrument_proposal_and_parameters() -> None:
    rec = qdc.read(_record().payload, "icat", "oai:pandata.org:1")
    assert rec.instrument is not None and rec.instrument.name == "BM05"
    assert rec.instrument.facility == "ESRF"
    assert [(s.value, s.scheme) for s in rec.subjects] == [("RB3436", "Proposal")]
    assert [p.name for p in rec.parameters] == ["sample_temperature", "incident_energy"]
    assert rec.publisher is not None and rec.publisher.name == "European Synchrotron Radiation Facility"
    assert ("Collected", "2023-03-01T08:00:00/2023-03-04T08:00:00") in rec.dates
    assert not [r for r in rec.related if "BM05" in r.value]
    m = crosswalk(_record())
    (instrument,) = _objects(m, PANKG.instrument)
    assert _objects(m, RDFS.label, instrument) == ["BM05"]
    assert len(_objects(m, SDO.variableMeasured)) == 2


def test_a_relation_that_is_not_the_packed_layout_stays_a_relation() -> None:
    rec = qdc.read(_record(relation_proposal="not a proposal").payload, "icat", "x")
    assert rec.instrument is None
    assert any(r.value.startswith("['BM05'];not a proposal") for r in rec.related)


def test_an_oai_qdc_record_without_title_names_the_field() -> None:
    with pytest.raises(MappingError, match="title"):
        crosswalk(_record(title=""))
    with pytest.raises(MappingError, match="qdc"):
        crosswalk(RawRecord("icat", "x", "", "oai_qdc", b"<other/>"))
