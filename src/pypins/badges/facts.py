"""Facts: the small, cacheable records badges are computed from, and their extraction.

``facts_from_json`` reads a PyPI JSON API document (``/pypi/<name>/json`` or the
per-version ``/pypi/<name>/<version>/json``) once and keeps only what badges need;
``download_facts_from_json`` does the same for pypistats' ``/api/packages/<name>/recent``.
Both validate only the fields they read and raise ``InvalidResponseError`` (never
``KeyError``/``TypeError``) for a document of the wrong shape. ``index_facts`` keeps what
badges need of a Simple API page (read by the client), ``AttestationFacts`` what they
need of a file's PEP 740 provenance. The records round-trip through
``to_dict``/``from_dict`` for the caches; ``from_dict`` raises ``InvalidFactsError`` for
anything it did not write.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final

from packaging.utils import canonicalize_name
from packaging.version import Version

from pypins.errors import InvalidFactsError, InvalidResponseError
from pypins.filenames import VersionMatcher, filename_version

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

#: PEP 792's project statuses.
PROJECT_STATUSES: Final = ("active", "archived", "deprecated", "quarantined")

_PYTHON = "Programming Language :: Python :: "
_IMPLEMENTATION = "Implementation :: "
_LICENSE = "License :: "
_STATUS = "Development Status :: "
_FRAMEWORK = "Framework :: "
_TYPED = "Typing :: Typed"
_STUBS_ONLY = "Typing :: Stubs Only"
_PY_VERSION = re.compile(r"[\d.]+")
_ONLY_MAJOR = re.compile(r"(\d+) :: Only")
_NO_SPACE = re.compile(r"\S+")
_FRAMEWORK_VERSION = re.compile(r"(.+) :: ([\d.]+)")
#: A licence field this long or longer is taken for a full licence text (shields' rule).
SHORT_LICENSE_LIMIT: Final = 40
_FILE_KINDS: Final = {
    "bdist_wheel": "wheel",
    "wheel": "wheel",
    "sdist": "source",
    "bdist_egg": "egg",
    "egg": "egg",
}


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
        return cls(_opt_str(record.get("highest_version"), "highest_version"), status)


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
    if not isinstance(data, dict):
        raise InvalidResponseError("PyPI document is not a JSON object")
    info = data.get("info")
    if not isinstance(info, dict):
        raise InvalidResponseError("PyPI document has no 'info' object")
    name = _required_str(info, "name")
    version = _required_str(info, "version")
    classifiers = info.get("classifiers")
    if classifiers is None:
        classifiers = []
    if not isinstance(classifiers, list) or not all(isinstance(c, str) for c in classifiers):
        raise InvalidResponseError("PyPI field 'info.classifiers' is not a list of strings")
    urls = data.get("urls")
    if urls is None:
        urls = []
    if not isinstance(urls, list):
        raise InvalidResponseError("PyPI field 'urls' is not a list")
    files, all_files_yanked = _release_files(urls)
    yanked_flag = info.get("yanked")
    if yanked_flag is not None and not isinstance(yanked_flag, bool):
        raise InvalidResponseError("PyPI field 'info.yanked' is not a boolean")
    if yanked_flag is None:
        yanked_flag = all_files_yanked
    last_serial = data.get("last_serial")
    if last_serial is not None and type(last_serial) is not int:
        raise InvalidResponseError("PyPI field 'last_serial' is not an integer")
    license_text = _optional_str(info, "license")
    if license_text is not None and (
        len(license_text) >= SHORT_LICENSE_LIMIT or "\n" in license_text
    ):
        license_text = None
    normalized_name = sys.intern(canonicalize_name(name))
    return PackageFacts(
        name=normalized_name if name == normalized_name else name,
        normalized_name=normalized_name,
        version=version,
        highest_version=None if pinned else _highest_release(data.get("releases")),
        license_expression=_optional_shared(_optional_str(info, "license_expression")),
        license=_optional_shared(license_text),
        requires_python=_optional_shared(_optional_str(info, "requires_python")),
        yanked=yanked_flag,
        vulnerabilities=_vulnerability_count(data.get("vulnerabilities")),
        last_serial=last_serial,
        has_release_list=pinned or "releases" in data,
        **_classifier_facts(classifiers),
        **files,
    )


def download_facts_from_json(data: object) -> DownloadFacts:
    """Facts from pypistats' ``recent`` document; ``InvalidResponseError`` if malformed."""
    if not isinstance(data, dict) or not isinstance(payload := data.get("data"), dict):
        raise InvalidResponseError("pypistats document has no 'data' object")
    counts: dict[str, int] = {}
    for period in ("day", "week", "month"):
        value = payload.get(f"last_{period}")
        if type(value) is not int or value < 0:
            raise InvalidResponseError(f"pypistats field 'data.last_{period}' is not a count")
        counts[period] = value
    return DownloadFacts(**counts)


def _required_str(info: Mapping[str, object], key: str) -> str:
    value = info.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidResponseError(f"PyPI field 'info.{key}' is not a non-empty string")
    return value.strip()


def _optional_str(info: Mapping[str, object], key: str) -> str | None:
    """A string field with PyPI's "nothing here" spellings (None, '', UNKNOWN) as None."""
    value = info.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidResponseError(f"PyPI field 'info.{key}' is not a string")
    value = value.strip()
    if not value or value.upper() == "UNKNOWN":
        return None
    return value


def _shared(values: Iterable[str]) -> tuple[str, ...]:
    """``values`` as interned strings. A few thousand values (``3.12``, ``MIT License``,
    ``py3-none``, ``any``) recur in every record, and records are kept by the ten
    thousand; interned strings are freed with their last user."""
    return tuple(map(sys.intern, values))


def _optional_shared(value: str | None) -> str | None:
    return None if value is None else sys.intern(value)


def _classifier_facts(classifiers: Iterable[str]) -> dict[str, Any]:
    """One pass over the classifiers, in their listed order."""
    versions: list[str] = []
    only: list[str] = []
    implementations: list[str] = []
    licenses: list[str] = []
    statuses: list[str] = []
    frameworks: list[tuple[str, str]] = []
    typed = stubs_only = False
    for classifier in classifiers:
        if classifier.startswith(_PYTHON):
            rest = classifier[len(_PYTHON) :]
            if _PY_VERSION.fullmatch(rest):
                versions.append(rest)
            elif match := _ONLY_MAJOR.fullmatch(rest):
                only.append(match.group(1))
            elif rest.startswith(_IMPLEMENTATION):
                implementation = rest[len(_IMPLEMENTATION) :]
                if _NO_SPACE.fullmatch(implementation):
                    implementations.append(implementation)
        elif classifier.startswith(_LICENSE):
            licenses.append(classifier[len(_LICENSE) :])
        elif classifier.startswith(_STATUS):
            statuses.append(classifier[len(_STATUS) :])
        elif classifier.startswith(_FRAMEWORK):
            if match := _FRAMEWORK_VERSION.fullmatch(classifier[len(_FRAMEWORK) :]):
                frameworks.append((match.group(1), match.group(2)))
        elif classifier == _TYPED:
            typed = True
        elif classifier == _STUBS_ONLY:
            stubs_only = True
    return {
        "python_versions": _shared(dict.fromkeys(versions)),
        "python_only_majors": _shared(dict.fromkeys(only)),
        "implementations": _shared(dict.fromkeys(implementations)),
        "license_classifiers": _shared(dict.fromkeys(licenses)),
        "development_statuses": _shared(dict.fromkeys(statuses)),
        "framework_versions": tuple(
            (sys.intern(framework), sys.intern(version))
            for framework, version in dict.fromkeys(frameworks)
        ),
        "typed": typed,
        "stubs_only": stubs_only,
    }


def _release_files(urls: list[object]) -> tuple[dict[str, Any], bool]:
    """File kinds, wheel tags and first upload time of the release's files; all yanked?"""
    all_yanked = bool(urls)
    kinds: set[str] = set()
    pythons: set[str] = set()
    platforms: set[str] = set()
    first_upload: datetime | None = None
    sdists: list[str] = []
    names: list[str] = []
    for file in urls:
        if not isinstance(file, dict):
            raise InvalidResponseError("PyPI field 'urls' holds a non-object")
        packagetype = file.get("packagetype")
        if not isinstance(packagetype, str):
            raise InvalidResponseError("PyPI file has no string 'packagetype'")
        kind = _FILE_KINDS.get(packagetype, packagetype)
        kinds.add(kind)
        if file.get("yanked") is not True:
            all_yanked = False
        filename = file.get("filename")
        if filename is not None and not isinstance(filename, str):
            raise InvalidResponseError("PyPI file field 'filename' is not a string")
        if filename:
            names.append(filename)
            if kind == "source":
                sdists.append(filename)
        if kind == "wheel" and filename:
            _add_wheel_tags(filename, pythons, platforms)
        uploaded = _upload_time(file)
        if uploaded is not None and (first_upload is None or uploaded < first_upload):
            first_upload = uploaded
    files = {
        "file_kinds": _shared(sorted(kinds)),
        "wheel_pythons": _shared(sorted(pythons)),
        "wheel_platforms": _shared(sorted(platforms)),
        "upload_time": first_upload,
        "provenance_file": min(sdists or names, default=None),
    }
    return files, all_yanked


def _add_wheel_tags(filename: str, pythons: set[str], platforms: set[str]) -> None:
    """Add the expanded tags of a wheel filename; names that are not wheels add nothing.

    The parse is ``packaging.utils.parse_wheel_filename``'s without its validation of
    the name and version, so that old, oddly named wheels still count.
    """
    if not filename.endswith(".whl"):
        return
    parts = filename[: -len(".whl")].split("-")
    if len(parts) not in (5, 6):
        return
    interpreters, abis, platform_tags = (part.lower().split(".") for part in parts[-3:])
    pythons.update(f"{i}-{a}" for i in interpreters for a in abis if i and a)
    platforms.update(p for p in platform_tags if p)


def _upload_time(file: Mapping[str, object]) -> datetime | None:
    for key in ("upload_time_iso_8601", "upload_time"):
        value = file.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidResponseError(f"PyPI file field {key!r} is not a string")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidResponseError(f"PyPI file field {key!r} is not a date") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    return None


#: Release strings whose parse is remembered ("1.0", "0.2.1"... recur across packages).
VERSION_CACHE_SIZE = 4096


@lru_cache(maxsize=VERSION_CACHE_SIZE)
def _version(key: str) -> Version | None:
    """``key`` parsed as a version, or None when it is not one (remembered)."""
    try:
        return Version(key)
    except ValueError:  # InvalidVersion, or more digits than int() accepts
        return None


def _highest(keys: Iterable[str]) -> str | None:
    """The highest of ``keys`` as PEP 440 versions (keys that are not are skipped); of
    two spellings of one version (``1.0``, ``1.0.0``) the larger text wins."""
    best: Version | None = None
    best_key = ""
    for key in keys:
        version = _version(key)
        if version is None:
            continue
        if best is None or version > best:
            best, best_key = version, key
        elif key > best_key and version == best:
            best_key = key
    return None if best is None else best_key


def _highest_release(releases: object) -> str | None:
    """The highest release that has a file that is not yanked, pre-releases included.

    One pass over the releases: a release whose files are all yanked (or that has none)
    is skipped after looking at its files up to the first one that is not yanked; every
    other key is parsed as a version once and compared with the highest so far (sorting
    them all took 1.5 times as long on boto3's 2,157 releases). Only the winner's files
    are validated, so a malformed release raises exactly when sorting would have.
    """
    if releases is None:
        return None
    if not isinstance(releases, dict):
        raise InvalidResponseError("PyPI field 'releases' is not an object")
    best_key = _highest(key for key, files in releases.items() if _has_live_file(files))
    if best_key is None:
        return None
    files = releases[best_key]
    if not isinstance(files, list):
        raise InvalidResponseError(f"PyPI release {best_key!r} is not a list of files")
    first = next(f for f in files if not isinstance(f, dict) or f.get("yanked") is not True)
    if not isinstance(first, dict):
        raise InvalidResponseError(f"PyPI release {best_key!r} holds a non-object")
    return best_key


def _has_live_file(files: object) -> bool:
    """Whether a release may be the answer: not a list (validated if it wins), or a list
    with a file that is not yanked (looked at up to the first such file)."""
    if not isinstance(files, list):
        return True
    return any(not isinstance(file, dict) or file.get("yanked") is not True for file in files)


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
    return IndexFacts(_highest(live), sys.intern(status))


def _vulnerability_count(vulnerabilities: object) -> int:
    if vulnerabilities is None:
        return 0
    if not isinstance(vulnerabilities, list):
        raise InvalidResponseError("PyPI field 'vulnerabilities' is not a list")
    count = 0
    for vulnerability in vulnerabilities:
        if not isinstance(vulnerability, dict):
            raise InvalidResponseError("PyPI field 'vulnerabilities' holds a non-object")
        if vulnerability.get("withdrawn") is None:
            count += 1
    return count


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


_PACKAGE_CODECS: Final = {
    "name": _str,
    "normalized_name": _str,
    "version": _str,
    "highest_version": _opt_str,
    "python_versions": _strs,
    "python_only_majors": _strs,
    "implementations": _strs,
    "license_expression": _opt_str,
    "license": _opt_str,
    "license_classifiers": _strs,
    "development_statuses": _strs,
    "typed": _bool,
    "stubs_only": _bool,
    "framework_versions": _pairs,
    "requires_python": _opt_str,
    "file_kinds": _strs,
    "wheel_pythons": _strs,
    "wheel_platforms": _strs,
    "upload_time": _opt_datetime,
    "yanked": _bool,
    "vulnerabilities": _count,
    "last_serial": _opt_int,
    "has_release_list": _bool,
    "provenance_file": _opt_str,
}
