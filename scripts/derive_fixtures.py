"""Derive the fixtures of the upstreams this machine cannot reach, from their own source.

Run by hand, offline, when the fixture set changes; never from tests or CI::

    .venv/bin/python scripts/derive_fixtures.py            # write every derived fixture
    .venv/bin/python scripts/derive_fixtures.py --check    # fail if one is out of date

PyPI's Integrity API and pypistats.org cannot be reached from where the fixtures are
made, so their answers are derived, file by file, from what their maintainers publish:

* ``tests/fixtures/integrity/<project>/<version>/<filename>.provenance.json``: PEP 740
  provenance objects in the shape of warehouse's ``docs/user/api/integrity.md`` (the
  Integrity API's documented answer, rendered by warehouse's ``json`` renderer: sorted
  keys, compact), one per file of the latest release of each project of ``ATTESTED``,
  whose publisher is the one that example names. Each attestation's statement is a real
  in-toto statement (PEP 740's publish attestation) naming the file and its sha256 from
  the recorded JSON API document; signature and certificate are placeholders (nothing
  here would pass verification, and pypins does not verify: PyPI did, at upload).
* ``tests/fixtures/stats/<name>.json``: pypistats.org's ``/api/packages/<name>/recent``
  answer as ``api_downloads_recent`` in psf/pypistats.org's ``pypistats/views/api.py``
  builds it and Flask's ``jsonify`` writes it (sorted keys, compact, a final newline).
  The counts are illustrative: they are kept from the files as they are, not recorded.

The Simple API's pages are derived at run time by the loopback upstream
(``tests/support/upstream.py``, ``derive_simple_page``), from the recorded JSON API
documents; the feeds by ``scripts/derive_feeds.py``. ``tests/fixtures/README.md`` says
which fixture comes from where.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

#: Projects whose latest release carries attestations, with their Trusted Publisher
#: (warehouse's docs/user/api/integrity.md shows sampleproject 4.0.0's provenance).
ATTESTED: dict[str, dict[str, Any]] = {
    "sampleproject": {
        "claims": None,
        "environment": "",
        "kind": "GitHub",
        "repository": "pypa/sampleproject",
        "workflow": "release.yml",
    },
}

#: PEP 740's publish attestation predicate (https://docs.pypi.org/attestations/publish/v1).
PUBLISH_PREDICATE = "https://docs.pypi.org/attestations/publish/v1"
IN_TOTO_STATEMENT = "https://in-toto.io/Statement/v1"
PLACEHOLDER = base64.b64encode(b"placeholder, not a signature: a derived fixture").decode()


def warehouse_json(document: Any) -> bytes:
    """A document as warehouse's ``json`` renderer writes it (sorted keys, compact)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def flask_json(document: Any) -> bytes:
    """A document as Flask's ``jsonify`` writes it: sorted keys, compact, a newline."""
    return (json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n").encode()


def provenance(filename: str, sha256: str, publisher: dict[str, Any]) -> dict[str, Any]:
    """The Integrity API's provenance object for one file (one bundle, one attestation)."""
    statement = {
        "_type": IN_TOTO_STATEMENT,
        "predicate": None,
        "predicateType": PUBLISH_PREDICATE,
        "subject": [{"digest": {"sha256": sha256}, "name": filename}],
    }
    encoded = base64.b64encode(json.dumps(statement, separators=(",", ":")).encode()).decode()
    return {
        "attestation_bundles": [
            {
                "attestations": [
                    {
                        "envelope": {"signature": PLACEHOLDER, "statement": encoded},
                        "verification_material": {
                            "certificate": PLACEHOLDER,
                            "transparency_entries": [],
                        },
                        "version": 1,
                    }
                ],
                "publisher": publisher,
            }
        ],
        "version": 1,
    }


def integrity_fixtures() -> dict[Path, bytes]:
    """Every Integrity API fixture, by path."""
    files: dict[Path, bytes] = {}
    for project, publisher in ATTESTED.items():
        document = json.loads((FIXTURES / "pypi" / f"{project}.json").read_text("utf-8"))
        version = document["info"]["version"]
        for file in document["urls"]:
            name = file["filename"]
            path = FIXTURES / "integrity" / project / version / f"{name}.provenance.json"
            files[path] = warehouse_json(provenance(name, file["digests"]["sha256"], publisher))
    return files


def stats_fixtures() -> dict[Path, bytes]:
    """Every pypistats fixture, re-written in Flask's form (counts kept)."""
    files: dict[Path, bytes] = {}
    for path in sorted((FIXTURES / "stats").glob("*.json")):
        document = json.loads(path.read_text("utf-8"))
        data = document["data"]
        answer = {
            "data": {key: data[key] for key in ("last_day", "last_week", "last_month")},
            "package": path.stem,
            "type": "recent_downloads",
        }
        files[path] = flask_json(answer)
    return files


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, compare) the derived fixtures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a fixture differs")
    args = parser.parse_args(argv)
    stale = []
    for path, content in {**integrity_fixtures(), **stats_fixtures()}.items():
        current = path.read_bytes() if path.exists() else None
        if current == content:
            continue
        if args.check:
            stale.append(path.relative_to(ROOT))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"out of date: {path}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
