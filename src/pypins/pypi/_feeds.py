"""Pure parsing of PyPI's RSS feeds, refusing entities and internal DTDs. No I/O here.

PyPI has served three shapes, and all parse alike: warehouse's RSS 2.0 without a
DOCTYPE (since May 2020); warehouse's ``<rss version="0.91">`` after a DOCTYPE naming
rssboard.org's DTD (2018 to May 2020); legacy PyPI's ``<rss version="0.91">`` after a
DOCTYPE naming Netscape's DTD, with dates lacking the weekday (until 2018).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree.ElementTree import ParseError, TreeBuilder

from defusedxml import (  # type: ignore[import-untyped]
    DefusedXmlException,
    DTDForbidden,
)
from defusedxml.ElementTree import DefusedXMLParser  # type: ignore[import-untyped]

from pypins.errors import InvalidNameError, InvalidResponseError
from pypins.pypi._models import FeedEntry
from pypins.pypi._names import normalize_name, validate_name

#: The channel title of a project's releases feed, before the project's name.
PROJECT_TITLE_PREFIX = "PyPI recent updates for "


class UndeclaredEntity(DefusedXmlException):  # type: ignore[misc]
    """A reference to an entity nothing in the document declares."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _FeedParser(DefusedXMLParser):  # type: ignore[misc]
    """defusedxml's parser, letting through a DOCTYPE that only names an external DTD.

    Such a DOCTYPE is inert: pyexpat leaves parameter-entity parsing off, so expat never
    asks for the external DTD (not even of defusedxml's handler, which would refuse).
    Entities and their expansion live in an internal subset, refused as before, before
    any of its declarations is read.
    """

    def __init__(self) -> None:
        super().__init__(
            target=TreeBuilder(), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        # With an external DTD named but unread, expat cannot know whether ``&eacute;``
        # is declared (RSS 0.91's DTD declares it), so it skips the reference instead of
        # failing; refuse it rather than lose the text. (In attribute values expat drops
        # such references without a call: no attribute is read below for that reason.)
        self.parser.SkippedEntityHandler = self._skipped_entity

    def defused_start_doctype_decl(
        self, name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool
    ) -> None:
        """Refuse a DOCTYPE with an internal subset; a public or system id alone is inert."""
        if has_internal_subset:
            raise DTDForbidden(name, sysid, pubid)

    def _skipped_entity(self, name: str, is_parameter_entity: bool) -> None:
        raise UndeclaredEntity(name)


def _shown(text: str) -> str:
    """``text`` for an error message, cut when long."""
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _is_name(text: str) -> bool:
    """Whether ``text`` can be a PyPI project name."""
    try:
        validate_name(text)
    except InvalidNameError:
        return False
    return True


def _channel(content: bytes) -> Any:
    """The ``<channel>`` element of an RSS 0.91 or 2.0 document."""
    parser = _FeedParser()
    try:
        parser.feed(content)
        root = parser.close()
    except DefusedXmlException as exc:
        raise InvalidResponseError(f"feed refused: {type(exc).__name__}") from None
    except ParseError as exc:
        raise InvalidResponseError(f"feed is not well-formed XML: {exc}") from None
    # The version attribute is not checked (see _FeedParser): PyPI's feeds are told
    # apart by their content, which is the same in RSS 0.91 and 2.0.
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        found = "<rss> without <channel>" if root.tag == "rss" else f"root <{root.tag[:60]}>"
        raise InvalidResponseError(
            f"feed is not RSS: expected <rss> (version 0.91 or 2.0) with a <channel>, got {found}"
        )
    return channel


def _child_text(element: Any, tag: str) -> str | None:
    """The stripped text of ``element``'s first ``tag`` child, None if absent or empty."""
    child = element.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def _date(text: str | None, where: str) -> datetime:
    """An RFC 822 date, with or without the weekday, timezone-aware.

    warehouse writes ``Sat, 21 Nov 2026 13:52:18 GMT``; legacy PyPI wrote
    ``09 Aug 2014 06:57:42 GMT``.
    """
    if text is None:
        raise InvalidResponseError(f"{where}.pubDate: missing")
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError):  # Overflow: an offset of 400 digits
        raise InvalidResponseError(
            f"{where}.pubDate: not an RFC 822 date: {_shown(text)}"
        ) from None
    # ``-0000`` (UTC, source unknown) parses naive.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _entry(item: Any, where: str, name: str, version: str | None) -> FeedEntry:
    url = _child_text(item, "link")
    if url is None:
        raise InvalidResponseError(f"{where}.link: missing")
    return FeedEntry(
        name=name,
        version=version,
        url=url,
        description=_child_text(item, "description"),
        date=_date(_child_text(item, "pubDate"), where),
        author=_child_text(item, "author"),
    )


def _titled_items(channel: Any) -> list[tuple[str, Any, list[str]]]:
    """Each item of ``channel`` with where it is and its title's words (never empty)."""
    titled = []
    for index, item in enumerate(channel.findall("item")):
        where = f"item[{index}]"
        title = _child_text(item, "title")
        if title is None:
            raise InvalidResponseError(f"{where}.title: missing")
        titled.append((where, item, title.split()))
    return titled


def parse_newest_packages(content: bytes) -> list[FeedEntry]:
    """Entries of the newest-packages feed (titles ``<name> added to PyPI``)."""
    return [
        _entry(item, where, words[0], None)
        for where, item, words in _titled_items(_channel(content))
    ]


def parse_latest_updates(content: bytes) -> list[FeedEntry]:
    """Entries of the latest-updates feed (titles ``<name> <version>``)."""
    entries = []
    for where, item, words in _titled_items(_channel(content)):
        if len(words) != 2:
            raise InvalidResponseError(
                f"{where}.title: expected 'name version', got {_shown(' '.join(words))}"
            )
        entries.append(_entry(item, where, words[0], words[1]))
    return entries


def parse_project_releases(content: bytes, name: str | None = None) -> list[FeedEntry]:
    """Entries of a project's releases feed (``/rss/project/<name>/releases.xml``).

    The channel title, ``PyPI recent updates for <project>``, gives every entry's name;
    item titles are the bare version. With ``name``, a feed of another project is refused.
    """
    channel = _channel(content)
    title = _child_text(channel, "title") or ""
    project = title[len(PROJECT_TITLE_PREFIX) :] if title.startswith(PROJECT_TITLE_PREFIX) else ""
    if not _is_name(project):
        raise InvalidResponseError(
            f"channel.title: expected {PROJECT_TITLE_PREFIX!r} and a project name, "
            f"got {_shown(title)}"
        )
    if name is not None and normalize_name(name) != normalize_name(project):
        raise InvalidResponseError(f"feed is for project {_shown(project)}, not {_shown(name)}")
    entries = []
    for where, item, words in _titled_items(channel):
        if len(words) != 1:
            raise InvalidResponseError(
                f"{where}.title: expected a version, got {_shown(' '.join(words))}"
            )
        entries.append(_entry(item, where, project, words[0]))
    return entries
