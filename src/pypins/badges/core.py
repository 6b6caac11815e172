"""The records every badge kind shares: ``Badge``, ``BadgeExample`` and ``BadgeKind``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, Literal, TypeVar
from urllib.parse import quote, urlencode

from pypins.badges.facts import AttestationFacts, DownloadFacts, IndexFacts, PackageFacts
from pypins.errors import InvalidParameterError

__all__ = [
    "Badge",
    "BadgeExample",
    "BadgeKind",
    "Category",
    "Facts",
    "Params",
    "Renderer",
    "Source",
    "attestation_renderer",
    "index_renderer",
    "parse_flag",
    "pypi_renderer",
    "stats_renderer",
]

#: The facts a kind renders: a PyPI release's, a project's download counts, its Simple
#: API page's, or a file's provenance.
Facts = PackageFacts | DownloadFacts | IndexFacts | AttestationFacts
#: Badge-specific query (and path) parameters, already percent-decoded.
Params = Mapping[str, str]
#: How a kind turns facts into a badge.
Renderer = Callable[[Facts, Params, datetime], "Badge"]
#: Which upstream record a kind needs: PyPI's JSON document (``pypi``), pypistats'
#: ``recent`` (``stats``), the Simple API page (``simple``), or the PEP 740 provenance of
#: one file of the release the JSON document describes (``integrity``).
Source = Literal["pypi", "stats", "simple", "integrity"]
#: The cache category that sets a badge's lifetime.
Category = Literal["version", "downloads", "metadata", "static"]

_TRUE: Final = frozenset({"", "1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True, slots=True)
class Badge:
    """What a badge says: label, message and colour (a shields colour name or a CSS colour).

    ``is_error`` marks an error badge (served with a short lifetime, colour not
    overridable), like shields' error badges.
    """

    label: str
    message: str
    color: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class BadgeExample:
    """A worked example: these facts and parameters give exactly this badge."""

    package: str
    facts: Facts
    badge: Badge
    params: tuple[tuple[str, str], ...] = ()
    version: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class BadgeKind:
    """One badge the service serves: its route, label, cache category and semantics."""

    #: The route segment: ``/pypi/<segment>/...`` or, for legacy kinds, ``/<segment>/...``.
    segment: str
    #: A human name for the docs and the index page.
    title: str
    #: The label a badge has unless ``?label=`` overrides it; error badges keep it.
    default_label: str
    #: The cache category that sets the badge's lifetime.
    category: Category
    #: Which upstream record ``render`` needs.
    source: Source
    #: What the badge shows, in a sentence or two.
    description: str
    #: The pure function behind ``render``.
    renderer: Renderer = field(repr=False, compare=False)
    #: Whether ``/<version>`` after the package may pin a release.
    accepts_version: bool = True
    #: A pypip.in route (``/<segment>/<package>/badge.<ext>``).
    legacy: bool = False
    #: Badge-specific query parameters ``render`` reads (all others are ignored).
    params: tuple[str, ...] = ()
    #: Route segments between the kind and the package, passed to ``render`` in ``params``.
    path_params: tuple[str, ...] = ()
    #: The message of the badge for an upstream 404.
    not_found_message: str = "package or version not found"
    #: Worked examples, checked by the test suite.
    examples: tuple[BadgeExample, ...] = ()
    #: Whether, with these parameters, ``render`` reads ``PackageFacts.highest_version``
    #: (which comes from the Simple API when the JSON API leaves out ``releases``).
    needs_release_list: Callable[[Params], bool] = field(
        default=lambda params: False, repr=False, compare=False
    )

    def render(self, facts: Facts, params: Params | None = None, *, now: datetime) -> Badge:
        """The badge for ``facts``; ``InvalidParameterError`` for a bad badge parameter."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        return self.renderer(facts, params or {}, now)

    def path(
        self, package: str, version: str | None = None, path_args: Params | None = None
    ) -> str:
        """The badge's URL path without extension, e.g. ``/pypi/v/django``."""
        args = path_args or {}
        if self.legacy:
            return f"/{self.segment}/{quote(package)}/badge"
        parts = ["", "pypi", self.segment, *(args[name] for name in self.path_params), package]
        if version is not None:
            parts.append(version)
        return "/".join(quote(part) for part in parts)

    def example_url(self, example: BadgeExample, extension: str = "svg") -> str:
        """The URL path and query of an example, e.g. ``/pypi/v/django.svg?include_prereleases``."""
        params = dict(example.params)
        path = self.path(example.package, example.version, params)
        query = [(key, value) for key, value in example.params if key not in self.path_params]
        suffix = ""
        if query:
            suffix = "?" + "&".join(
                quote(key) if value == "" else urlencode({key: value}) for key, value in query
            )
        return f"{path}.{extension}{suffix}"


def parse_flag(params: Params, name: str) -> bool:
    """A boolean query flag: absent or false-like is False; present, empty or true-like is True."""
    value = params.get(name)
    if value is None:
        return False
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidParameterError(name, f"{value!r} is not a boolean")


F = TypeVar("F", PackageFacts, DownloadFacts, IndexFacts, AttestationFacts)


def _checked_renderer(
    record: type[F], function: Callable[[F, Params, datetime], Badge]
) -> Renderer:
    """``function`` with the common signature, refusing facts of another record type."""

    def render(facts: Facts, params: Params, now: datetime) -> Badge:
        if not isinstance(facts, record):
            raise TypeError(f"this badge needs {record.__name__}, not {type(facts).__name__}")
        return function(facts, params, now)

    render.__doc__ = function.__doc__
    return render


def pypi_renderer(function: Callable[[PackageFacts, Params, datetime], Badge]) -> Renderer:
    """Adapt a renderer of ``PackageFacts`` to the common signature, checking the type."""
    return _checked_renderer(PackageFacts, function)


def stats_renderer(function: Callable[[DownloadFacts, Params, datetime], Badge]) -> Renderer:
    """Adapt a renderer of ``DownloadFacts`` to the common signature, checking the type."""
    return _checked_renderer(DownloadFacts, function)


def index_renderer(function: Callable[[IndexFacts, Params, datetime], Badge]) -> Renderer:
    """Adapt a renderer of ``IndexFacts`` to the common signature, checking the type."""
    return _checked_renderer(IndexFacts, function)


def attestation_renderer(
    function: Callable[[AttestationFacts, Params, datetime], Badge],
) -> Renderer:
    """Adapt a renderer of ``AttestationFacts`` to the common signature, checking the type."""
    return _checked_renderer(AttestationFacts, function)
