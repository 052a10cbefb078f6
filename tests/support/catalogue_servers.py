"""Local catalogue APIs over the real shared data, speaking the LoopBack filter the harvesters send.

- `panosc_app(LoopbackDb)`: the PaN search API over a reference `db.json` of panosc-eu/search-api: `GET
  /api/Documents?filter={"limit","skip","include":[...]}` and `GET /api/Documents/{pid}`, relations
  resolved as the reference implementation's models declare them (hasMany by foreign key, the
  DocumentDataset / DatasetTechnique / DatasetSample join models, belongsTo instrument, member -> person /
  affiliation). A row the upstream file stores as malformed JSON is served as it is: the page is broken.
- `scicat_app(published, datasets)`: SciCat v3 `PublishedData` and `Datasets` (where isPublished) with
  `limits` paging; MongoDB `{"$date": ...}` values are served as ISO strings like the real API.

`Quirks` injects the failures the harvesters must survive.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from tests.support.shared_data import shared

PANOSC_DB = shared("panosc-api", "search-api-db")
PAN_FINDER = shared("panosc-api", "pan-finder")
SCICAT_SEED = shared("scicat", "scicatlive-seed")


class Raw:
    """A row the upstream file stores as a JSON string that does not parse: served verbatim."""

    def __init__(self, text: str) -> None:
        self.text = text


def dumps(value: Any) -> bytes:
    """JSON, with Raw rows spliced in as they are (so a broken upstream row breaks the page)."""
    raws: list[str] = []

    def default(obj: Any) -> Any:
        if isinstance(obj, Raw):
            raws.append(obj.text)
            return f"\x00RAW{len(raws) - 1}\x00"
        raise TypeError(type(obj).__name__)

    body = json.dumps(value, default=default, ensure_ascii=False)
    for n, raw in enumerate(raws):
        body = body.replace(json.dumps(f"\x00RAW{n}\x00"), raw)
    return body.encode("utf-8")


class LoopbackDb:
    """A panosc-eu/search-api `db.json` (LoopBack memory connector) with its relations."""

    def __init__(self, path: Path) -> None:
        models = json.loads(path.read_text(encoding="utf-8"))["models"]
        self.rows: dict[str, list[Any]] = {}
        for model, table in models.items():
            rows: list[Any] = []
            for value in table.values():
                if isinstance(value, str):
                    try:
                        value = json.loads(value)
                    except json.JSONDecodeError:
                        value = Raw(value)
                rows.append(value)
            self.rows[model] = rows

    def table(self, model: str) -> list[dict[str, Any]]:
        return [r for r in self.rows.get(model, []) if isinstance(r, dict)]

    def by(self, model: str, key: str, value: Any) -> list[Any]:
        """Rows whose `key` equals `value` (ids compared as text: ESRF mixes numbers and strings); Raw rows
        are matched on their text, as a server would have stored them."""
        out: list[Any] = []
        for r in self.rows.get(model, []):
            if isinstance(r, Raw):
                if f'"{key}":"{value}"' in r.text.replace(" ", ""):
                    out.append(r)
            elif str(r.get(key)) == str(value):
                out.append(r)
        return out

    def one(self, model: str, key: str, value: Any) -> dict[str, Any] | None:
        return next((r for r in self.table(model) if str(r.get(key)) == str(value)), None)

    # --- relations (search-api common/models) -------------------------------------------------------------
    def dataset(self, row: dict[str, Any], include: list[str]) -> dict[str, Any]:
        out = dict(row)
        pid = row["pid"]
        if "techniques" in include:
            ids = [j["techniqueId"] for j in self.by("DatasetTechnique", "datasetId", pid)]
            out["techniques"] = [t for i in ids if (t := self.one("Technique", "pid", i))]
        if "instrument" in include and row.get("instrumentId") is not None:
            ins = self.one("Instrument", "pid", row["instrumentId"])
            if ins:
                out["instrument"] = ins
        if "parameters" in include:
            out["parameters"] = self.by("Parameter", "datasetId", pid)
        if "samples" in include:
            ids = [j["sampleId"] for j in self.by("DatasetSample", "datasetId", pid)]
            out["samples"] = [s for i in ids if (s := self.one("Sample", "pid", i))]
        if "files" in include:
            out["files"] = self.by("File", "datasetId", pid)
        return out

    def document(self, row: dict[str, Any], include: dict[str, list[str]]) -> dict[str, Any]:
        out = dict(row)
        pid = row["pid"]
        if "datasets" in include:
            rows = self.by("Dataset", "documentId", pid)
            joined = [j["datasetId"] for j in self.by("DocumentDataset", "documentId", pid)]
            rows += [d for i in joined if (d := self.one("Dataset", "pid", i)) and d not in rows]
            out["datasets"] = [self.dataset(d, include["datasets"]) for d in rows]
        if "members" in include:
            members = []
            for m in self.by("Member", "documentId", pid):
                m = dict(m)
                if "person" in include["members"] and (p := self.one("Person", "id", m.get("personId"))):
                    m["person"] = p
                if "affiliation" in include["members"] and (
                    a := self.one("Affiliation", "id", m.get("affiliationId"))
                ):
                    m["affiliation"] = a
                members.append(m)
            out["members"] = members
        if "parameters" in include:
            out["parameters"] = self.by("Parameter", "documentId", pid)
        return out


def parse_include(spec: Any) -> dict[str, list[str]]:
    """LoopBack include (names, objects with relation / scope.include) -> {relation: [sub-relations]}."""
    out: dict[str, list[str]] = {}
    for entry in spec if isinstance(spec, list) else [spec] if spec else []:
        if isinstance(entry, str):
            out[entry] = []
        elif isinstance(entry, dict) and "relation" in entry:
            sub = (entry.get("scope") or {}).get("include") or []
            out[entry["relation"]] = list(parse_include(sub))
    return out


@dataclass
class Quirks:
    ignore_skip: bool = False  # every page is the first page
    endless: bool = False  # past the end, invent new documents forever
    status_at_skip: dict[int, int] = field(default_factory=dict)  # skip -> HTTP status
    body_at_skip: dict[int, bytes] = field(default_factory=dict)  # skip -> body served instead
    requests: list[str] = field(default_factory=list)


def _paging(flt: dict[str, Any]) -> tuple[int, int]:
    limits = flt.get("limits") if isinstance(flt.get("limits"), dict) else flt
    return int(limits.get("limit", 100)), int(limits.get("skip", 0))


def _respond(start_response: Callable[..., Any], status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "application/json; charset=utf-8")])
    return [body]


def _list_page(
    items: list[Any], flt: dict[str, Any], quirks: Quirks, render: Callable[[Any], Any]
) -> tuple[str, bytes]:
    limit, skip = _paging(flt)
    if skip in quirks.status_at_skip:
        return f"{quirks.status_at_skip[skip]} Error", b'{"error":{"message":"internal error"}}'
    if skip in quirks.body_at_skip:
        return "200 OK", quirks.body_at_skip[skip]
    if quirks.ignore_skip:
        skip = 0
    page = [render(r) for r in items[skip : skip + limit]]
    if quirks.endless and len(page) < limit:
        page += [{"pid": f"endless-{skip}-{n}", "title": "again"} for n in range(limit - len(page))]
    return "200 OK", dumps(page)


def panosc_app(db: LoopbackDb, quirks: Quirks | None = None) -> Callable[..., list[bytes]]:
    quirks = quirks or Quirks()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        quirks.requests.append(f"{path}?{environ.get('QUERY_STRING', '')}")
        flt = json.loads(query["filter"][0]) if "filter" in query else {}
        include = parse_include(flt.get("include"))
        if path == "/api/Documents":
            status, body = _list_page(db.table("Document"), flt, quirks, lambda r: db.document(r, include))
            return _respond(start_response, status, body)
        if path.startswith("/api/Documents/"):
            row = db.one("Document", "pid", unquote(path.removeprefix("/api/Documents/")))
            if row is None:
                return _respond(start_response, "404 Not Found", b'{"error":{"statusCode":404}}')
            return _respond(start_response, "200 OK", dumps(db.document(row, include)))
        return _respond(start_response, "404 Not Found", b'{"error":{"statusCode":404}}')

    return app


def mongo_to_api(value: Any) -> Any:
    """MongoDB extended JSON (the seed files) -> what the API serves (ISO strings)."""
    if isinstance(value, dict):
        if set(value) == {"$date"}:
            return value["$date"]
        return {k: mongo_to_api(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mongo_to_api(v) for v in value]
    return value


def scicat_app(
    published: list[dict[str, Any]], datasets: list[dict[str, Any]], quirks: Quirks | None = None
) -> Callable[..., list[bytes]]:
    quirks = quirks or Quirks()
    published = [mongo_to_api(p) for p in published]
    datasets = [mongo_to_api(d) for d in datasets]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        quirks.requests.append(f"{path}?{environ.get('QUERY_STRING', '')}")
        flt = json.loads(query["filter"][0]) if "filter" in query else {}
        where = flt.get("where") or {}
        for name, items, key in (("PublishedData", published, "doi"), ("Datasets", datasets, "pid")):
            if path == f"/api/v3/{name}":
                rows = [r for r in items if all(r.get(k) == v for k, v in where.items())]
                status, body = _list_page(rows, flt, quirks, lambda r: r)
                return _respond(start_response, status, body)
            if path.startswith(f"/api/v3/{name}/"):
                wanted = unquote(path.removeprefix(f"/api/v3/{name}/"))
                row = next((r for r in items if str(r.get(key, r.get("_id"))) == wanted), None)
                if row is None:
                    return _respond(start_response, "404 Not Found", b'{"error":"not found"}')
                return _respond(start_response, "200 OK", dumps(row))
        return _respond(start_response, "404 Not Found", b'{"error":"not found"}')

    return app


def pan_finder_scicat(name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A PaN-Finder harvest file -> (SciCat PublishedData, SciCat Datasets) as the facility served them."""
    items = json.loads((PAN_FINDER / name).read_text(encoding="utf-8"))
    # MAX IV / ESS / DESY items join the publication and its datasets; PSI's are bare PublishedData.
    published = [
        i["document"] if isinstance(i.get("document"), dict) else i
        for i in items
        if "doi" in i or "document" in i
    ]
    datasets = [d for i in items for d in i.get("datasets") or [] if isinstance(d, dict)]
    return published, datasets


def seed(name: str) -> list[dict[str, Any]]:
    return json.loads((SCICAT_SEED / f"{name}.json").read_text(encoding="utf-8"))
