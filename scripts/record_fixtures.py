"""Record the PyPI JSON fixtures under ``tests/fixtures/pypi/`` from the real PyPI.

Run by hand, once, when the fixture set changes; never from tests or CI::

    .venv/bin/python scripts/record_fixtures.py            # record what is missing
    .venv/bin/python scripts/record_fixtures.py --force    # record everything again
    .venv/bin/python scripts/record_fixtures.py --only six --only flask
    .venv/bin/python scripts/record_fixtures.py --report   # describe what is recorded
    .venv/bin/python scripts/record_fixtures.py --retrim   # apply trimming again, offline

Each listed project is fetched with exactly ONE request to ``<base>/<name>/json``
(plus the few per-version documents of ``VERSIONS``, and one request for a name that does
not exist, to record PyPI's 404). Nothing loops beyond these lists.

Trimming, to keep the fixture directory small (all of it is recorded in ``_index.json``):

* ``info.description`` longer than ``DESCRIPTION_LIMIT`` characters is cut to that length
  (the cut text ends with ``TRIM_MARK``).
* In documents larger than ``TRIM_ABOVE_BYTES``, every release except the
  ``KEEP_RECENT_RELEASES`` most recent keeps only its first file: all release keys stay,
  and so does each release's first upload time (release order and "has files" do not
  change).
* ``UNTRIMMED`` projects (numpy) are kept exactly as PyPI sent them, as one big real
  document for performance work, as long as they are at most ``UNTRIMMED_LIMIT`` bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import httpx
from packaging.utils import canonicalize_name

from pypins.settings import DEFAULT_PYPI_URL, user_agent

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "pypi"
INDEX = FIXTURES / "_index.json"

#: The projects recorded: name as users type it -> what it is here for.
PROJECTS: dict[str, str] = {
    "requests": "classic; yanked releases (2.32.0, 2.32.1); free-text licence",
    "pillow": "PEP 639 licence expression; platform wheels incl. musllinux; free-threaded",
    "numpy": "one big untrimmed real document; cp313t/cp314t wheels; 100s of releases",
    "Django": "PEP 503 normalisation (Django -> django); framework classifiers",
    "typing_extensions": "PEP 503 normalisation (typing_extensions -> typing-extensions)",
    "yarg": "the client whose interface pypins keeps",
    "six": "free-text licence; one universal wheel and an sdist",
    "flask": "licence expression; Typing :: Typed; Framework :: Flask",
    "django-filter": "Framework :: Django :: 5.x/6.x; licence only in classifiers",
    "opentelemetry-instrumentation": "latest version is a prerelease (0.NNb0)",
    "docopt": "sdist-only latest release",
    "playwright": "platform wheels; old releases are wheel-only",
    "boto3": "thousands of releases (trimmed)",
    "sklearn": "deprecated placeholder; no classifiers, no licence",
    "bs4": "placeholder package; no classifiers",
    "pycrypto": "abandoned; vulnerabilities in the latest release",
    "ecdsa": "vulnerabilities without a fix in the latest release",
    "markupsafe": "free-threaded wheels; Typing :: Typed",
    "attrs": "licence expression; Typing :: Typed",
    "httpx": "Development Status :: 4 - Beta",
    "tomli": "Typing :: Typed; mypyc platform wheels",
    "more-itertools": "licence expression; yanked release",
    "zope.interface": "PEP 503 normalisation of dots (zope.interface -> zope-interface)",
    "pythonslm": "long free-text licence; old egg (candidate for egg-only, it is not)",
    "cryptography": "abi3 platform wheels incl. musllinux and windows; licence expression",
    "pytest": "Development Status :: 6 - Mature; ~200 releases",
    "click": "Typing :: Typed; a small modern document",
    "orjson": "musllinux and windows wheels; wheel-heavy releases",
    "black": "many platform wheels; Development Status :: 5 - Production/Stable",
    "setuptools": "hundreds of releases",
    "sampleproject": "PEP 740 attestations from GitHub (warehouse's Integrity API example)",
    "wagtail": "a release candidate above the latest version (include_prereleases)",
    "pygetpapers": "an egg beside the wheel in the latest release; egg-only old releases",
    "DigiPathAI": "egg-only releases (0.0.2 to 0.1.3) before wheels",
    "types-requests": "a stub-only package (typeshed's stubs for requests)",
}

#: Per-version documents recorded as they are (the project document's ``vulnerabilities``
#: only describes the latest release; these old pins have their own).
VERSIONS: list[tuple[str, str]] = [("requests", "2.25.0"), ("django", "3.2")]

#: A name that does not exist on PyPI, to record its 404 answer.
MISSING = "pypins-no-such-package-for-fixtures"

UNTRIMMED = {"numpy"}
UNTRIMMED_LIMIT = 4 * 1024 * 1024
TRIM_ABOVE_BYTES = 512 * 1024
KEEP_RECENT_RELEASES = 10
DESCRIPTION_LIMIT = 2000
COMPACT_ABOVE_BYTES = 256 * 1024
TRIM_MARK = "\n\n[... trimmed by scripts/record_fixtures.py]"
HEADERS_KEPT = ("etag", "last-modified", "x-pypi-last-serial", "content-type")


def _first_upload(files: list[dict[str, Any]]) -> str:
    """The earliest upload time of a release's files ("" when it has none)."""
    return min(
        (str(f.get("upload_time_iso_8601") or f.get("upload_time")) for f in files), default=""
    )


def trim(name: str, document: dict[str, Any], size: int) -> list[str]:
    """Trim ``document`` in place as the module docstring says; return what was trimmed."""
    notes: list[str] = []
    if name in UNTRIMMED and size <= UNTRIMMED_LIMIT:
        return notes
    info = document.get("info") or {}
    description = info.get("description")
    if isinstance(description, str) and len(description) > DESCRIPTION_LIMIT:
        info["description"] = description[:DESCRIPTION_LIMIT] + TRIM_MARK
        notes.append(f"description cut to {DESCRIPTION_LIMIT} characters")
    releases = document.get("releases") or {}
    if size > TRIM_ABOVE_BYTES and len(releases) > KEEP_RECENT_RELEASES:
        dated = sorted(
            (k for k in releases if releases[k]), key=lambda k: _first_upload(releases[k])
        )
        recent = set(dated[-KEEP_RECENT_RELEASES:]) | {info.get("version")}
        for key, files in releases.items():
            if key not in recent and len(files) > 1:
                releases[key] = [min(files, key=lambda f: str(f.get("upload_time_iso_8601")))]
        notes.append(
            f"files of releases older than the {KEEP_RECENT_RELEASES} most recent cut to "
            "their first upload"
        )
    return notes


def _save(path: Path, document: Any) -> int:
    """Write ``document`` as JSON (compact when large) and return its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(document, indent=1, ensure_ascii=False)
    if len(data) > COMPACT_ABOVE_BYTES:
        data = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    data += "\n"
    path.write_text(data, encoding="utf-8")
    return len(data.encode())


def record(client: httpx.Client, base: str, names: list[str], index: dict[str, Any]) -> None:
    """Fetch each of ``names`` once and save it, trimmed, with its index entry."""
    for name in names:
        normalized = canonicalize_name(name)
        response = client.get(f"{base}/{name}/json")
        print(f"{name}: {response.status_code} {len(response.content)} bytes")
        if response.status_code != 200:
            continue
        document = response.json()
        notes = trim(normalized, document, len(response.content))
        size = _save(FIXTURES / f"{normalized}.json", document)
        index["projects"][normalized] = {
            "requested_as": name,
            "covers": PROJECTS.get(name, ""),
            "recorded_bytes": len(response.content),
            "fixture_bytes": size,
            "trimmed": notes,
            "headers": {k: v for k, v in response.headers.items() if k.lower() in HEADERS_KEPT},
            "redirected_from": [str(r.url) for r in response.history],
        }


def record_versions(client: httpx.Client, base: str, index: dict[str, Any], force: bool) -> None:
    """Fetch each per-version document of ``VERSIONS`` once and save it."""
    for name, version in VERSIONS:
        normalized = canonicalize_name(name)
        if not force and (FIXTURES / normalized / f"{version}.json").exists():
            continue
        response = client.get(f"{base}/{name}/{version}/json")
        print(f"{name} {version}: {response.status_code}")
        if response.status_code != 200:
            continue
        document = response.json()
        trim(normalized, document, len(response.content))
        _save(FIXTURES / normalized / f"{version}.json", document)
        index["versions"][f"{normalized}/{version}"] = {
            "headers": {k: v for k, v in response.headers.items() if k.lower() in HEADERS_KEPT},
        }


def record_missing(client: httpx.Client, base: str, index: dict[str, Any]) -> None:
    """Record PyPI's answer for a project that does not exist."""
    response = client.get(f"{base}/{MISSING}/json")
    print(f"{MISSING}: {response.status_code} {response.content[:80]!r}")
    index["not_found"] = {
        "status": response.status_code,
        "body": response.text,
        "headers": {k: v for k, v in response.headers.items() if k.lower() in HEADERS_KEPT},
    }


def retrim(index: dict[str, Any]) -> None:
    """Apply the trimming again to the recorded files (offline; trimming is idempotent)."""
    for normalized, entry in index["projects"].items():
        path = FIXTURES / f"{normalized}.json"
        document = json.loads(path.read_text(encoding="utf-8"))
        notes = trim(normalized, document, entry["recorded_bytes"])
        description = (document.get("info") or {}).get("description") or ""
        if description.endswith(TRIM_MARK) and not any("description" in n for n in notes):
            notes.insert(0, f"description cut to {DESCRIPTION_LIMIT} characters")
        entry["fixture_bytes"] = _save(path, document)
        entry["trimmed"] = notes
        entry["covers"] = PROJECTS.get(entry["requested_as"], entry["covers"])


def report() -> None:
    """Describe each recorded fixture (offline: reads the files only)."""
    for path in sorted(FIXTURES.glob("*.json")):
        if path.name.startswith("_"):
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        info, releases, urls = doc["info"], doc.get("releases", {}), doc.get("urls", [])
        tags = sorted({f["packagetype"] for f in urls})
        files = [f["filename"] for files in releases.values() for f in files]
        facts = {
            "version": info["version"],
            "license_expression": info.get("license_expression"),
            "license": (info.get("license") or "")[:30] or None,
            "classifiers": len(info.get("classifiers") or []),
            "typed": "Typing :: Typed" in (info.get("classifiers") or []),
            "releases": len(releases),
            "empty_releases": sum(1 for v in releases.values() if not v),
            "latest_types": tags,
            "yanked_files": sum(1 for v in releases.values() for f in v if f.get("yanked")),
            "vulns": len(doc.get("vulnerabilities") or []),
            "cp313t": any("cp313t" in f for f in files),
            "musllinux": any("musllinux" in f for f in files),
            "win": any("win" in f for f in (u["filename"] for u in urls)),
            "kb": path.stat().st_size // 1024,
        }
        print(path.stem, facts)


def main(argv: list[str] | None = None) -> int:
    """Record the fixtures (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=DEFAULT_PYPI_URL, help="base of the JSON API")
    parser.add_argument("--only", action="append", default=[], help="record only this project")
    parser.add_argument("--force", action="store_true", help="record again what exists")
    parser.add_argument("--report", action="store_true", help="describe the fixtures, offline")
    parser.add_argument("--retrim", action="store_true", help="trim the fixtures again, offline")
    args = parser.parse_args(argv)
    if args.report:
        report()
        return 0
    index: dict[str, Any] = {"projects": {}, "versions": {}, "not_found": None}
    if INDEX.exists():
        index.update(json.loads(INDEX.read_text(encoding="utf-8")))
    if args.retrim:
        retrim(index)
        _save(INDEX, index)
        return 0
    names = args.only or [
        name
        for name in PROJECTS
        if args.force or not (FIXTURES / f"{canonicalize_name(name)}.json").exists()
    ]
    base = args.base.rstrip("/")
    headers = {"User-Agent": user_agent() + " fixture-recorder"}
    with httpx.Client(headers=headers, follow_redirects=True, timeout=60.0) as client:
        record(client, base, names, index)
        if not args.only:
            record_versions(client, base, index, args.force)
            if args.force or not index["not_found"]:
                record_missing(client, base, index)
    index["projects"] = dict(sorted(index["projects"].items()))
    _save(INDEX, index)
    return 0


if __name__ == "__main__":
    sys.exit(main())
