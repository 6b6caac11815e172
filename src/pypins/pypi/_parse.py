"""Pure reading of PyPI's answers: upstream bytes or JSON into records. No I/O here.

Bodies are decoded by orjson (two to three times faster than the standard library on
PyPI's documents), strictly: UTF-8 only, no ``NaN``/``Infinity``, no lone surrogates, at
most 1,024 levels of nesting; any failure is an InvalidResponseError saying why.

Every field is read by one reader, with one set of rules, here: the JSON API's document
by ``ProjectDocument`` (for the client's ``Package`` and the badges' facts alike), the
Simple API's page, the Integrity API's provenance and pypistats' counts by their
``parse_*`` functions. A wrong type raises InvalidResponseError naming the field
(``releases['1.0'][0].size: expected an integer, got string``). Texts are stripped, and
the spellings of "nothing" (null, blank, ``None``, ``UNKNOWN`` in any case) become None;
required texts must not be blank. A version or specifier holding a number of more
digits than ``int()`` takes (``max_number_digits``) is refused when required and
ignored when optional, so that no reader of the record meets such a number.

InvalidResponseError is the only exception the readers raise on an upstream's data.
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Final

import orjson
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pypins.errors import InvalidResponseError
from pypins.filenames import VersionMatcher, package_type, python_tag
from pypins.pypi._contacts import split_contact
from pypins.pypi._models import (
    PROJECT_STATUSES,
    Author,
    Downloads,
    Maintainer,
    Package,
    Provenance,
    Publisher,
    Release,
    SimpleFile,
    SimpleProject,
    Vulnerability,
)

# yarg's names for the common file types; others are kept as PyPI gives them.
_PACKAGE_TYPES: Final = {"sdist": "source", "bdist_wheel": "wheel", "bdist_egg": "egg"}

# ---------------------------------------------------------------------------------------
# Field readers: the one set of rules
# ---------------------------------------------------------------------------------------


def _type_name(value: object) -> str:
    """A JSON-ish name for the type of ``value`` in error messages."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)


# Each reader takes the field's place as ``where`` and, optionally, ``key``, a field of
# the object at ``where``: ``where.key`` is only written out for an error, which keeps
# reading the thousands of fields of a large document cheap.


def _fail(where: str, expected: str, value: object, key: str | None = None) -> InvalidResponseError:
    place = where if key is None else f"{where}.{key}"
    return InvalidResponseError(f"{place}: expected {expected}, got {_type_name(value)}")


def _object(value: object, where: str, key: str | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, "an object", value, key)
    return value


def _optional_object(value: object, where: str, key: str | None = None) -> dict[str, Any]:
    return {} if value is None else _object(value, where, key)


def _list(value: object, where: str, key: str | None = None) -> list[Any]:
    """An array; null reads as an empty one."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(where, "an array", value, key)
    return value


def _string(value: object, where: str, key: str | None = None) -> str:
    """A required text: a string that is not blank, stripped."""
    if isinstance(value, str):
        text = value.strip()
        if text:
            return text
    raise _fail(where, "a non-empty string", value, key)


def _text(value: object, where: str, key: str | None = None) -> str | None:
    """An optional text, stripped: None for null, blank, ``None`` and ``UNKNOWN`` (in
    any case), the spellings PyPI (or old metadata) uses to mean "nothing"."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(where, "a string or null", value, key)
    text = value.strip()
    if not text or text == "None" or (len(text) == 7 and text.upper() == "UNKNOWN"):
        return None
    return text


_DIGITS = re.compile(r"\d+")


def max_number_digits() -> int:
    """The longest run of digits read as a number in a version, a specifier, a
    classifier or a wheel tag: the interpreter's int-string limit, past which ``int()``
    raises (``sys.get_int_max_str_digits()``, 4,300 by default), or that default when
    the limit is off, since ``int()`` then takes time quadratic in the digits. PyPI's
    longest are dates (8 digits) and serials."""
    return sys.get_int_max_str_digits() or sys.int_info.default_max_str_digits


def holds_huge_number(text: str) -> bool:
    """Whether ``text`` holds a run of more digits (any script's, as ``int()`` reads
    them) than ``max_number_digits()``. Linear in ``text``; short texts are not searched."""
    limit = max_number_digits()
    if len(text) <= limit:
        return False
    return any(len(run) > limit for run in _DIGITS.findall(text))


def _numbered_string(value: object, where: str, key: str | None = None) -> str:
    """A required text read as numbers (a version): InvalidResponseError past the bound."""
    text = _string(value, where, key)
    if holds_huge_number(text):
        place = where if key is None else f"{where}.{key}"
        raise InvalidResponseError(f"{place}: a number of more than {max_number_digits()} digits")
    return text


def _numbered_text(value: object, where: str, key: str | None = None) -> str | None:
    """An optional text read as numbers (a specifier): None past the bound."""
    text = _text(value, where, key)
    return None if text is None or holds_huge_number(text) else text


def _integer(value: object, where: str, key: str | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, "an integer", value, key)
    return value


def _optional_integer(value: object, where: str, key: str | None = None) -> int | None:
    return None if value is None else _integer(value, where, key)


def _optional_flag(value: object, where: str, key: str | None = None) -> bool | None:
    if value is None or value is True or value is False:
        return value
    raise _fail(where, "a boolean", value, key)


def _flag(value: object, where: str, key: str | None = None) -> bool:
    """A boolean; null reads as false."""
    if value is True or value is False:
        return value
    return _optional_flag(value, where, key) is True


def _strings(value: object, where: str, key: str | None = None) -> tuple[str, ...]:
    items = _list(value, where, key)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            place = where if key is None else f"{where}.{key}"
            raise _fail(f"{place}[{index}]", "a string", item)
    return tuple(items)


def _timestamp(value: object, where: str, key: str | None = None) -> datetime:
    """An ISO 8601 time, as a timezone-aware UTC datetime (naive times are UTC)."""
    text = _string(value, where, key)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        place = where if key is None else f"{where}.{key}"
        raise InvalidResponseError(f"{place}: not an ISO 8601 time: {text[:40]!r}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    if moment.tzinfo is UTC:
        return moment
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00: past the last year datetime holds
        place = where if key is None else f"{where}.{key}"
        raise InvalidResponseError(f"{place}: out of range: {text[:40]!r}") from None


# ---------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------

#: The deepest nesting orjson accepts (its fixed limit; it counts levels itself, so no
#: RecursionError can arise). PyPI's documents nest 5 levels deep; a tighter bound of our
#: own would need a walk over every container, which costs half a decode on numpy's
#: document and as much as a whole decode on requests'.
MAX_JSON_DEPTH: Final = 1024

# orjson's messages for nesting past its limit ("depth limit exceeded" in 3.x).
_TOO_DEEP = re.compile(r"depth|recursion", re.IGNORECASE)


def load_json(content: bytes | str, what: str = "response") -> Any:
    """Decode a UTF-8 JSON body; anything else raises InvalidResponseError.

    Integers beyond 64 bits decode as floats (orjson's rule), which every integer field
    then refuses; ``NaN``, ``Infinity``, numbers that overflow a double, lone surrogates
    and a byte order mark are refused here.
    """
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise _decode_error(content, what, exc) from None


def _decode_error(
    content: bytes | str, what: str, exc: orjson.JSONDecodeError
) -> InvalidResponseError:
    """Say why ``content`` could not be decoded (only run once decoding has failed)."""
    try:
        if isinstance(content, str):
            content.encode("utf-8")
        else:
            content.decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError) as error:
        return InvalidResponseError(f"{what} is not UTF-8: {error.reason}")
    if _TOO_DEEP.search(exc.msg):
        return InvalidResponseError(
            f"{what} is not usable JSON: nested deeper than {MAX_JSON_DEPTH} levels"
        )
    return InvalidResponseError(f"{what} is not valid JSON: {exc}")


def load_object(content: bytes | str, what: str = "response") -> dict[str, Any]:
    """Decode a UTF-8 JSON body that must be an object."""
    return _object(load_json(content, what), what)


# ---------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------

#: Release strings whose parse is remembered ("1.0", "0.2.1"... recur across packages).
VERSION_CACHE_SIZE: Final = 4096
#: The longest release string remembered: the cache holds its keys, and an upstream's
#: keys may be as long as its document.
VERSION_CACHE_KEY_LENGTH: Final = 64


def _parse_version(key: str) -> Version | None:
    """``key`` parsed as a version, or None when it is not one (nor when it holds a
    number past ``max_number_digits()``, which a reader of the record may not convert)."""
    if holds_huge_number(key):
        return None
    try:
        return Version(key)
    except (InvalidVersion, ValueError):  # ValueError: more digits than int() takes
        return None


_remembered_version = lru_cache(maxsize=VERSION_CACHE_SIZE)(_parse_version)


def _version(key: str) -> Version | None:
    """``key`` parsed as a version, or None when it is not one (remembered when short)."""
    if len(key) <= VERSION_CACHE_KEY_LENGTH:
        return _remembered_version(key)
    return _parse_version(key)


def highest_version(keys: Iterable[str]) -> str | None:
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


def same_version(answered: str, asked: str) -> bool:
    """Whether two release strings name one release (PEP 440 equality, else equal text)."""
    if answered == asked:
        return True
    first, second = _version(answered), _version(asked)
    return first is not None and first == second


# ---------------------------------------------------------------------------------------
# The JSON API (``/pypi/<name>/json`` and ``/pypi/<name>/<version>/json``)
# ---------------------------------------------------------------------------------------


def parse_release(release_id: str, value: object, where: str) -> Release:
    """One file entry of ``releases`` or ``urls``."""
    entry = _object(value, where)
    get = entry.get
    digests = _optional_object(get("digests"), where, "digests")
    packagetype = _string(get("packagetype"), where, "packagetype")
    uploaded_at = get("upload_time_iso_8601") or get("upload_time")
    # Positional, in the record's field order: binding 13 keywords took a sixth of the
    # time of reading a file (numpy's latest release has 66 of them).
    return Release(
        release_id,
        _timestamp(uploaded_at, where, "upload_time"),  # uploaded
        _text(get("python_version"), where, "python_version"),
        _string(get("url"), where, "url"),
        _text(get("md5_digest"), where, "md5_digest"),
        _text(digests.get("sha256"), where, "digests.sha256"),  # sha256_digest
        _string(get("filename"), where, "filename"),
        _integer(get("size"), where, "size"),
        _PACKAGE_TYPES.get(packagetype, packagetype),  # package_type
        _flag(get("has_sig"), where, "has_sig"),
        _flag(get("yanked"), where, "yanked"),
        _text(get("yanked_reason"), where, "yanked_reason"),
        _numbered_text(get("requires_python"), where, "requires_python"),
    )


def _files(release_id: str, value: object, where: str) -> tuple[Release, ...]:
    entries = _list(value, where)
    return tuple(
        [
            parse_release(release_id, entry, f"{where}[{index}]")
            for index, entry in enumerate(entries)
        ]
    )


def parse_vulnerability(value: object, where: str) -> Vulnerability:
    """One entry of PyPI's ``vulnerabilities`` list."""
    entry = _object(value, where)
    withdrawn = entry.get("withdrawn")
    return Vulnerability(
        id=_string(entry.get("id"), f"{where}.id"),
        aliases=_strings(entry.get("aliases"), f"{where}.aliases"),
        summary=_text(entry.get("summary"), f"{where}.summary"),
        details=_text(entry.get("details"), f"{where}.details"),
        fixed_in=_strings(entry.get("fixed_in"), f"{where}.fixed_in"),
        link=_text(entry.get("link"), f"{where}.link"),
        source=_text(entry.get("source"), f"{where}.source"),
        withdrawn=None if withdrawn is None else _timestamp(withdrawn, f"{where}.withdrawn"),
    )


def parse_downloads(value: object, where: str) -> Downloads:
    """A ``{"last_day": N, "last_week": N, "last_month": N}`` object (missing counts: -1)."""
    counts = _optional_object(value, where)

    def count(key: str) -> int:
        number = _optional_integer(counts.get(key), f"{where}.{key}")
        return -1 if number is None else number

    return Downloads(day=count("last_day"), week=count("last_week"), month=count("last_month"))


def _project_urls(value: object, where: str) -> Mapping[str, str]:
    urls = _optional_object(value, where)
    for label, url in urls.items():
        if not isinstance(url, str):
            raise _fail(f"{where}[{label!r}]", "a string", url)
    return MappingProxyType(dict(urls))


def _has_live_file(files: object) -> bool:
    """Whether a release may be the highest live one: not an array (validated if it
    wins), or an array with a file that is not yanked (looked at up to the first one).
    A plain loop: ``any()`` over a generator took four times as long."""
    if isinstance(files, list):
        for file in files:  # noqa: SIM110 - any() over a generator is four times slower
            if not isinstance(file, dict) or file.get("yanked") is not True:
                return True
        return False
    return files is not None


class ProjectDocument:
    """A JSON API document (project or per-version), read: the one reader of its fields.

    A thin view over the decoded object: the constructor checks that it is an object
    with an ``info`` object; each property reads and checks its field when asked (and
    again each time it is asked), so a field nobody reads is never validated. The
    client's ``parse_package`` and the badges' ``facts_from_json`` both read through it.
    """

    __slots__ = ("_info", "_top")

    def __init__(self, document: object) -> None:
        self._top = _object(document, "document")
        self._info = _object(self._top.get("info"), "info")

    def __repr__(self) -> str:
        name = self._info.get("name")
        return f"<ProjectDocument {name if isinstance(name, str) else '?'}>"

    # The project and the release the document describes

    @property
    def name(self) -> str:
        """``info.name``: the project's name as PyPI spells it."""
        return _string(self._info.get("name"), "info.name")

    @property
    def version(self) -> str:
        """``info.version``: the latest release, or the pinned one."""
        return _numbered_string(self._info.get("version"), "info.version")

    @property
    def yanked(self) -> bool | None:
        """``info.yanked``: whether the described release is yanked (None when absent)."""
        return _optional_flag(self._info.get("yanked"), "info.yanked")

    @property
    def yanked_reason(self) -> str | None:
        """``info.yanked_reason``."""
        return _text(self._info.get("yanked_reason"), "info.yanked_reason")

    @property
    def last_serial(self) -> int | None:
        """``last_serial``: PyPI's change serial of the project."""
        return _optional_integer(self._top.get("last_serial"), "last_serial")

    # Metadata

    @property
    def classifiers(self) -> tuple[str, ...]:
        """``info.classifiers``, as listed."""
        return _strings(self._info.get("classifiers"), "info.classifiers")

    @property
    def license(self) -> str | None:
        """``info.license``: the free-text licence field."""
        return _text(self._info.get("license"), "info.license")

    @property
    def license_expression(self) -> str | None:
        """``info.license_expression`` (PEP 639)."""
        return _text(self._info.get("license_expression"), "info.license_expression")

    @property
    def requires_python(self) -> str | None:
        """``info.requires_python`` (None when it holds a number past the bound)."""
        return _numbered_text(self._info.get("requires_python"), "info.requires_python")

    @property
    def pypi_url(self) -> str | None:
        """``info.package_url`` (else ``info.project_url``): the project's page."""
        info = self._info
        return _text(info.get("package_url") or info.get("project_url"), "info.package_url")

    @property
    def summary(self) -> str | None:
        """``info.summary``."""
        return _text(self._info.get("summary"), "info.summary")

    @property
    def description(self) -> str | None:
        """``info.description``."""
        return _text(self._info.get("description"), "info.description")

    @property
    def home_page(self) -> str | None:
        """``info.home_page``."""
        return _text(self._info.get("home_page"), "info.home_page")

    @property
    def bugtrack_url(self) -> str | None:
        """``info.bugtrack_url``."""
        return _text(self._info.get("bugtrack_url"), "info.bugtrack_url")

    @property
    def docs_url(self) -> str | None:
        """``info.docs_url``."""
        return _text(self._info.get("docs_url"), "info.docs_url")

    @property
    def author(self) -> Author:
        """``info.author`` and ``info.author_email``."""
        info = self._info
        return Author(
            *split_contact(
                _text(info.get("author"), "info.author"),
                _text(info.get("author_email"), "info.author_email"),
            )
        )

    @property
    def maintainer(self) -> Maintainer:
        """``info.maintainer`` and ``info.maintainer_email``."""
        info = self._info
        return Maintainer(
            *split_contact(
                _text(info.get("maintainer"), "info.maintainer"),
                _text(info.get("maintainer_email"), "info.maintainer_email"),
            )
        )

    @property
    def downloads(self) -> Downloads:
        """``info.downloads`` (PyPI's are all -1 since it stopped counting)."""
        return parse_downloads(self._info.get("downloads"), "info.downloads")

    @property
    def project_urls(self) -> Mapping[str, str]:
        """``info.project_urls``, read-only."""
        return _project_urls(self._info.get("project_urls"), "info.project_urls")

    # Files and releases

    @property
    def latest_files(self) -> tuple[Release, ...]:
        """``urls``: the files of the described release, as ``Release`` records."""
        return _files(self.version, self._top.get("urls"), "urls")

    @property
    def vulnerabilities(self) -> tuple[Vulnerability, ...]:
        """``vulnerabilities``: known vulnerabilities of the described release."""
        entries = _list(self._top.get("vulnerabilities"), "vulnerabilities")
        return tuple(
            parse_vulnerability(entry, f"vulnerabilities[{index}]")
            for index, entry in enumerate(entries)
        )

    @property
    def has_releases(self) -> bool:
        """Whether the document has ``releases`` (the JSON API deprecates them; per-version
        documents and some registries leave them out)."""
        return "releases" in self._top

    @property
    def releases(self) -> dict[str, tuple[Release, ...]]:
        """``releases``: every release's files, parsed (empty when absent or null)."""
        raw = self._top.get("releases")
        if raw is None:
            return {}
        return {
            release_id: _files(release_id, files, f"releases[{release_id!r}]")
            for release_id, files in _object(raw, "releases").items()
        }

    def highest_live_release(self) -> str | None:
        """The highest release in ``releases`` that has a file that is not yanked,
        pre-releases included; None without ``releases`` or without such a release.

        One pass, without parsing the files (numpy's document has thousands): a release
        whose files are all yanked (or that has none) is skipped after looking at its
        files up to the first one that is not yanked; every other key is parsed as a
        version once (remembered across documents) and compared with the highest so far
        (sorting them all took 1.5 times as long on boto3's 2,157 releases). Only the
        winner is checked (an array, whose first file not yanked is an object), so a
        malformed release raises exactly when sorting every release would have.
        """
        raw = self._top.get("releases")
        if raw is None:
            return None
        releases = _object(raw, "releases")
        best = highest_version(key for key, files in releases.items() if _has_live_file(files))
        if best is None:
            return None
        where = f"releases[{best!r}]"
        for index, file in enumerate(_list(releases[best], where)):
            if not isinstance(file, dict) or file.get("yanked") is not True:
                _object(file, f"{where}[{index}]")
                break
        return best


def parse_package(document: Mapping[str, Any] | bytes | str) -> Package:
    """Turn a PyPI JSON API document (project or per-version) into a Package.

    Accepts the raw body or the decoded object. Per-version documents have no
    ``releases``; their ``urls`` become the files of ``info.version``.
    """
    if isinstance(document, bytes | str):
        document = load_json(document)
    project = ProjectDocument(document)
    name = project.name
    version = project.version
    releases = project.releases
    latest_files = project.latest_files
    if latest_files or version not in releases:
        releases[version] = latest_files
    return Package(
        name=name,
        normalized_name=str(canonicalize_name(name)),
        latest_release_id=version,
        pypi_url=project.pypi_url,
        summary=project.summary,
        description=project.description,
        homepage=project.home_page,
        bugtracker=project.bugtrack_url,
        docs=project.docs_url,
        author=project.author,
        maintainer=project.maintainer,
        license=project.license,
        license_expression=project.license_expression,
        requires_python=project.requires_python,
        downloads=project.downloads,
        classifiers=project.classifiers,
        project_urls=project.project_urls,
        releases=MappingProxyType(releases),
        vulnerabilities=project.vulnerabilities,
        yanked=project.yanked is True,
        yanked_reason=project.yanked_reason,
        last_serial=project.last_serial,
    )


def json2package(content: bytes | str) -> Package:
    """Turn a JSON API body into a Package (``yarg.json2package``)."""
    return parse_package(content)


# ---------------------------------------------------------------------------------------
# pypistats.org
# ---------------------------------------------------------------------------------------


def parse_stats(document: Mapping[str, Any] | bytes | str, name: str | None = None) -> Downloads:
    """Turn a pypistats.org ``/api/packages/<name>/recent`` answer into Downloads.

    ``name``, when given, is the package asked for: an answer whose ``package`` is
    another one (or missing) is refused.
    """
    if isinstance(document, bytes | str):
        document = load_json(document, "download stats")
    top = _object(document, "download stats")
    if name is not None:
        _check_name(top.get("package"), name, "package")
    return parse_downloads(_object(top.get("data"), "data"), "data")


# ---------------------------------------------------------------------------------------
# An answer must answer the question
# ---------------------------------------------------------------------------------------
#
# An upstream (or a proxy between) that writes a stray response on a kept-alive
# connection gets it read as the answer to the next request on that connection,
# whichever HTTP client reads it. Only the document itself can tell: each reader below
# checks that it describes what was asked, so that another package's answer is refused
# as invalid data instead of cached under the wrong name.


def check_project_answer(document: Mapping[str, Any], name: str, version: str | None) -> None:
    """Refuse a JSON API document that describes another project (or another release)."""
    project = ProjectDocument(document)
    answered = project.name
    if canonicalize_name(answered) != canonicalize_name(name):
        raise InvalidResponseError(f"asked for {name!r}, the answer describes {answered[:100]!r}")
    if version is not None:
        release = project.version
        if not same_version(release, version):
            raise InvalidResponseError(
                f"asked for {name} {version}, the answer describes release {release[:100]!r}"
            )


def _check_name(answered: object, name: str, where: str) -> str:
    text = _string(answered, where)
    if canonicalize_name(text) != canonicalize_name(name):
        raise InvalidResponseError(f"asked for {name!r}, the answer describes {text[:100]!r}")
    return text


# ---------------------------------------------------------------------------------------
# The Simple API (PEP 691 JSON, with PEP 700 and PEP 792)
# ---------------------------------------------------------------------------------------

#: The media type of the Simple API's JSON form, version 1.
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


def _simple_file(value: object, where: str) -> SimpleFile:
    entry = _object(value, where)
    hashes = _optional_object(entry.get("hashes"), f"{where}.hashes")
    yanked = entry.get("yanked")
    if yanked is not None and not isinstance(yanked, bool | str):
        raise _fail(f"{where}.yanked", "a boolean or a string", yanked)
    uploaded = entry.get("upload-time")
    size = entry.get("size")
    return SimpleFile(
        filename=_string(entry.get("filename"), f"{where}.filename"),
        url=_string(entry.get("url"), f"{where}.url"),
        sha256=_text(hashes.get("sha256"), f"{where}.hashes.sha256"),
        requires_python=_numbered_text(entry.get("requires-python"), f"{where}.requires-python"),
        size=None if size is None else _integer(size, f"{where}.size"),
        uploaded=None if uploaded is None else _timestamp(uploaded, f"{where}.upload-time"),
        # PEP 592: true, or the reason (a string, possibly empty), when yanked.
        yanked=yanked is not None and yanked is not False,
        yanked_reason=_text(yanked, f"{where}.yanked") if isinstance(yanked, str) else None,
        provenance_url=_text(entry.get("provenance"), f"{where}.provenance"),
    )


def parse_simple_project(
    document: Mapping[str, Any] | bytes | str, name: str | None = None
) -> SimpleProject:
    """Turn a Simple API project page (JSON) into a SimpleProject.

    ``name``, when given, is the project asked for: a page of another project is
    refused. Only API version 1.x is read (PEP 691: a client refuses a major version it
    does not know).
    """
    if isinstance(document, bytes | str):
        document = load_json(document, "Simple API page")
    top = _object(document, "Simple API page")
    meta = _object(top.get("meta"), "meta")
    api_version = _string(meta.get("api-version"), "meta.api-version")
    if api_version.split(".", 1)[0] != "1":
        raise InvalidResponseError(f"Simple API version {api_version[:20]!r} is not 1.x")
    project = _string(top.get("name"), "name")
    if name is not None:
        _check_name(project, name, "name")
    status = "active"
    reason = None
    raw_status = top.get("project-status")
    if raw_status is not None:
        marker = _object(raw_status, "project-status")
        status = _string(marker.get("status"), "project-status.status")
        if status not in PROJECT_STATUSES:
            raise InvalidResponseError(f"project-status.status: unknown status {status[:40]!r}")
        reason = _text(marker.get("reason"), "project-status.reason")
    serial = meta.get("_last-serial")
    return SimpleProject(
        name=str(canonicalize_name(project)),
        versions=_strings(top.get("versions"), "versions"),
        files=tuple(
            _simple_file(entry, f"files[{index}]")
            for index, entry in enumerate(_list(top.get("files"), "files"))
        ),
        status=status,
        status_reason=reason,
        api_version=api_version,
        last_serial=None if serial is None else _integer(serial, "meta._last-serial"),
    )


def releases_from_simple(project: SimpleProject) -> dict[str, tuple[Release, ...]]:
    """Each version's files, from a Simple API page.

    The JSON API may leave out ``releases`` (it is deprecated there); this builds the
    same mapping from the index PyPI recommends instead. Files are matched to the listed
    versions by the version in their names (``pypins.filenames``); a file whose name
    shows no listed version, or without ``upload-time``, is left out.
    """
    matcher = VersionMatcher(project.versions)
    releases: dict[str, list[Release]] = {version: [] for version in matcher.listed}
    for file in project.files:
        version = matcher.version(file.filename)
        if version is None or file.uploaded is None:
            continue
        releases[version].append(
            Release(
                release_id=version,
                uploaded=file.uploaded,
                python_version=python_tag(file.filename),
                url=file.url,
                md5_digest=None,
                sha256_digest=file.sha256,
                filename=file.filename,
                size=file.size if file.size is not None else -1,
                package_type=package_type(file.filename),
                yanked=file.yanked,
                yanked_reason=file.yanked_reason,
                requires_python=file.requires_python,
            )
        )
    return {version: tuple(files) for version, files in releases.items()}


# ---------------------------------------------------------------------------------------
# The Integrity API (PEP 740 provenance)
# ---------------------------------------------------------------------------------------

#: The media type of the Integrity API's JSON form, version 1.
INTEGRITY_JSON = "application/vnd.pypi.integrity.v1+json"


def _publisher(value: object, where: str) -> Publisher:
    entry = _object(value, where)
    kind = _string(entry.get("kind"), f"{where}.kind")
    identity = entry.get("repository")
    if identity is None:
        identity = entry.get("email")
    workflow = entry.get("workflow")
    if workflow is None:
        workflow = entry.get("workflow_filepath")
    return Publisher(
        kind=kind,
        identity=_text(identity, f"{where}.repository"),
        workflow=_text(workflow, f"{where}.workflow"),
        environment=_text(entry.get("environment"), f"{where}.environment"),
    )


def _statement_subjects(value: object, where: str) -> list[str]:
    """The subject names of an attestation's in-toto statement (base64 JSON)."""
    attestation = _object(value, where)
    envelope = _object(attestation.get("envelope"), f"{where}.envelope")
    encoded = _string(envelope.get("statement"), f"{where}.envelope.statement")
    try:
        statement = load_object(base64.b64decode(encoded, validate=True), f"{where} statement")
    except (binascii.Error, ValueError):
        raise InvalidResponseError(f"{where}.envelope.statement: not base64") from None
    subjects = _list(statement.get("subject"), f"{where} statement.subject")
    return [
        _string(_object(subject, f"{where} subject").get("name"), f"{where} subject.name")
        for subject in subjects
    ]


def parse_provenance(document: Mapping[str, Any] | bytes | str, filename: str) -> Provenance:
    """Turn an Integrity API answer for ``filename`` into a Provenance.

    Every attestation's statement must name ``filename`` among its subjects: the
    provenance of another file is refused. Signatures are not verified here: PyPI
    verified them when the file was uploaded.
    """
    if isinstance(document, bytes | str):
        document = load_json(document, "provenance")
    top = _object(document, "provenance")
    publishers: list[Publisher] = []
    count = 0
    for index, raw in enumerate(_list(top.get("attestation_bundles"), "attestation_bundles")):
        where = f"attestation_bundles[{index}]"
        bundle = _object(raw, where)
        publishers.append(_publisher(bundle.get("publisher"), f"{where}.publisher"))
        for number, attestation in enumerate(
            _list(bundle.get("attestations"), f"{where}.attestations")
        ):
            subjects = _statement_subjects(attestation, f"{where}.attestations[{number}]")
            if filename not in subjects:
                raise InvalidResponseError(
                    f"provenance asked for {filename!r} attests {subjects[:3]!r}"
                )
            count += 1
    return Provenance(filename=filename, publishers=tuple(publishers), attestations=count)
