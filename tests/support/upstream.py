"""A loopback stand-in for PyPI and pypistats.org, serving the recorded fixtures.

A real HTTP/1.1 server (keep-alive, one thread per connection) on 127.0.0.1:

* ``/pypi/<name>/json`` and ``/pypi/<name>/<version>/json`` - PyPI's JSON API. Names are
  looked up by their PEP 503 form; a name spelled differently from the project's own
  name is redirected (301) to it, as PyPI does. Per-version documents are derived from
  the project document (``info`` at that version, ``urls`` = that release's files).
  Unknown names and versions: 404 ``{"message": "Not Found"}``.
  With ``strip_releases`` set, project documents are served without the deprecated
  ``releases`` key, as PyPI may serve them one day.
* ``/simple/<name>/`` - PyPI's Simple API in its JSON form (PEP 691, API version 1.4),
  derived from the project document by the rules of warehouse's
  ``warehouse/packaging/utils.py`` (``_simple_detail``) and rendered as its
  ``json-with-newline`` renderer does; a name not in its normalised form is redirected
  (301), as warehouse does. Only the JSON form is served (406 otherwise). The PEP 792
  status is ``active`` unless ``set_project_status`` says otherwise; a quarantined
  project lists no files, and its JSON API document is a 404, as on PyPI.
* ``/integrity/<name>/<version>/<filename>/provenance`` - PyPI's Integrity API: the
  documents under ``fixtures/integrity/``, else warehouse's 404.
* ``/rss/packages.xml``, ``/rss/updates.xml`` and ``/rss/project/<name>/releases.xml`` -
  PyPI's RSS feeds (``fixtures/rss/``).
* ``/api/packages/<name>/recent`` - pypistats.org's recent downloads, in Flask's
  ``jsonify`` form, its 404 for unknown packages; with ``stats_limits``
  (``tests.support.fixed_window.FixedWindowLimits``), its rate limit and 429 answers.

Every document carries ``ETag`` and ``Last-Modified`` and answers ``If-None-Match`` /
``If-Modified-Since`` with 304; JSON API and Simple API answers carry
``X-PyPI-Last-Serial``.

Tests count requests per path, inject faults (``inject``), and add documents at run time
(``set_json``, ``set_feed``, ``set_downloads``, ``add_alias``, ``add_rule``). Names
matching ``synthetic-<template>-<n>`` are served from the ``<template>`` fixture, for
load tests that need many distinct packages.

Standalone: ``python -m tests.support.upstream --port 8765``. Importable without pytest.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import fnmatch
import hashlib
import json
import re
import socket
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from tests.support.fixed_window import FixedWindowLimits

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NOT_FOUND_BODY = b'{"message": "Not Found"}'
FEEDS = {"packages": "/rss/packages.xml", "updates": "/rss/updates.xml"}
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
INTEGRITY_JSON = "application/vnd.pypi.integrity.v1+json"
#: The Simple API version warehouse serves (``warehouse/packaging/utils.py``).
SIMPLE_API_VERSION = "1.4"
#: pypistats.org's answers past its rate limit and for an unknown package
#: (psf/pypistats.org ``pypistats/views/error.py``), as Flask sends a returned string.
STATS_RATE_LIMITED_BODY = b'<a href="/api/#etiquette">429 RATE LIMIT EXCEEDED</a>'
STATS_NOT_FOUND_BODY = b"404"
FLASK_TEXT = "text/html; charset=utf-8"
SYNTHETIC = re.compile(r"synthetic-(?P<template>[a-z0-9-]+?)-(?P<n>\d+)")
_FALLBACK_MODIFIED = datetime(2026, 1, 1, tzinfo=UTC)
_PROJECT = re.compile(r"/pypi/(?P<name>[^/]+)/json/?")
_RELEASE = re.compile(r"/pypi/(?P<name>[^/]+)/(?P<version>[^/]+)/json/?")
_STATS = re.compile(r"/api/packages/(?P<name>[^/]+)/recent/?")
_SIMPLE = re.compile(r"/simple/(?P<name>[^/]+)/?")
_PROVENANCE = re.compile(
    r"/integrity/(?P<name>[^/]+)/(?P<version>[^/]+)/(?P<filename>[^/]+)/provenance/?"
)
_PROJECT_FEED = re.compile(r"/rss/project/(?P<name>[^/]+)/releases\.xml")
_CHUNK = 64 * 1024


@dataclass
class Fault:
    """What to do instead of (or before) answering normally; see ``Upstream.inject``."""

    pattern: str = "*"
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    delay: float = 0.0
    truncate: int | None = None
    disconnect_after: int | None = None
    reset: bool = False
    huge: int | None = None
    hang: bool = False
    times: int | None = None
    hits: int = 0

    def matches(self, path: str) -> bool:
        """Whether this fault applies to ``path`` (exact path, glob, or ``*`` for all)."""
        if any(char in self.pattern for char in "*?["):
            return fnmatch.fnmatchcase(path, self.pattern)
        return path == self.pattern


@dataclass
class _Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _newest_upload(document: Mapping[str, Any]) -> datetime:
    """The newest upload time in a JSON API document (for Last-Modified)."""
    files = list(document.get("urls") or [])
    for release in (document.get("releases") or {}).values():
        files.extend(release)
    newest: datetime | None = None
    for entry in files:
        stamp = entry.get("upload_time_iso_8601") or entry.get("upload_time")
        try:
            moment = datetime.fromisoformat(str(stamp))
        except ValueError:
            continue
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).replace(microsecond=0)
        newest = moment if newest is None else max(newest, moment)
    return newest or _FALLBACK_MODIFIED


def _version_key(version: str) -> Version | None:
    try:
        return Version(version)
    except InvalidVersion:
        return None


def derive_release_document(project: Mapping[str, Any], version: str) -> dict[str, Any] | None:
    """The per-version document PyPI would serve, derived from a project document."""
    releases = project.get("releases") or {}
    if version not in releases:
        wanted = _version_key(version)
        matches = [key for key in releases if wanted is not None and _version_key(key) == wanted]
        if not matches:
            return None
        version = matches[0]
    files = copy.deepcopy(releases[version])
    info = copy.deepcopy(dict(project["info"]))
    name = info.get("name", "")
    latest = info.get("version") == version
    info["version"] = version
    info["release_url"] = f"https://pypi.org/project/{name}/{version}/"
    if files:
        info["requires_python"] = files[0].get("requires_python")
        info["yanked"] = all(entry.get("yanked") for entry in files)
        info["yanked_reason"] = files[0].get("yanked_reason") if info["yanked"] else None
    return {
        "info": info,
        "last_serial": project.get("last_serial"),
        "urls": files,
        "vulnerabilities": copy.deepcopy(project.get("vulnerabilities") or []) if latest else [],
    }


def _legacy_order(version: str) -> tuple[int, Version | str]:
    """warehouse's file order (``packaging_legacy.version.parse``): versions that are not
    PEP 440 sort before every one that is (among themselves by text, here)."""
    parsed = _version_key(version)
    return (0, version) if parsed is None else (1, parsed)


def derive_simple_page(project: Mapping[str, Any], status: str = "active") -> dict[str, Any]:
    """The Simple API page (JSON) warehouse would serve for a JSON API project document.

    Follows ``_simple_detail`` in warehouse's ``warehouse/packaging/utils.py``: every file
    of every release, sorted by (version, filename); ``versions`` are the releases with
    files; ``yanked`` is the reason when there is one, else the flag; the metadata keys
    from the JSON API's ``core-metadata``; ``provenance`` is filled in by the caller. A
    quarantined project lists no files (warehouse filters them out).
    """
    info = project.get("info") or {}
    name = str(canonicalize_name(str(info.get("name", ""))))
    files: dict[str, tuple[str, Mapping[str, Any]]] = {}
    releases = project.get("releases")
    if releases is None:  # a document without releases: the latest release's files
        releases = {info.get("version"): project.get("urls") or []}
    if status != "quarantined":
        for version, entries in releases.items():
            for entry in entries:
                files.setdefault(entry["filename"], (version, entry))
    ordered = sorted(files.values(), key=lambda item: (_legacy_order(item[0]), item[1]["filename"]))
    page_files = []
    for _, entry in ordered:
        metadata = entry.get("core-metadata") or False
        reason = entry.get("yanked_reason")
        page_files.append(
            {
                "filename": entry["filename"],
                "url": entry["url"],
                "hashes": {"sha256": (entry.get("digests") or {}).get("sha256")},
                "requires-python": entry.get("requires_python") or None,
                "size": entry.get("size"),
                "upload-time": entry.get("upload_time_iso_8601"),
                "yanked": reason if entry.get("yanked") and reason else bool(entry.get("yanked")),
                "data-dist-info-metadata": metadata,
                "core-metadata": metadata,
                "provenance": None,
            }
        )
    return {
        "meta": {"api-version": SIMPLE_API_VERSION, "_last-serial": project.get("last_serial")},
        "name": name,
        "project-status": {"status": status},
        "versions": sorted({version for version, _ in ordered}, key=_legacy_order),
        "files": page_files,
    }


def warehouse_json(document: Any) -> bytes:
    """A document as warehouse's ``json-with-newline`` renderer writes it."""
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return (text + "\n").encode()


def flask_json(document: Any) -> bytes:
    """A document as Flask's ``jsonify`` writes it (pypistats.org): sorted keys, compact,
    a final newline."""
    return (json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n").encode()


class Upstream:
    """The loopback upstream: start it, point clients at ``pypi_url``/``stats_url``, stop it."""

    def __init__(
        self,
        fixtures: Path = FIXTURES,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        redirect_noncanonical: bool = True,
        max_hang: float = 60.0,
        max_cached_answers: int = 1024,
    ) -> None:
        self.fixtures = fixtures
        self.host = host
        self.port = port
        self.redirect_noncanonical = redirect_noncanonical
        self.max_hang = max_hang
        self.max_cached_answers = max_cached_answers
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._faults: list[Fault] = []
        self._release_hangs = threading.Event()
        self._fixture_cache: dict[tuple[str, str], Any] = {}
        self._overrides: dict[str, Any] = {}
        self._synthetic: dict[str, dict[str, Any] | None] = {}
        self._versions: dict[tuple[str, str], dict[str, Any]] = {}
        self._raw: dict[str, tuple[bytes, str]] = {}
        self._downloads: dict[str, dict[str, Any] | None] = {}
        self._feeds: dict[str, bytes] = {}
        self._aliases: dict[str, tuple[str, str]] = {}
        self._rules: list[tuple[re.Pattern[str], str]] = []
        self._statuses: dict[str, str] = {}
        self._rendered: dict[str, _Answer] = {}
        self._strip_releases = False
        #: pypistats' rate limit, when set (``FixedWindowLimits``); 429s are counted.
        self.stats_limits: FixedWindowLimits | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # Life cycle

    def start(self) -> Upstream:
        """Listen and serve in a background thread; returns self."""
        server = _Server((self.host, self.port), _Handler)
        server.upstream = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release hung answers and close every open connection."""
        if self._server is None:
            return
        self._release_hangs.set()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> Upstream:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; also the base of the download-stats API."""
        return f"http://{self.host}:{self.port}"

    @property
    def pypi_url(self) -> str:
        """The base of the JSON API, for ``pypi_server``/``pypi_url``."""
        return f"{self.url}/pypi"

    @property
    def stats_url(self) -> str:
        return self.url

    @property
    def simple_url(self) -> str:
        """The base of the Simple API."""
        return f"{self.url}/simple"

    @property
    def integrity_url(self) -> str:
        """The base of the Integrity API."""
        return f"{self.url}/integrity"

    @property
    def project_releases_url(self) -> str:
        """The template of the project releases feeds."""
        return self.url + "/rss/project/{name}/releases.xml"

    @property
    def newest_packages_url(self) -> str:
        return self.url + FEEDS["packages"]

    @property
    def latest_updates_url(self) -> str:
        return self.url + FEEDS["updates"]

    def reset(self) -> None:
        """Forget counts, faults and run-time documents (loaded fixtures stay cached)."""
        self.clear_faults()
        with self._lock:
            self._counts.clear()
            self._overrides.clear()
            self._synthetic.clear()
            self._versions.clear()
            self._raw.clear()
            self._downloads.clear()
            self._feeds.clear()
            self._aliases.clear()
            self._rules.clear()
            self._statuses.clear()
            self._rendered.clear()
        self._strip_releases = False
        self.stats_limits = None

    @property
    def strip_releases(self) -> bool:
        """Whether project documents are served without ``releases`` (deprecated in the
        JSON API, and liable to be removed)."""
        return self._strip_releases

    @strip_releases.setter
    def strip_releases(self, value: bool) -> None:
        with self._lock:
            self._strip_releases = value
            self._rendered.clear()

    # Counting

    def count(self, path: str) -> int:
        """How many requests reached ``path`` (query strings ignored)."""
        with self._lock:
            return self._counts[path]

    def total(self) -> int:
        """How many requests arrived, in all."""
        with self._lock:
            return sum(self._counts.values())

    def counts(self) -> dict[str, int]:
        """A snapshot of the per-path counts."""
        with self._lock:
            return dict(self._counts)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()

    # Faults

    def inject(self, pattern: str = "*", **kwargs: Any) -> Fault:
        """Make requests to ``pattern`` misbehave until ``clear_faults`` (or ``times`` uses).

        ``pattern`` is an exact path, a glob (``/pypi/*``) or ``*`` for every path.
        Keyword arguments (one kind of misbehaviour, or status with headers/body/delay):

        * ``status=503, headers={"Retry-After": "1"}, body=b"..."`` - answer that instead;
        * ``body=b"not json"`` - a 200 with that body;
        * ``delay=0.5`` - wait before answering normally (or with ``status``);
        * ``truncate=N`` - the normal answer cut to N bytes (Content-Length says N);
        * ``disconnect_after=N`` - send N bytes of the normal body, then close mid-body;
        * ``reset=True`` - reset the connection (TCP RST) without answering;
        * ``huge=N`` - stream N bytes of JSON-looking filler, chunked, never held in memory;
        * ``hang=True`` - never answer, until faults are cleared or the server stops;
        * ``times=N`` - apply to the next N matching requests only.
        """
        fault = Fault(pattern=pattern, **kwargs)
        with self._lock:
            self._faults.append(fault)
            self._release_hangs.clear()
        return fault

    def clear_faults(self) -> None:
        """Remove every fault and release hung requests."""
        with self._lock:
            self._faults.clear()
        self._release_hangs.set()

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(path):
                    fault.hits += 1
                    if fault.times is not None and fault.hits >= fault.times:
                        self._faults.remove(fault)
                    return fault
        return None

    # Documents

    def set_json(self, path: str, document: Any) -> None:
        """Serve ``document`` (JSON-encoded) at ``path`` from now on.

        ``/pypi/<name>/json`` replaces a project (found under any spelling of its name);
        ``/pypi/<name>/<version>/json`` a per-version document; other paths are exact.
        """
        project = _PROJECT.fullmatch(path)
        release = _RELEASE.fullmatch(path)
        with self._lock:
            self._rendered.clear()
            if project:
                self._overrides[canonicalize_name(project["name"])] = document
            elif release:
                key = (canonicalize_name(release["name"]), release["version"])
                self._versions[key] = document
            else:
                self._raw[path] = (json.dumps(document).encode(), "application/json")

    def remove_project(self, name: str) -> None:
        """Make ``name`` unknown (404) from now on."""
        with self._lock:
            self._rendered.clear()
            self._overrides[canonicalize_name(name)] = None

    def set_raw(self, path: str, body: bytes, content_type: str = "application/json") -> None:
        """Serve ``body`` as it is at exactly ``path``."""
        with self._lock:
            self._raw[path] = (body, content_type)
            self._rendered.clear()

    def set_feed(self, feed: str, content: bytes | str) -> None:
        """Replace a feed: ``packages``/``updates`` or its path, with an RSS document."""
        path = FEEDS.get(feed, feed)
        data = content.encode() if isinstance(content, str) else content
        with self._lock:
            self._feeds[path] = data
            self._rendered.clear()

    def set_project_status(self, name: str, status: str) -> None:
        """Give ``name`` this PEP 792 status (``archived``, ``quarantined``...)."""
        with self._lock:
            self._statuses[canonicalize_name(name)] = status
            self._rendered.clear()

    def set_downloads(self, name: str, day: int, week: int, month: int) -> None:
        """Serve these recent download counts for ``name``."""
        normalized = canonicalize_name(name)
        document = {
            "data": {"last_day": day, "last_month": month, "last_week": week},
            "package": normalized,
            "type": "recent_downloads",
        }
        with self._lock:
            self._downloads[normalized] = document
            self._rendered.clear()

    def add_alias(self, name: str, template: str) -> None:
        """Serve project ``name`` as a copy of the ``template`` fixture, renamed."""
        with self._lock:
            self._rendered.clear()
            self._aliases[canonicalize_name(name)] = (name, canonicalize_name(template))
            self._synthetic.pop(canonicalize_name(name), None)

    def add_rule(self, pattern: str, template: str) -> None:
        """Serve every project whose PEP 503 name fully matches ``pattern`` from ``template``."""
        with self._lock:
            self._rendered.clear()
            self._rules.append((re.compile(pattern), canonicalize_name(template)))
            self._synthetic.clear()

    def _fixture(self, directory: str, stem: str) -> Any:
        """A recorded document (parsed once, then cached), or None."""
        key = (directory, stem)
        with self._lock:
            if key in self._fixture_cache:
                return self._fixture_cache[key]
        path = self.fixtures / directory / f"{stem}.json"
        document = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        with self._lock:
            return self._fixture_cache.setdefault(key, document)

    def project(self, name: str) -> dict[str, Any] | None:
        """The project document served for ``name`` (any spelling), or None if unknown."""
        normalized = canonicalize_name(name)
        with self._lock:
            if normalized in self._overrides:
                return self._overrides[normalized]  # type: ignore[no-any-return]
            if normalized in self._synthetic:
                return self._synthetic[normalized]
            shown, template = self._aliases.get(normalized, (normalized, None))
            if template is None:
                template = next((t for p, t in self._rules if p.fullmatch(normalized)), None)
        if template is None and (synthetic := SYNTHETIC.fullmatch(normalized)):
            template = synthetic["template"]
        if template is None:
            if normalized.startswith("_"):
                return None
            return self._fixture("pypi", normalized)  # type: ignore[no-any-return]
        source = self.project(template)
        document = None if source is None else _renamed(source, shown)
        with self._lock:
            return self._synthetic.setdefault(normalized, document)

    # Answers

    def answer(self, path: str, query: str = "") -> _Answer:
        """The normal answer for ``path`` (before conditional headers and faults)."""
        key = f"{path}?{query}"
        with self._lock:
            cached = self._rendered.get(key)
            raw = self._raw.get(path)
        if raw is not None:
            return _answer_for(raw[0], raw[1], _FALLBACK_MODIFIED)
        if cached is not None:
            return cached
        answer = self._compute(path, query)
        if answer.status == HTTPStatus.OK:
            with self._lock:
                if len(self._rendered) >= self.max_cached_answers:
                    self._rendered.clear()
                self._rendered[key] = answer
        return answer

    def _compute(self, path: str, query: str) -> _Answer:
        if match := _PROJECT.fullmatch(path):
            return self._json_answer(match["name"], None, path)
        if match := _RELEASE.fullmatch(path):
            return self._json_answer(match["name"], match["version"], path)
        if match := _STATS.fullmatch(path):
            return self._stats_answer(match["name"], query)
        if match := _SIMPLE.fullmatch(path):
            return self._simple_answer(match["name"])
        if match := _PROVENANCE.fullmatch(path):
            return self._provenance_answer(match["name"], match["version"], match["filename"])
        if match := _PROJECT_FEED.fullmatch(path):
            feed = (
                self.fixtures / "rss" / f"project-{canonicalize_name(match['name'])}-releases.xml"
            )
            if not feed.is_file():
                return _not_found()
            content = feed.read_bytes()
            return _answer_for(content, "text/xml; charset=UTF-8", _FALLBACK_MODIFIED)
        if path in FEEDS.values():
            with self._lock:
                content = self._feeds.get(path)
            if content is None:
                content = (self.fixtures / "rss" / path.rsplit("/", 1)[1]).read_bytes()
            return _answer_for(content, "application/rss+xml; charset=utf-8", _FALLBACK_MODIFIED)
        return _not_found()

    def _status(self, name: str) -> str:
        with self._lock:
            return self._statuses.get(str(canonicalize_name(name)), "active")

    def _simple_answer(self, name: str) -> _Answer:
        normalized = str(canonicalize_name(name))
        if name != normalized:
            return _Answer(
                HTTPStatus.MOVED_PERMANENTLY, headers={"Location": f"/simple/{normalized}/"}
            )
        project = self.project(name)
        if project is None:
            return _not_found()
        page = derive_simple_page(project, self._status(name))
        for file in page["files"]:
            version = self._file_version(project, file["filename"])
            if version is not None and self._provenance_path(name, version, file["filename"]):
                file["provenance"] = (
                    f"{self.integrity_url}/{normalized}/{version}/{file['filename']}/provenance"
                )
        answer = _answer_for(warehouse_json(page), SIMPLE_JSON, _newest_upload(project))
        answer.headers["X-PyPI-Last-Serial"] = str(project.get("last_serial"))
        return answer

    @staticmethod
    def _file_version(project: Mapping[str, Any], filename: str) -> str | None:
        for version, entries in (project.get("releases") or {}).items():
            if any(entry.get("filename") == filename for entry in entries):
                return str(version)
        return None

    def _provenance_path(self, name: str, version: str, filename: str) -> Path | None:
        path = (
            self.fixtures
            / "integrity"
            / str(canonicalize_name(name))
            / version
            / f"{filename}.provenance.json"
        )
        return path if path.is_file() else None

    def _provenance_answer(self, name: str, version: str, filename: str) -> _Answer:
        path = self._provenance_path(name, version, filename)
        if path is None:
            # warehouse's answer for a file without provenance (warehouse/api/integrity.py).
            body = json.dumps({"message": f"No provenance available for {filename}"}).encode()
            return _Answer(HTTPStatus.NOT_FOUND, body, {"Content-Type": "application/json"})
        return _answer_for(path.read_bytes(), INTEGRITY_JSON, _FALLBACK_MODIFIED)

    def _json_answer(self, name: str, version: str | None, path: str) -> _Answer:
        project = self.project(name)
        if project is not None and self._status(name) == "quarantined":
            project = None  # warehouse's JSON API leaves quarantined projects out
        if version is not None:
            with self._lock:
                document = self._versions.get((canonicalize_name(name), version))
            if document is None and project is not None:
                document = derive_release_document(project, version)
        else:
            document = project
        if document is None:
            return _not_found()
        real_name = str((project or document).get("info", {}).get("name", name))
        if self.redirect_noncanonical and real_name != name:
            suffix = f"{version}/json" if version is not None else "json"
            return _Answer(
                HTTPStatus.MOVED_PERMANENTLY, headers={"Location": f"/pypi/{real_name}/{suffix}"}
            )
        if self.strip_releases and version is None and "releases" in document:
            document = {key: value for key, value in document.items() if key != "releases"}
        answer = _answer_for(
            json.dumps(document).encode(), "application/json", _newest_upload(document)
        )
        serial = document.get("last_serial") if isinstance(document, dict) else None
        if serial is not None:
            answer.headers["X-PyPI-Last-Serial"] = str(serial)
        return answer

    def _stats_answer(self, name: str, query: str) -> _Answer:
        # pypistats' own normalisation (pypistats/views/api.py): dots and underscores
        # become dashes; the case is kept, and its names are lower case.
        asked = name.replace(".", "-").replace("_", "-")
        with self._lock:
            document = self._downloads.get(asked)
        if document is None:
            document = self._fixture("stats", asked)
        if document is None and (synthetic := SYNTHETIC.fullmatch(asked)):
            template = self._fixture("stats", synthetic["template"])
            if template is not None:
                document = {**template, "package": asked}
        if document is None:
            return _Answer(HTTPStatus.NOT_FOUND, STATS_NOT_FOUND_BODY, {"Content-Type": FLASK_TEXT})
        period = parse_qs(query).get("period", [None])[0]
        if period in {"day", "week", "month"}:
            document = {**document, "data": {f"last_{period}": document["data"][f"last_{period}"]}}
        return _answer_for(flask_json(document), "application/json", _FALLBACK_MODIFIED)


def _renamed(template: Mapping[str, Any], name: str) -> dict[str, Any]:
    """``template`` under another name (shallow: documents are never mutated once served)."""
    info = dict(template.get("info") or {})
    info["name"] = name
    info["package_url"] = info["project_url"] = f"https://pypi.org/project/{name}/"
    return {**template, "info": info}


def _answer_for(body: bytes, content_type: str, modified: datetime) -> _Answer:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "Content-Type": content_type,
        "ETag": etag,
        "Last-Modified": _http_date(modified),
        "Cache-Control": "max-age=900, public",
    }
    return _Answer(HTTPStatus.OK, body, headers)


def _not_found() -> _Answer:
    return _Answer(HTTPStatus.NOT_FOUND, NOT_FOUND_BODY, {"Content-Type": "application/json"})


def _not_modified(
    answer: _Answer, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """Whether conditional request headers make ``answer`` a 304 (RFC 9110 precedence)."""
    if answer.status != HTTPStatus.OK:
        return False
    etag = answer.headers.get("ETag")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if if_modified_since is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
            modified = parsedate_to_datetime(answer.headers["Last-Modified"])
        except (TypeError, ValueError, KeyError):
            return False
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        return modified <= since
    return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    allow_reuse_address = True
    upstream: Upstream

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-answer are expected here; stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "pypins-upstream/1"
    sys_version = ""
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read counts, not logs."""

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, *, send_body: bool) -> None:
        upstream = self.server.upstream
        parts = urlsplit(self.path)
        path = parts.path
        with upstream._lock:
            upstream._counts[path] += 1
        limits = upstream.stats_limits
        if limits is not None and _STATS.fullmatch(path) and not limits.hit():
            headers = {"Content-Type": FLASK_TEXT}
            self._send(
                _Answer(HTTPStatus.TOO_MANY_REQUESTS, STATS_RATE_LIMITED_BODY, headers), send_body
            )
            return
        fault = upstream._take_fault(path)
        if fault is not None and self._misbehave(fault, path, parts.query, send_body):
            return
        if _SIMPLE.fullmatch(path) and SIMPLE_JSON not in (self.headers.get("Accept") or ""):
            body = b'{"message": "Request not acceptable"}'
            headers = {"Content-Type": "application/json"}
            self._send(_Answer(HTTPStatus.NOT_ACCEPTABLE, body, headers), send_body)
            return
        answer = upstream.answer(path, parts.query)
        if _not_modified(
            answer, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        ):
            kept = {k: v for k, v in answer.headers.items() if k != "Content-Type"}
            answer = _Answer(HTTPStatus.NOT_MODIFIED, b"", kept)
        self._send(answer, send_body)

    def _send(self, answer: _Answer, send_body: bool, length: int | None = None) -> None:
        self.send_response(answer.status)
        for key, value in answer.headers.items():
            self.send_header(key, value)
        if answer.status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(answer.body) if length is None else length))
        self.end_headers()
        if send_body and answer.body:
            self.wfile.write(answer.body)

    def _misbehave(self, fault: Fault, path: str, query: str, send_body: bool) -> bool:
        """Act out ``fault``; True when the request is fully handled."""
        upstream = self.server.upstream
        if fault.delay and upstream._release_hangs.wait(fault.delay):
            self.close_connection = True
            return True
        if fault.hang:
            upstream._release_hangs.wait(upstream.max_hang)
            self.close_connection = True
            return True
        if fault.reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return True
        if fault.huge is not None:
            self._send_huge(fault.huge)
            return True
        if fault.status is not None or fault.body is not None:
            status = fault.status or HTTPStatus.OK
            body = fault.body if fault.body is not None else b""
            headers = {"Content-Type": "application/json", **fault.headers}
            self._send(_Answer(status, body, headers), send_body)
            return True
        answer = upstream.answer(path, query)
        if fault.truncate is not None:
            self._send(
                _Answer(answer.status, answer.body[: fault.truncate], answer.headers), send_body
            )
            return True
        if fault.disconnect_after is not None:
            self._send(
                _Answer(answer.status, answer.body[: fault.disconnect_after], answer.headers),
                send_body,
                length=len(answer.body),
            )
            self.close_connection = True
            return True
        return False

    def _send_huge(self, size: int) -> None:
        """Stream ``size`` bytes of ``[0,0,...`` in chunks (chunked transfer encoding)."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"[" + b"0," * (_CHUNK // 2 - 1) + b"0"
        sent = 0
        try:
            while sent < size:
                piece = chunk[: min(_CHUNK, size - sent)]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        self.close_connection = True


def iter_fixture_names(fixtures: Path = FIXTURES) -> Iterator[str]:
    """The PEP 503 names of the recorded project fixtures."""
    for path in sorted((fixtures / "pypi").glob("*.json")):
        if not path.name.startswith("_"):
            yield path.stem


def main(argv: list[str] | None = None) -> int:
    """Run the loopback upstream in the foreground until interrupted."""
    parser = argparse.ArgumentParser(description="Serve the pypins fixtures like PyPI does.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    args = parser.parse_args(argv)
    with Upstream(args.fixtures, host=args.host, port=args.port) as upstream:
        sys.stdout.write(f"serving {args.fixtures} at {upstream.url} (pypi: {upstream.pypi_url})\n")
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
