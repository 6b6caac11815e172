"""The records every badge kind shares: ``Badge``, ``BadgeExample``, ``Param``, ``BadgeKind``.

A badge's unit in ``pypins.badges.kinds`` declares its ``BadgeKind`` with these, and
its pypip.in route, if it has one, with ``pypip_in``: only how pypip.in differs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final, Literal, TypeVar
from urllib.parse import quote, urlencode

from pypins.badges.facts import AttestationFacts, DownloadFacts, IndexFacts, PackageFacts
from pypins.errors import InvalidParameterError

__all__ = [
    "Badge",
    "BadgeExample",
    "BadgeKind",
    "Category",
    "Facts",
    "Param",
    "Params",
    "Renderer",
    "Source",
    "attestation_renderer",
    "example",
    "index_renderer",
    "parse_flag",
    "pypi_renderer",
    "pypip_in",
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


def example(
    package: str,
    facts: Facts,
    label: str,
    message: str,
    color: str,
    *params: tuple[str, str],
    version: str | None = None,
    note: str = "",
    is_error: bool = False,
) -> BadgeExample:
    """A ``BadgeExample`` written out flat: package, facts, the badge, then parameters."""
    badge = Badge(label, message, color, is_error)
    return BadgeExample(package, facts, badge, tuple(params), version, note)


@dataclass(frozen=True, slots=True)
class Param:
    """A badge-specific parameter: its name, JSON schema and meaning (for the OpenAPI
    document), and whether it is a query parameter or a route segment before the package.
    """

    name: str
    #: The JSON Schema of its values, as the OpenAPI document states it.
    schema: Mapping[str, Any] = field(hash=False)
    #: What it does, in a sentence (CommonMark).
    description: str
    #: ``query`` (``?name=value``) or ``path`` (``/pypi/<segment>/<value>/<package>``).
    location: Literal["query", "path"] = "query"


def _no_release_list(params: Params) -> bool:
    return False


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
    #: Badge-specific parameters ``render`` reads (all other query parameters are
    #: ignored), with their schemas: query parameters and route segments.
    parameters: tuple[Param, ...] = ()
    #: The message of the badge for an upstream 404.
    not_found_message: str = "package or version not found"
    #: Worked examples, checked by the test suite.
    examples: tuple[BadgeExample, ...] = ()
    #: Whether, with these parameters, ``render`` reads ``PackageFacts.highest_version``
    #: (which comes from the Simple API when the JSON API leaves out ``releases``).
    needs_release_list: Callable[[Params], bool] = field(
        default=_no_release_list, repr=False, compare=False
    )

    @property
    def params(self) -> tuple[str, ...]:
        """The names of the badge-specific query parameters ``render`` reads."""
        return tuple(param.name for param in self.parameters if param.location == "query")

    @property
    def path_params(self) -> tuple[str, ...]:
        """The route segments between the kind and the package, passed to ``render`` in
        ``params`` under these names."""
        return tuple(param.name for param in self.parameters if param.location == "path")

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
        """The URL path and query of an example (``/pypi/v/wagtail.svg?include_prereleases``)."""
        params = dict(example.params)
        path = self.path(example.package, example.version, params)
        query = [(key, value) for key, value in example.params if key not in self.path_params]
        suffix = ""
        if query:
            suffix = "?" + "&".join(
                quote(key) if value == "" else urlencode({key: value}) for key, value in query
            )
        return f"{path}.{extension}{suffix}"


def pypip_in(
    kind: BadgeKind,
    *segments: str,
    description: str,
    title: str | None = None,
    renderer: Renderer | None = None,
    parameters: tuple[Param, ...] = (),
    examples: tuple[BadgeExample, ...] | None = None,
) -> tuple[BadgeKind, ...]:
    """pypip.in's routes (``/<segment>/<package>/badge``) for the badge ``kind`` describes,
    declared by how they differ from it.

    Label, cache category, source and not-found wording are ``kind``'s. The title is
    ``kind``'s with ``pypip.in`` for ``PyPI`` unless given; the renderer is ``kind``'s
    where pypip.in agrees with shields, and so are the examples then, unless given. The
    parameters are pypip.in's own (none unless given); no pinned version is accepted.
    """
    if renderer is not None and examples is None:
        raise ValueError(f"pypip.in's own renderer for {kind.segment!r} needs its own examples")
    return tuple(
        replace(
            kind,
            segment=segment,
            title=title or kind.title.replace("PyPI - ", "pypip.in - ", 1),
            description=description,
            renderer=renderer or kind.renderer,
            accepts_version=False,
            legacy=True,
            parameters=parameters,
            examples=kind.examples if examples is None else examples,
            needs_release_list=_no_release_list,
        )
        for segment in segments
    )


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
