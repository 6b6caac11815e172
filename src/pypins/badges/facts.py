"""Facts: the small, cacheable records badges are computed from, and their extraction.

``facts_from_json`` reads a PyPI JSON API document (``/pypi/<name>/json`` or the
per-version ``/pypi/<name>/<version>/json``) once, through ``pypins.pypi``'s
``ProjectDocument`` (the reader the client's ``Package`` is built by too, with the same
rules and messages), its classifiers through ``pypins.classifiers`` and its wheels' tags
through ``pypins.filenames``, and keeps only what badges need;
``download_facts_from_json`` does the same for pypistats' ``/api/packages/<name>/recent``.
Both validate only the fields they read and raise ``InvalidResponseError`` (never
``KeyError``/``TypeError``/``ValueError``) for a document of the wrong shape; a
classifier or wheel tag holding a number of more digits than ``int()`` takes
(``pypins.pypi.max_number_digits``) is left out, so that no badge meets one.
``index_facts`` keeps what badges need of a Simple API page (read by the client),
``AttestationFacts`` what they need of a file's PEP 740 provenance. The records round-trip through
``to_dict``/``from_dict`` for the caches; ``from_dict`` raises ``InvalidFactsError`` for
anything it did not write.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Final, TypeVar

from packaging.utils import canonicalize_name

from pypins.classifiers import classifier_facts
from pypins.errors import InvalidFactsError, InvalidResponseError
from pypins.filenames import VersionMatcher, filename_version, wheel_tags
from pypins.pypi import (
    PROJECT_STATUSES,
    ProjectDocument,
    Release,
    highest_version,
    holds_huge_number,
)

__all__ = [
    "FACTS_SCHEMA_VERSION",
    "PROJECT_STATUSES",
    "AttestationFacts",
    "DownloadFacts",
    "IndexFacts",
    "PackageFacts",
    "download_facts_from_json",
    "facts_from_json",
    "index_facts",
]

#: Bumped whenever the meaning or shape of a facts record changes; older records are refused.
FACTS_SCHEMA_VERSION: Final = 2

#: A licence field this long or longer is taken for a full licence text (shields' rule).
SHORT_LICENSE_LIMIT: Final = 40


@dataclass(frozen=True, slots=True)
class PackageFacts:
    """What badges need to know about one release of a PyPI project.

    Classifier-derived fields keep the classifiers' own order; file- and tag-derived
    fields are sorted. Everything is a string, bool, int, tuple or aware datetime.
    """

    #: The project's name as PyPI spells it (``info.name``).
    name: str
    #: The PEP 503 normalised name.
    normalized_name: str
    #: The release these facts describe: the latest, or the pinned one.
    version: str
    #: The highest non-yanked release with files, pre-releases included (None if unknown).
    highest_version: str | None = None
    #: ``X`` and ``X.Y`` from ``Programming Language :: Python :: <digits and dots>``.
    python_versions: tuple[str, ...] = ()
    #: ``X`` from ``Programming Language :: Python :: X :: Only``.
    python_only_majors: tuple[str, ...] = ()
    #: Names from ``Programming Language :: Python :: Implementation :: <name>``.
    implementations: tuple[str, ...] = ()
    #: ``info.license_expression`` (PEP 639), when set.
    license_expression: str | None = None
    #: ``info.license`` when it is a short, one-line name (not a full licence text).
    license: str | None = None
    #: What follows ``License :: `` in each licence classifier.
    license_classifiers: tuple[str, ...] = ()
    #: What follows ``Development Status :: `` in each classifier, e.g. ``4 - Beta``.
    development_statuses: tuple[str, ...] = ()
    #: ``Typing :: Typed`` is present.
    typed: bool = False
    #: ``Typing :: Stubs Only`` is present.
    stubs_only: bool = False
    #: ``(framework, version)`` from ``Framework :: <framework> :: <digits and dots>``.
    framework_versions: tuple[tuple[str, str], ...] = ()
    #: ``info.requires_python``, when set.
    requires_python: str | None = None
    #: Kinds of the release's files: ``egg``, ``source``, ``wheel`` or another ``packagetype``.
    file_kinds: tuple[str, ...] = ()
    #: ``<interpreter>-<abi>`` tag pairs of the release's wheels, e.g. ``cp313-cp313t``.
    wheel_pythons: tuple[str, ...] = ()
    #: Platform tags of the release's wheels, e.g. ``any``, ``win_amd64``.
    wheel_platforms: tuple[str, ...] = ()
    #: When the release's first file was uploaded (timezone-aware, UTC).
    upload_time: datetime | None = None
    #: The release is yanked.
    yanked: bool = False
    #: Known vulnerabilities of the release that are not withdrawn.
    vulnerabilities: int = 0
    #: PyPI's ``last_serial`` of the project.
    last_serial: int | None = None
    #: Whether ``highest_version`` was read from the document's ``releases`` (which the
    #: JSON API deprecates and may drop: then it comes from the Simple API).
    has_release_list: bool = True
    #: The release's file whose PEP 740 provenance stands for the release: its sdist,
    #: else the first file by name (None without files).
    provenance_file: str | None = None

    @property
    def has_wheel(self) -> bool:
        """The release has at least one wheel."""
        return "wheel" in self.file_kinds

    @property
    def has_egg(self) -> bool:
        """The release has at least one egg."""
        return "egg" in self.file_kinds

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict that ``from_dict`` turns back into an equal record."""
        out: dict[str, Any] = {"schema": FACTS_SCHEMA_VERSION, "type": "package"}
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = [list(item) if isinstance(item, tuple) else item for item in value]
            out[field.name] = value
        return out

    @classmethod
    def from_dict(cls, data: object) -> PackageFacts:
        """Rebuild a record from ``to_dict``'s output, or raise ``InvalidFactsError``."""
        record = _record(data, "package")
        values: dict[str, Any] = {}
        for name, decode in _PACKAGE_CODECS.items():
            if name not in record:
                raise InvalidFactsError(f"package facts lack {name!r}")
            values[name] = decode(record[name], name)
        return cls(**values)


@dataclass(frozen=True, slots=True)
class DownloadFacts:
    """Recent download counts of a project, from pypistats."""

    day: int
    week: int
    month: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict that ``from_dict`` turns back into an equal record."""
        return {
            "schema": FACTS_SCHEMA_VERSION,
            "type": "downloads",
            "day": self.day,
            "week": self.week,
            "month": self.month,
        }

    @classmethod
    def from_dict(cls, data: object) -> DownloadFacts:
        """Rebuild a record from ``to_dict``'s output, or raise ``InvalidFactsError``."""
        record = _record(data, "downloads")
        counts: dict[str, int] = {}
        for name in ("day", "week", "month"):
            value = record.get(name)
            if type(value) is not int or value < 0:
                raise InvalidFactsError(f"download facts field {name!r} is not a count")
            counts[name] = value
        return cls(**counts)


@dataclass(frozen=True, slots=True)
class IndexFacts:
    """What badges read of a project's Simple API page (PEP 691, 700, 792)."""

    #: The highest release with a file that is not yanked, pre-releases included.
    highest_version: str | None = None
    #: PEP 792's status: ``active``, ``archived``, ``deprecated`` or ``quarantined``.
    status: str = "active"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict that ``from_dict`` turns back into an equal record."""
        return {
            "schema": FACTS_SCHEMA_VERSION,
            "type": "index",
            "highest_version": self.highest_version,
            "status": self.status,
        }

    @classmethod
    def from_dict(cls, data: object) -> IndexFacts:
        """Rebuild a record from ``to_dict``'s output, or raise ``InvalidFactsError``."""
        record = _record(data, "index")
        status = _str(record.get("status"), "status")
        if status not in PROJECT_STATUSES:
            raise InvalidFactsError(f"index facts field 'status' is {status[:40]!r}")
        return cls(_opt_version(record.get("highest_version"), "highest_version"), status)


@dataclass(frozen=True, slots=True)
class AttestationFacts:
    """What badges read of a file's PEP 740 provenance (PyPI's Integrity API)."""

    #: The Trusted Publisher of its first attestation bundle, as ``<kind> <identity>``
    #: (``github psf/requests``); None when the file has no provenance.
    publisher: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict that ``from_dict`` turns back into an equal record."""
        return {"schema": FACTS_SCHEMA_VERSION, "type": "attestations", "publisher": self.publisher}

    @classmethod
    def from_dict(cls, data: object) -> AttestationFacts:
        """Rebuild a record from ``to_dict``'s output, or raise ``InvalidFactsError``."""
        record = _record(data, "attestations")
        return cls(_opt_str(record.get("publisher"), "publisher"))


# ---------------------------------------------------------------------------------------
# Extraction from upstream documents
# ---------------------------------------------------------------------------------------


def facts_from_json(data: object, *, pinned: bool = False) -> PackageFacts:
    """Facts from a PyPI JSON API document; ``InvalidResponseError`` if it is malformed.

    ``pinned`` says the document is a per-version one (``/pypi/<name>/<version>/json``):
    its ``releases``, if it has any, are ignored, so the pinned release is the one every
    badge shows (``highest_version`` is None).
    """
    document = ProjectDocument(data)
    name = document.name
    files = document.latest_files
    yanked = document.yanked
    if yanked is None:  # the release is yanked when all its files are
        yanked = bool(files) and all(file.yanked for file in files)
    license_text = document.license
    if license_text is not None and (
        len(license_text) >= SHORT_LICENSE_LIMIT or "\n" in license_text
    ):
        license_text = None
    classifiers = classifier_facts(document.classifiers)
    normalized_name = sys.intern(canonicalize_name(name))
    return PackageFacts(
        name=normalized_name if name == normalized_name else name,
        normalized_name=normalized_name,
        version=document.version,
        highest_version=None if pinned else document.highest_live_release(),
        python_versions=_shared(_numbers(classifiers.python_versions)),
        python_only_majors=_shared(_numbers(classifiers.python_only_majors)),
        implementations=_shared(classifiers.implementations),
        license_expression=_optional_shared(document.license_expression),
        license=_optional_shared(license_text),
        license_classifiers=_shared(classifiers.license_classifiers),
        development_statuses=_shared(classifiers.development_statuses),
        typed=classifiers.typed,
        stubs_only=classifiers.stubs_only,
        framework_versions=tuple(
            (sys.intern(framework), sys.intern(version))
            for framework, version in classifiers.framework_versions
            if not holds_huge_number(version)
        ),
        requires_python=_optional_shared(document.requires_python),
        yanked=yanked,
        vulnerabilities=sum(1 for entry in document.vulnerabilities if entry.withdrawn is None),
        last_serial=document.last_serial,
        has_release_list=pinned or document.has_releases,
        **_release_files(files),
    )


#: The largest download count read: what JSON decodes as an integer (64 bits); a
#: larger one, from a caller's own object, would overflow the badge's arithmetic.
MAX_COUNT: Final = 2**64 - 1


def download_facts_from_json(data: object) -> DownloadFacts:
    """Facts from pypistats' ``recent`` document; ``InvalidResponseError`` if malformed."""
    if not isinstance(data, dict) or not isinstance(payload := data.get("data"), dict):
        raise InvalidResponseError("pypistats document has no 'data' object")
    counts: dict[str, int] = {}
    for period in ("day", "week", "month"):
        value = payload.get(f"last_{period}")
        if type(value) is not int or not 0 <= value <= MAX_COUNT:
            raise InvalidResponseError(f"pypistats field 'data.last_{period}' is not a count")
        counts[period] = value
    return DownloadFacts(**counts)


def _numbers(values: Iterable[str]) -> list[str]:
    """``values`` without those holding a number past the bound (a badge reads them as
    numbers)."""
    return [value for value in values if not holds_huge_number(value)]


def _shared(values: Iterable[str]) -> tuple[str, ...]:
    """``values`` as interned strings. A few thousand values (``3.12``, ``MIT License``,
    ``py3-none``, ``any``) recur in every record, and records are kept by the ten
    thousand; interned strings are freed with their last user."""
    return tuple(map(sys.intern, values))


def _optional_shared(value: str | None) -> str | None:
    return None if value is None else sys.intern(value)


def _release_files(files: Iterable[Release]) -> dict[str, Any]:
    """File kinds, wheel tags, first upload time and provenance file of the release."""
    kinds: set[str] = set()
    pythons: set[str] = set()
    platforms: set[str] = set()
    first_upload: datetime | None = None
    sdists: list[str] = []
    names: list[str] = []
    for file in files:
        kind = file.package_type
        kinds.add(kind)
        names.append(file.filename)
        if kind == "source":
            sdists.append(file.filename)
        elif kind == "wheel":
            pairs, platform_tags = wheel_tags(file.filename)
            pythons.update(_numbers(pairs))
            platforms.update(_numbers(platform_tags))
        if first_upload is None or file.uploaded < first_upload:
            first_upload = file.uploaded
    return {
        "file_kinds": _shared(sorted(kinds)),
        "wheel_pythons": _shared(sorted(pythons)),
        "wheel_platforms": _shared(sorted(platforms)),
        "upload_time": first_upload,
        "provenance_file": min(sdists or names, default=None),
    }


def index_facts(
    status: str, versions: Iterable[str], files: Iterable[tuple[str, bool]]
) -> IndexFacts:
    """Facts from a Simple API page, read by the client: its PEP 792 ``status``, its
    PEP 700 ``versions`` and its files as ``(filename, yanked)``.

    A version counts when one of its files is not yanked (files are matched to versions
    by name; without ``versions``, before API 1.1, by the version each name shows).
    """
    if status not in PROJECT_STATUSES:
        raise InvalidResponseError(f"Simple API project status {status[:40]!r} is unknown")
    matcher = VersionMatcher(versions)
    live: dict[str, bool] = {}
    for filename, yanked in files:
        version = matcher.version(filename) if matcher.listed else filename_version(filename)
        if version is not None and not yanked:
            live[version] = True
    return IndexFacts(highest_version(live), sys.intern(status))


# ---------------------------------------------------------------------------------------
# Decoding cached records
# ---------------------------------------------------------------------------------------


def _record(data: object, kind: str) -> Mapping[str, object]:
    if not isinstance(data, dict):
        raise InvalidFactsError("facts record is not an object")
    if data.get("schema") != FACTS_SCHEMA_VERSION:
        raise InvalidFactsError(
            f"facts record has schema {data.get('schema')!r}, not {FACTS_SCHEMA_VERSION}"
        )
    if data.get("type") != kind:
        raise InvalidFactsError(f"facts record is of type {data.get('type')!r}, not {kind!r}")
    return data


def _str(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidFactsError(f"facts field {name!r} is not a string")
    return value


def _opt_str(value: object, name: str) -> str | None:
    return None if value is None else _str(value, name)


def _bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidFactsError(f"facts field {name!r} is not a boolean")
    return value


def _count(value: object, name: str) -> int:
    if type(value) is not int or value < 0:
        raise InvalidFactsError(f"facts field {name!r} is not a count")
    return value


def _opt_int(value: object, name: str) -> int | None:
    if value is None:
        return None
    if type(value) is not int:
        raise InvalidFactsError(f"facts field {name!r} is not an integer")
    return value


def _strs(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise InvalidFactsError(f"facts field {name!r} is not a list")
    return tuple(_str(item, name) for item in value)


def _pairs(value: object, name: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise InvalidFactsError(f"facts field {name!r} is not a list")
    pairs: list[tuple[str, str]] = []
    for item in value:
        if not isinstance(item, list) or len(item) != 2:
            raise InvalidFactsError(f"facts field {name!r} holds a non-pair")
        pairs.append((_str(item[0], name), _str(item[1], name)))
    return tuple(pairs)


def _opt_datetime(value: object, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(_str(value, name))
    except ValueError:
        raise InvalidFactsError(f"facts field {name!r} is not a date") from None
    if moment.tzinfo is None:
        raise InvalidFactsError(f"facts field {name!r} has no timezone")
    return moment


T = TypeVar("T")


def _numbered(decode: Callable[[object, str], T]) -> Callable[[object, str], T]:
    """``decode``, refusing a text that holds a number past the bound (badges read
    these fields as numbers; ``facts_from_json`` never writes one)."""

    def checked(value: object, name: str) -> T:
        decoded = decode(value, name)
        if any(holds_huge_number(text) for text in _texts(decoded)):
            raise InvalidFactsError(f"facts field {name!r} holds too long a number")
        return decoded

    return checked


def _texts(value: object) -> Iterator[str]:
    """The strings in a decoded field (a string, None, or tuples of them)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _texts(item)


_opt_version: Final = _numbered(_opt_str)


_PACKAGE_CODECS: Final = {
    "name": _str,
    "normalized_name": _str,
    "version": _numbered(_str),
    "highest_version": _opt_version,
    "python_versions": _numbered(_strs),
    "python_only_majors": _numbered(_strs),
    "implementations": _strs,
    "license_expression": _opt_str,
    "license": _opt_str,
    "license_classifiers": _strs,
    "development_statuses": _strs,
    "typed": _bool,
    "stubs_only": _bool,
    "framework_versions": _numbered(_pairs),
    "requires_python": _opt_version,
    "file_kinds": _strs,
    "wheel_pythons": _numbered(_strs),
    "wheel_platforms": _numbered(_strs),
    "upload_time": _opt_datetime,
    "yanked": _bool,
    "vulnerabilities": _count,
    "last_serial": _opt_int,
    "has_release_list": _bool,
    "provenance_file": _opt_str,
}
