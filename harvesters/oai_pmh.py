"""OAI-PMH harvesting on Sickle: Identify, then ListRecords windows page by page, as raw records.

Sickle gives the protocol model (one exception class per OAI error code; its `Header` fields, read here
straight from the parsed page because building a Header per record was a sixth of our CPU); the page loop
is ours because it must survive what real providers do: repeating resumption tokens, an empty token on
the last page, `badResumptionToken` mid-window, pages that are not XML.

Hostile input is refused before lxml sees it: a DOCTYPE declaring entities (XXE, entity bombs) fails its
page; the bytes must be the UTF-8 that OAI-PMH requires; a record over the source's size limit is
reported and skipped while the rest of its page is kept.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from lxml import etree
from sickle import oaiexceptions

from harvesters.http import FetchError, PoliteSession
from harvesters.records import DAY, SECONDS, HarvestProtocol, IdentifyInfo, Page, PageError, RawRecord, Window
from harvesters.safe_xml import safe_parser
from harvesters.sources import Source

log = logging.getLogger(__name__)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_NS = {"oai": OAI_NS}
_RECORD, _HEADER, _METADATA = f"{{{OAI_NS}}}record", f"{{{OAI_NS}}}header", f"{{{OAI_NS}}}metadata"
_IDENTIFIER, _DATESTAMP, _SET_SPEC = (
    f"{{{OAI_NS}}}identifier",
    f"{{{OAI_NS}}}datestamp",
    f"{{{OAI_NS}}}setSpec",
)

# Sickle's classes, one per OAI-PMH error code, share no base class: catch them together.
OAI_ERRORS: tuple[type[Exception], ...] = (
    oaiexceptions.BadArgument,
    oaiexceptions.BadResumptionToken,
    oaiexceptions.BadVerb,
    oaiexceptions.CannotDisseminateFormat,
    oaiexceptions.IdDoesNotExist,
    oaiexceptions.NoMetadataFormat,
    oaiexceptions.NoRecordsMatch,
    oaiexceptions.NoSetHierarchy,
    oaiexceptions.OAIError,
)


# --- parsing ---------------------------------------------------------------------------------------------

_BOM = b"\xef\xbb\xbf"
_DECLARED_ENCODING = re.compile(rb"""\A\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_UTF8_NAMES = {"utf-8", "utf8"}
_ASCII_NAMES = {"us-ascii", "ascii"}
_HTML_START = re.compile(rb"\A\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)
_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def declared_encoding(content: bytes) -> str:
    """The encoding the XML declaration names, lower case; UTF-8 without one."""
    match = _DECLARED_ENCODING.match(content)
    return match.group(1).decode("ascii").lower() if match else "utf-8"


def check_encoding(content: bytes, url: str, findings: list[str]) -> bytes:
    """The bytes to parse. OAI-PMH responses must be UTF-8: invalid UTF-8 fails the page (naming the byte),
    a declaration that contradicts UTF-8 bytes is corrected and reported, UTF-16/32 is refused.

    Bytes declared (or defaulting to) UTF-8 are not decoded here: libxml2 refuses invalid UTF-8 itself, and
    `refuse_invalid_utf8` names the byte once it has (decoding every page first cost ~10% of the
    harvester's CPU)."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00", b"\x00<", b"<\x00")):
        raise PageError(url, "encoded in UTF-16/32; OAI-PMH responses must be UTF-8")
    content = content.removeprefix(_BOM)
    declared = declared_encoding(content)
    if declared in _UTF8_NAMES or declared in _ASCII_NAMES:
        return content
    try:
        content.decode("utf-8")
        valid_utf8 = True
    except UnicodeDecodeError:
        valid_utf8 = False
    if content.isascii():
        return content  # any ASCII-compatible declaration reads pure ASCII the same
    if valid_utf8:
        # A page of multi-byte UTF-8 labelled e.g. ISO-8859-1 would be read as mojibake and stored so,
        # silently. Valid UTF-8 outside ASCII is all but impossible in real Latin-1 text: trust the bytes.
        match = _DECLARED_ENCODING.match(content)
        assert match is not None
        findings.append(
            f"{url}: declares encoding {declared} but its bytes are UTF-8 (as OAI-PMH requires); read as UTF-8"
        )
        return content[: match.start(1)] + b"UTF-8" + content[match.end(1) :]
    findings.append(f"{url}: declares encoding {declared}; OAI-PMH requires UTF-8 (read as declared)")
    return content


def refuse_invalid_utf8(content: bytes, url: str) -> None:
    """Raise a PageError naming the first byte that is not UTF-8, if there is one."""
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as problem:
        if problem.end == len(content):
            raise PageError(url, "truncated inside a multi-byte UTF-8 character (incomplete body)") from None
        line = content.count(b"\n", 0, problem.start) + 1
        context = content[max(0, problem.start - 30) : problem.start + 10]
        raise PageError(
            url, f"invalid UTF-8 at byte {problem.start:,} (line {line}): {problem.reason}, near {context!r}"
        ) from None


def refuse_hostile_prolog(content: bytes, url: str, findings: list[str]) -> None:
    """Scan the prolog (before the root element) without parsing it. A DOCTYPE that declares entities is
    refused: that is where XXE (file or network) and expansion bombs live, and OAI-PMH never needs one."""
    position = 0
    while True:
        start = content.find(b"<", position)
        if start < 0:
            return
        if content.startswith(b"<?", start):
            position = content.find(b"?>", start) + 2
        elif content.startswith(b"<!--", start):
            position = content.find(b"-->", start) + 3
        elif content.startswith(b"<!DOCTYPE", start):
            close = content.find(b">", start)
            subset = content.find(b"[", start)
            if 0 <= subset < close:
                end = re.compile(rb"\]\s*>").search(content, subset)
                close = end.end() if end else len(content)
            doctype = content[start:close]
            if b"<!ENTITY" in doctype:
                raise PageError(
                    url,
                    "hostile XML refused: the DOCTYPE declares entities (external entities / entity"
                    " expansion); nothing on this page was used",
                )
            findings.append(f"{url}: DOCTYPE ignored (the DTD is never loaded)")
            return
        else:
            return  # the root element: the prolog is over
        if position < 2:  # an unterminated declaration or comment: leave it to the parser to report
            return


def parse_xml(content: bytes, url: str, findings: list[str] | None = None) -> etree._Element:
    findings = [] if findings is None else findings
    # isspace stops at the first other byte; strip() would copy the whole page.
    if not content or content.isspace():
        raise PageError(url, "empty response body")
    if _HTML_START.match(content):
        title = _HTML_TITLE.search(content[:65536])
        name = html.unescape(title.group(1).decode("utf-8", "replace")).strip()[:120] if title else ""
        raise PageError(url, "an HTML page, not OAI-PMH XML" + (f" (title {name!r})" if name else ""))
    content = check_encoding(content, url, findings)
    refuse_hostile_prolog(content, url, findings)
    try:
        tree = etree.fromstring(content, parser=safe_parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        if declared_encoding(content) in _UTF8_NAMES | _ASCII_NAMES:
            refuse_invalid_utf8(content, url)  # the precise report, when that is what libxml2 refused
        raise PageError(url, f"not well-formed XML: {exc}") from exc
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        # Second line of defence (the byte scan above should have caught it).
        raise PageError(url, "hostile XML refused: the DOCTYPE declares entities")
    root = tree.getroot()
    if root.tag != f"{{{OAI_NS}}}OAI-PMH":
        raise PageError(url, f"not an OAI-PMH response (root element {root.tag!r})")
    return root


def raise_oai_error(root: etree._Element, url: str) -> None:
    """Turn an `<error>` element into Sickle's exception for that code."""
    error = root.find("oai:error", _NS)
    if error is None:
        return
    code = error.get("code") or "undefinedError"
    # Sickle names the noMetadataFormats class in the singular.
    name = {"noMetadataFormats": "NoMetadataFormat"}.get(code, code[0].upper() + code[1:])
    exception_class = getattr(oaiexceptions, name, oaiexceptions.OAIError)
    raise exception_class(f"{url}: OAI-PMH error {code}: {(error.text or '').strip()}")


def format_datestamp(moment: datetime, granularity: str) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d") if granularity == DAY else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_SECONDS_DATESTAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")


def parse_datestamp(value: str) -> datetime | None:
    """OAI datestamps are UTC, day or seconds granularity; anything else is reported, not trusted."""
    value = value.strip()
    # The usual form without strptime, which costs ~20 us a record; anything else takes the slow path.
    if match := _SECONDS_DATESTAMP.fullmatch(value):
        try:
            year, month, day, hour, minute, second = map(int, match.groups())
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError:
            return None
    for pattern in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def parse_identify(content: bytes, url: str) -> IdentifyInfo:
    root = parse_xml(content, url)
    raise_oai_error(root, url)
    identify = root.find("oai:Identify", _NS)
    if identify is None:
        raise PageError(url, "Identify response without <Identify>")

    def text(name: str) -> str | None:
        element = identify.find(f"oai:{name}", _NS)
        return element.text.strip() if element is not None and element.text else None

    findings: list[str] = []
    granularity = text("granularity") or DAY
    if granularity not in (DAY, SECONDS):
        findings.append(f"unknown granularity {granularity!r}; using {DAY}")
        granularity = DAY
    earliest = text("earliestDatestamp")
    if earliest and parse_datestamp(earliest) is None:
        # SciCat answers e.g. 2017-01-00T03:24:00Z: tolerate it, report it.
        findings.append(f"invalid earliestDatestamp {earliest!r}")
        earliest = None
    deleted = text("deletedRecord") or "no"
    if deleted == "no":
        findings.append("deletedRecord=no: deletions found only by set difference after a full pull")
    return IdentifyInfo(
        repository_name=text("repositoryName") or "",
        granularity=granularity,
        deleted_record=deleted,
        earliest_datestamp=earliest,
        findings=tuple(findings),
    )


def parse_list_records(content: bytes, url: str, source: Source) -> Page:
    """One ListRecords page -> raw records. Raises PageError, or Sickle's OAIError subclasses."""
    findings: list[str] = []
    root = parse_xml(content, url, findings)
    raise_oai_error(root, url)
    return read_records(root, url, source, findings)


def parse_saved_page(content: bytes, url: str, source_id: str) -> Page:
    """A saved ListRecords or GetRecord page (`pankg crosswalk PAGE`), read exactly as a harvest reads its
    pages. Its records carry the page's requested metadataPrefix, as harvested records carry the source's.
    noRecordsMatch is an empty page; any other OAI error, or an unusable page, raises PageError or Sickle's
    OAIError subclass."""
    findings: list[str] = []
    root = parse_xml(content, url, findings)
    try:
        raise_oai_error(root, url)
    except oaiexceptions.NoRecordsMatch:
        return Page(url=url, records=[], token=None, findings=[f"{url}: noRecordsMatch (no records)"])
    request = root.find("oai:request", _NS)
    prefix = (request.get("metadataPrefix") if request is not None else None) or ""
    source = Source(id=source_id, name=source_id, protocol="oai-pmh", url=url, metadata_prefix=prefix)
    return read_records(root, url, source, findings, verbs=("ListRecords", "GetRecord"))


def read_records(
    root: etree._Element,
    url: str,
    source: Source,
    findings: list[str],
    verbs: tuple[str, ...] = ("ListRecords",),
) -> Page:
    """The records of a parsed page answering one of `verbs` (ListRecords and GetRecord pages share the
    record structure); `findings` are the page's so far.

    Records that cannot be used (no identifier, no metadata, over the size limit, unresolved entities)
    are skipped with a finding naming them; the rest of the page is kept. `Page.skipped` lists the
    identified ones so that a full pull does not take them for deletions.
    """
    container = next((c for verb in verbs if (c := root.find(f"oai:{verb}", _NS)) is not None), None)
    if container is None:
        raise PageError(url, f"{' or '.join(verbs)} response without " + " or ".join(f"<{v}>" for v in verbs))
    records: dict[str, RawRecord] = {}
    skipped: list[str] = []
    unidentified = 0
    limit = int(source.max_record_mb * 1024 * 1024)
    future = datetime.now(UTC) + timedelta(days=1)
    # libxml2 keeps an undeclared entity reference as a node only under a DOCTYPE (without one it is a
    # well-formedness error): without one, no record needs the walk through its whole tree.
    may_hold_entities = root.getroottree().docinfo.internalDTD is not None
    for position, element in enumerate(container.iterchildren(_RECORD), start=1):
        header = element.find(_HEADER)
        if header is None:
            findings.append(f"{url}: record #{position} without <header> skipped")
            unidentified += 1
            continue
        # What Sickle's `Header` reads (the first identifier and datestamp, every setSpec), read directly:
        # building a Header cost ~15% of the harvester's CPU.
        identifier = (header.findtext(_IDENTIFIER) or "").strip()
        if not identifier:
            findings.append(f"{url}: record #{position} without identifier skipped")
            unidentified += 1
            continue
        deleted = header.get("status") == "deleted"
        datestamp = (header.findtext(_DATESTAMP) or "").strip()
        moment = parse_datestamp(datestamp)
        if moment is None:
            findings.append(f"{identifier}: invalid datestamp {datestamp!r}")
        elif moment > future:
            findings.append(f"{identifier}: datestamp {datestamp} is in the future")
        payload = b""
        if not deleted:
            metadata = element.find(_METADATA)
            child = metadata.find("*") if metadata is not None else None  # the first element, not a comment
            if child is None:
                findings.append(f"{identifier}: record without metadata skipped ({url})")
                skipped.append(identifier)
                continue
            entity = next(child.iter(etree.Entity), None) if may_hold_entities else None
            if entity is not None:
                # Declared in a DTD we never load: stored as is it would break every later parse.
                findings.append(f"{identifier}: unresolved entity reference {entity.text} skipped ({url})")
                skipped.append(identifier)
                continue
            payload = etree.tostring(child, encoding="utf-8")
            if len(payload) > limit:
                findings.append(
                    f"{identifier}: record of {len(payload):,} bytes exceeds the limit of {limit:,} bytes"
                    f" (max_record_mb); skipped, the stored copy (if any) kept ({url})"
                )
                skipped.append(identifier)
                continue
        if identifier in records:
            findings.append(f"{identifier}: repeated in one page; the last copy is kept")
        records[identifier] = RawRecord(
            source=source.id,
            identifier=identifier,
            datestamp=datestamp,
            metadata_prefix=source.metadata_prefix,
            payload=payload,
            deleted=deleted,
            sets=tuple(e.text for e in header.iterchildren(_SET_SPEC)),  # type: ignore[misc]
        )
    token_element = container.find("oai:resumptionToken", _NS)
    token = None
    size = None
    if token_element is not None:
        token = (token_element.text or "").strip() or None
        try:
            size = int(token_element.get("completeListSize", ""))
        except ValueError:
            size = None
    return Page(
        url=url,
        records=list(records.values()),
        token=token,
        complete_list_size=size,
        findings=findings,
        skipped=[i for i in skipped if i not in records],
        unidentified=unidentified,
    )


# --- the client ------------------------------------------------------------------------------------------


class OaiPmhClient:
    """Fetches and parses one source's pages. Knows nothing of storage."""

    errors = OAI_ERRORS
    full_pulls_only = False

    def __init__(self, source: Source, session: PoliteSession) -> None:
        self.source = source
        self.session = session

    def _get(self, params: dict[str, str]) -> tuple[bytes, str]:
        response = self.session.get(self.source.url, params=params)
        url = response.url
        # OAI-PMH errors arrive as 200 or, from Invenio, as 4xx (422) with the OAI error in the body.
        if response.status_code != 200 and not (
            400 <= response.status_code < 500 and b"<OAI-PMH" in response.content[:2048]
        ):
            raise FetchError(url, f"HTTP {response.status_code} {response.reason}", response.status_code)
        return response.content, url

    def identify(self) -> IdentifyInfo:
        content, url = self._get({"verb": "Identify"})
        return parse_identify(content, url)

    def get_record(self, identifier: str) -> RawRecord | None:
        params = {
            "verb": "GetRecord",
            "identifier": identifier,
            "metadataPrefix": self.source.metadata_prefix,
        }
        content, url = self._get(params)
        root = parse_xml(content, url)
        try:
            raise_oai_error(root, url)
        except oaiexceptions.IdDoesNotExist:
            return None
        page = read_records(root, url, self.source, [], verbs=("GetRecord",))
        if page.records:
            return page.records[0]
        if page.skipped or page.unidentified:
            # The provider has the record but we could not use it: an error, never "gone" (a tombstone).
            raise PageError(url, "; ".join(page.findings))
        return None

    def list_records(self, window: Window) -> Iterator[Page]:
        """Pages of one window. Ends normally on the last page, on noRecordsMatch, or on a repeating token."""
        first = {"verb": "ListRecords", "metadataPrefix": self.source.metadata_prefix}
        if self.source.set:
            first["set"] = self.source.set
        if window.from_:
            first["from"] = window.from_
        if window.until:
            first["until"] = window.until
        params = first
        seen_tokens: set[str] = set()
        restarted = False
        while True:
            content, url = self._get(params)
            try:
                page = parse_list_records(content, url, self.source)
            except oaiexceptions.NoRecordsMatch:
                if params is not first:
                    # The previous page promised more: the list is cut short, not empty. Never let a
                    # full pull that ended here delete the rest by set difference.
                    finding = f"{url}: noRecordsMatch for a resumption token; window ended incomplete"
                    yield Page(url=url, records=[], token=None, findings=[finding], ended_early=True)
                return
            except oaiexceptions.BadResumptionToken:
                # An expired token mid-window: restart the window once (records already kept stay kept).
                if restarted or params is first:
                    raise
                restarted = True
                log.warning("%s: badResumptionToken at %s; restarting the window once", self.source.id, url)
                params, seen_tokens = first, set()
                continue
            if page.token and page.token in seen_tokens:
                page.findings.append(f"resumption token repeated ({page.token[:40]}); window ended")
                page.token = None
                page.ended_early = True
                yield page
                return
            yield page
            if not page.token:
                return
            seen_tokens.add(page.token)
            params = {"verb": "ListRecords", "resumptionToken": page.token}


PROTOCOL = HarvestProtocol(name="oai-pmh", client=OaiPmhClient)
