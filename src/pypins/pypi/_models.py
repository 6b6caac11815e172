"""PyPI's answers as records: immutable, typed, built once by the readers in ``_parse``
and ``_feeds``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from pypins import classifiers as _classifiers


class Author(NamedTuple):
    """A package's author, as ``yarg``'s ``Author`` namedtuple."""

    name: str | None
    email: str | None


class Maintainer(NamedTuple):
    """A package's maintainer, as ``yarg``'s ``Maintainer`` namedtuple."""

    name: str | None
    email: str | None


class Downloads(NamedTuple):
    """Download counts for the last day, week and month (``-1`` where PyPI has none)."""

    day: int
    week: int
    month: int


_NO_AUTHOR = Author(None, None)
_NO_MAINTAINER = Maintainer(None, None)
_NO_DOWNLOADS = Downloads(-1, -1, -1)


@dataclass(frozen=True, slots=True)
class Release:
    """One file of a release, as ``yarg.release.Release``."""

    release_id: str
    #: When the file was uploaded, timezone-aware, in UTC.
    uploaded: datetime
    python_version: str | None
    url: str
    md5_digest: str | None
    sha256_digest: str | None
    filename: str
    size: int
    #: ``source``, ``wheel`` or ``egg`` for sdists, wheels and eggs; other types as given.
    package_type: str
    has_sig: bool = False
    yanked: bool = False
    yanked_reason: str | None = None
    requires_python: str | None = None

    def __repr__(self) -> str:
        return f"<Release {self.release_id} {self.filename}>"


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """A known vulnerability of a release, from PyPI's ``vulnerabilities`` list."""

    id: str
    aliases: tuple[str, ...] = ()
    summary: str | None = None
    details: str | None = None
    fixed_in: tuple[str, ...] = ()
    link: str | None = None
    source: str | None = None
    #: When the advisory was withdrawn, or None while it stands.
    withdrawn: datetime | None = None


@dataclass(frozen=True, slots=True)
class Package:
    """A PyPI project, with ``yarg.Package``'s attribute names and meanings."""

    name: str
    #: The PEP 503 form of ``name`` (``Django`` -> ``django``).
    normalized_name: str
    #: The version PyPI calls the latest (``info.version``).
    latest_release_id: str
    pypi_url: str | None = None
    summary: str | None = None
    description: str | None = None
    homepage: str | None = None
    bugtracker: str | None = None
    docs: str | None = None
    author: Author = _NO_AUTHOR
    maintainer: Maintainer = _NO_MAINTAINER
    #: The free-text ``License`` field (None when empty or ``UNKNOWN``).
    license: str | None = None
    #: The PEP 639 ``License-Expression``, e.g. ``MIT OR Apache-2.0``.
    license_expression: str | None = None
    requires_python: str | None = None
    downloads: Downloads = _NO_DOWNLOADS
    classifiers: tuple[str, ...] = ()
    project_urls: Mapping[str, str] = field(default_factory=dict, hash=False)
    #: Every release id PyPI lists, with its files (some releases have none).
    releases: Mapping[str, tuple[Release, ...]] = field(default_factory=dict, hash=False)
    #: Known vulnerabilities of the release the document describes (the latest one for a
    #: project document, the pinned one for a per-version document).
    vulnerabilities: tuple[Vulnerability, ...] = ()
    #: Whether the described release is yanked (meaningful in per-version documents).
    yanked: bool = False
    yanked_reason: str | None = None
    #: PyPI's change serial of the project when the document was made.
    last_serial: int | None = None

    def __repr__(self) -> str:
        return f"<Package {self.name}>"

    @property
    def license_from_classifiers(self) -> str | None:
        """The most specific part of the first ``License ::`` classifier, e.g. ``MIT License``."""
        names = _classifiers.license_names(self.classifiers)
        return names[0] if names else None

    @property
    def python_versions(self) -> list[str]:
        """``X.Y`` versions from ``Programming Language :: Python :: X.Y`` classifiers."""
        return _classifiers.python_versions(self.classifiers)

    @property
    def python_implementations(self) -> list[str]:
        """Names from ``Programming Language :: Python :: Implementation :: X`` classifiers."""
        return _classifiers.python_implementations(self.classifiers)

    @property
    def release_ids(self) -> list[str]:
        """Ids of the releases that have files, earliest upload first (as ``yarg``)."""
        dated = [
            (min(file.uploaded for file in files), release_id)
            for release_id, files in self.releases.items()
            if files
        ]
        return [release_id for _, release_id in sorted(dated)]

    def release(self, release_id: str) -> list[Release] | None:
        """The files of release ``release_id``, or None if it is unknown or has no files."""
        files = self.releases.get(release_id)
        return list(files) if files else None

    @property
    def latest_release(self) -> list[Release]:
        """The files of the latest release (empty when it has none)."""
        return self.release(self.latest_release_id) or []

    @property
    def has_wheel(self) -> bool:
        """Whether the latest release has a wheel."""
        return any(file.package_type == "wheel" for file in self.latest_release)

    @property
    def has_egg(self) -> bool:
        """Whether the latest release has an egg."""
        return any(file.package_type == "egg" for file in self.latest_release)

    @property
    def has_source(self) -> bool:
        """Whether the latest release has a source distribution."""
        return any(file.package_type == "source" for file in self.latest_release)

    def release_yanked(self, release_id: str) -> bool:
        """Whether release ``release_id`` has files and every one of them is yanked."""
        files = self.releases.get(release_id)
        return bool(files) and all(file.yanked for file in files or ())

    @property
    def yanked_release_ids(self) -> list[str]:
        """Ids of the yanked releases, in ``release_ids`` order."""
        return [release_id for release_id in self.release_ids if self.release_yanked(release_id)]


#: PEP 792's project statuses (the Simple API's ``project-status.status``).
PROJECT_STATUSES = ("active", "archived", "deprecated", "quarantined")


@dataclass(frozen=True, slots=True)
class SimpleFile:
    """One file of a project in PyPI's Simple API (its JSON form, PEP 691)."""

    filename: str
    url: str
    sha256: str | None = None
    requires_python: str | None = None
    size: int | None = None
    #: When the file was uploaded (PEP 700's ``upload-time``; None before API 1.1).
    uploaded: datetime | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    #: The URL of the file's PEP 740 provenance, when it has one.
    provenance_url: str | None = None

    def __repr__(self) -> str:
        return f"<SimpleFile {self.filename}>"


@dataclass(frozen=True, slots=True)
class SimpleProject:
    """A project's page in PyPI's Simple API, JSON form (PEP 691, 700 and 792)."""

    #: The PEP 503 normalised name.
    name: str
    #: Every release with files, as listed (PEP 700's ``versions``; empty before API 1.1).
    versions: tuple[str, ...] = ()
    files: tuple[SimpleFile, ...] = ()
    #: PEP 792's status: ``active`` (also when the index does not say), ``archived``,
    #: ``deprecated`` or ``quarantined``.
    status: str = "active"
    status_reason: str | None = None
    #: ``meta.api-version``, e.g. ``1.4``.
    api_version: str = "1.0"
    last_serial: int | None = None

    def __repr__(self) -> str:
        return f"<SimpleProject {self.name}>"


@dataclass(frozen=True, slots=True)
class Publisher:
    """The Trusted Publisher an attestation bundle names (PEP 740)."""

    #: ``GitHub``, ``GitLab``, ``Google``, or another kind PyPI adds.
    kind: str
    #: Who published: the repository (GitHub, GitLab) or the service account (Google).
    identity: str | None = None
    #: The workflow that ran (GitHub's ``workflow``, GitLab's ``workflow_filepath``).
    workflow: str | None = None
    environment: str | None = None

    @property
    def label(self) -> str:
        """``github psf/requests``: the kind in lower case, then who published."""
        kind = self.kind.lower()
        return f"{kind} {self.identity}" if self.identity else kind


@dataclass(frozen=True, slots=True)
class Provenance:
    """A file's PEP 740 provenance, from PyPI's Integrity API."""

    filename: str
    #: The publishers of its attestation bundles, in the order PyPI lists them.
    publishers: tuple[Publisher, ...] = ()
    #: Attestations over all bundles.
    attestations: int = 0


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of PyPI's RSS feeds, as ``yarg.parse.Package``."""

    name: str
    #: None in the newest-packages feed, whose titles carry no version.
    version: str | None
    url: str
    description: str | None
    #: When the item was published, timezone-aware.
    date: datetime
    author: str | None = None

    def __repr__(self) -> str:
        return f"<FeedEntry {self.name}{' ' + self.version if self.version else ''}>"


@dataclass(frozen=True, slots=True)
class Validators:
    """The response headers a cache needs to revalidate a document."""

    etag: str | None = None
    last_modified: str | None = None
    #: ``X-PyPI-Last-Serial``, PyPI's change serial of the project.
    last_serial: int | None = None


@dataclass(frozen=True, slots=True)
class JSONDocument:
    """A fetched JSON document with its validators; ``data`` is None when not modified."""

    url: str
    validators: Validators
    #: The decoded JSON object, or None after a 304 answer to a conditional request.
    data: Mapping[str, Any] | None = field(default=None, hash=False)
    #: The raw body as received (empty after a 304).
    content: bytes = b""

    @property
    def not_modified(self) -> bool:
        """Whether the upstream answered 304: the caller's copy is still current."""
        return self.data is None
