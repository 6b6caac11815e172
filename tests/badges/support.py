"""Helpers shared by the badge tests: minimal PyPI documents and facts built from them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pypins.badges import (
    EXAMPLE_NOW,
    AttestationFacts,
    BadgeKind,
    DownloadFacts,
    Facts,
    IndexFacts,
    PackageFacts,
    facts_from_json,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

#: The ``now`` the tests render at (the examples' ``now``).
NOW = EXAMPLE_NOW


def wheel(filename: str, **extra: Any) -> dict[str, Any]:
    """A ``urls`` entry for a wheel file."""
    return {
        "filename": filename,
        "url": f"https://files.example/{filename}",
        "size": 1000,
        "packagetype": "bdist_wheel",
        "upload_time_iso_8601": "2026-11-01T10:00:00.000000Z",
        "yanked": False,
        **extra,
    }


def sdist(filename: str = "demo-1.0.tar.gz", **extra: Any) -> dict[str, Any]:
    """A ``urls`` entry for a source distribution."""
    return {
        "filename": filename,
        "url": f"https://files.example/{filename}",
        "size": 1000,
        "packagetype": "sdist",
        "upload_time_iso_8601": "2026-11-01T09:00:00.000000Z",
        "yanked": False,
        **extra,
    }


def _as_sent(urls: Any) -> Any:
    """``urls`` with the keys PyPI sends with every file (``url``, ``size``, an upload
    time) added to each entry that is an object and lacks them; anything else as it is."""
    if not isinstance(urls, list):
        return urls
    completed: list[Any] = []
    for entry in urls:
        if not isinstance(entry, dict):
            completed.append(entry)
            continue
        sent: dict[str, Any] = {"url": f"https://files.example/{entry.get('filename')}", "size": 1}
        if "upload_time" not in entry and "upload_time_iso_8601" not in entry:
            sent["upload_time_iso_8601"] = "2026-11-01T09:00:00.000000Z"
        completed.append({**sent, **entry})
    return completed


def make_document(
    *,
    info: dict[str, Any] | None = None,
    urls: list[Any] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """A minimal PyPI JSON document for ``demo 1.0``; ``info`` keys and top keys override.

    The entries of ``urls`` get the keys PyPI always sends that they lack (``_as_sent``):
    the one reader of the document (``pypins.pypi.ProjectDocument``) requires them.
    """
    document: dict[str, Any] = {
        "info": {
            "name": "demo",
            "version": "1.0",
            "classifiers": [],
            "license": None,
            "license_expression": None,
            "requires_python": None,
            "yanked": False,
        },
        "urls": [sdist()] if urls is None else _as_sent(urls),
        "releases": {"1.0": [sdist()]},
        "vulnerabilities": [],
        "last_serial": 42,
    }
    document["info"].update(info or {})
    document.update(top)
    return document


def make_facts(**info: Any) -> PackageFacts:
    """Facts of ``make_document`` with these ``info`` overrides."""
    return facts_from_json(make_document(info=info))


def load_fixture(kind: str, name: str) -> Any:
    """A recorded upstream document from ``tests/fixtures/<kind>/<name>.json``."""
    return json.loads((FIXTURES / kind / f"{name}.json").read_text("utf-8"))


def at(text: str) -> datetime:
    """An aware UTC datetime from ISO text."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


#: The facts record each kind source gives ``render``.
FACTS_TYPES: dict[str, type[Any]] = {
    "pypi": PackageFacts,
    "stats": DownloadFacts,
    "simple": IndexFacts,
    "integrity": AttestationFacts,
}


def facts_for(
    kind: BadgeKind,
    facts: PackageFacts,
    downloads: DownloadFacts,
    index: IndexFacts | None = None,
    attestation: AttestationFacts | None = None,
) -> Facts:
    """The record ``kind`` renders, of the ones given (the Simple API's and the
    provenance's default to what ``facts`` implies and to "no provenance")."""
    if kind.source == "stats":
        return downloads
    if kind.source == "simple":
        return index or IndexFacts(facts.highest_version)
    if kind.source == "integrity":
        return attestation or AttestationFacts()
    return facts
