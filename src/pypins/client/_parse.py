"""Pure parsing: upstream bytes or JSON into the client's records. No I/O here.

Bodies are decoded by orjson (two to three times faster than the standard library on
PyPI's documents), strictly: UTF-8 only, no ``NaN``/``Infinity``, no lone surrogates, at
most 1,024 levels of nesting; any failure is an InvalidResponseError saying why.
Every field used is checked once, here; a wrong type raises InvalidResponseError
naming the field (``releases['1.0'][0].size: expected an integer, got str``).
Quirks are normalised once: empty and ``UNKNOWN`` texts become None.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final

import orjson
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pypins.client._models import (
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
from pypins.errors import InvalidResponseError
from pypins.filenames import VersionMatcher, package_type, python_tag

#: yarg's names for the common file types; others are kept as PyPI gives them.
PACKAGE_TYPES: Mapping[str, str] = MappingProxyType(
    {"sdist": "source", "bdist_wheel": "wheel", "bdist_egg": "egg"}
)

# Texts PyPI (or old metadata) uses to mean "nothing".
_NOTHING = frozenset({"", "UNKNOWN", "None"})


def _type_name(value: object) -> str:
    """A JSON-ish name for the type of ``value`` in error messages."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _fail(where: str, expected: str, value: object) -> InvalidResponseError:
    return InvalidResponseError(f"{where}: expected {expected}, got {_type_name(value)}")


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, "an object", value)
    return value


def _optional_object(value: object, where: str) -> dict[str, Any]:
    return {} if value is None else _object(value, where)


def _list(value: object, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(where, "an array", value)
    return value


def _string(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(where, "a non-empty string", value)
    return value


def _text(value: object, where: str) -> str | None:
    """An optional text: None for null, empty or ``UNKNOWN``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(where, "a string or null", value)
    stripped = value.strip()
    return None if stripped in _NOTHING else value


def _integer(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, "an integer", value)
    return value


def _optional_integer(value: object, where: str) -> int | None:
    return None if value is None else _integer(value, where)


def _flag(value: object, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _fail(where, "a boolean", value)
    return value


def _strings(value: object, where: str) -> tuple[str, ...]:
    items = _list(value, where)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise _fail(f"{where}[{index}]", "a string", item)
    return tuple(items)


def _timestamp(value: object, where: str) -> datetime:
    """An ISO 8601 time, as a timezone-aware UTC datetime (naive times are UTC)."""
    text = _string(value, where)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidResponseError(f"{where}: not an ISO 8601 time: {text[:40]!r}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


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


def parse_release(release_id: str, value: object, where: str) -> Release:
    """One file entry of ``releases`` or ``urls``."""
    entry = _object(value, where)
    digests = _optional_object(entry.get("digests"), f"{where}.digests")
    packagetype = _string(entry.get("packagetype"), f"{where}.packagetype")
    uploaded_at = entry.get("upload_time_iso_8601") or entry.get("upload_time")
    return Release(
        release_id=release_id,
        uploaded=_timestamp(uploaded_at, f"{where}.upload_time"),
        python_version=_text(entry.get("python_version"), f"{where}.python_version"),
        url=_string(entry.get("url"), f"{where}.url"),
        md5_digest=_text(entry.get("md5_digest"), f"{where}.md5_digest"),
        sha256_digest=_text(digests.get("sha256"), f"{where}.digests.sha256"),
        filename=_string(entry.get("filename"), f"{where}.filename"),
        size=_integer(entry.get("size"), f"{where}.size"),
        package_type=PACKAGE_TYPES.get(packagetype, packagetype),
        has_sig=_flag(entry.get("has_sig"), f"{where}.has_sig"),
        yanked=_flag(entry.get("yanked"), f"{where}.yanked"),
        yanked_reason=_text(entry.get("yanked_reason"), f"{where}.yanked_reason"),
        requires_python=_text(entry.get("requires_python"), f"{where}.requires_python"),
    )


def _files(release_id: str, value: object, where: str) -> tuple[Release, ...]:
    return tuple(
        parse_release(release_id, entry, f"{where}[{index}]")
        for index, entry in enumerate(_list(value, where))
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


def parse_package(document: Mapping[str, Any] | bytes | str) -> Package:
    """Turn a PyPI JSON API document (project or per-version) into a Package.

    Accepts the raw body or the decoded object. Per-version documents have no
    ``releases``; their ``urls`` become the files of ``info.version``.
    """
    if isinstance(document, bytes | str):
        document = load_json(document)
    top = _object(document, "document")
    info = _object(top.get("info"), "info")
    name = _string(info.get("name"), "info.name")
    version = _string(info.get("version"), "info.version")

    releases: dict[str, tuple[Release, ...]] = {}
    raw_releases = top.get("releases")
    if raw_releases is not None:
        for release_id, files in _object(raw_releases, "releases").items():
            releases[release_id] = _files(release_id, files, f"releases[{release_id!r}]")
    latest_files = _files(version, top.get("urls"), "urls")
    if latest_files or version not in releases:
        releases[version] = latest_files

    vulnerabilities = tuple(
        parse_vulnerability(entry, f"vulnerabilities[{index}]")
        for index, entry in enumerate(_list(top.get("vulnerabilities"), "vulnerabilities"))
    )
    return Package(
        name=name,
        normalized_name=str(canonicalize_name(name)),
        latest_release_id=version,
        pypi_url=_text(info.get("package_url") or info.get("project_url"), "info.package_url"),
        summary=_text(info.get("summary"), "info.summary"),
        description=_text(info.get("description"), "info.description"),
        homepage=_text(info.get("home_page"), "info.home_page"),
        bugtracker=_text(info.get("bugtrack_url"), "info.bugtrack_url"),
        docs=_text(info.get("docs_url"), "info.docs_url"),
        author=Author(
            _text(info.get("author"), "info.author"),
            _text(info.get("author_email"), "info.author_email"),
        ),
        maintainer=Maintainer(
            _text(info.get("maintainer"), "info.maintainer"),
            _text(info.get("maintainer_email"), "info.maintainer_email"),
        ),
        license=_text(info.get("license"), "info.license"),
        license_expression=_text(info.get("license_expression"), "info.license_expression"),
        requires_python=_text(info.get("requires_python"), "info.requires_python"),
        downloads=parse_downloads(info.get("downloads"), "info.downloads"),
        classifiers=_strings(info.get("classifiers"), "info.classifiers"),
        project_urls=_project_urls(info.get("project_urls"), "info.project_urls"),
        releases=MappingProxyType(releases),
        vulnerabilities=vulnerabilities,
        yanked=_flag(info.get("yanked"), "info.yanked"),
        yanked_reason=_text(info.get("yanked_reason"), "info.yanked_reason"),
        last_serial=_optional_integer(top.get("last_serial"), "last_serial"),
    )


def json2package(content: bytes | str) -> Package:
    """Turn a JSON API body into a Package (``yarg.json2package``)."""
    return parse_package(content)


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


def same_version(answered: str, asked: str) -> bool:
    """Whether two release strings name one release (PEP 440 equality, else equal text)."""
    if answered == asked:
        return True
    try:
        return Version(answered) == Version(asked)
    except (InvalidVersion, ValueError):  # ValueError: more digits than int() takes
        return False


def check_project_answer(document: Mapping[str, Any], name: str, version: str | None) -> None:
    """Refuse a JSON API document that describes another project (or another release)."""
    info = _object(document.get("info"), "info")
    answered = _string(info.get("name"), "info.name")
    if canonicalize_name(answered) != canonicalize_name(name):
        raise InvalidResponseError(f"asked for {name!r}, the answer describes {answered[:100]!r}")
    if version is not None:
        release = _string(info.get("version"), "info.version")
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
        requires_python=_text(entry.get("requires-python"), f"{where}.requires-python"),
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
