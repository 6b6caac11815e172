"""Pure parsing of PyPI's RSS feeds, refusing DTDs and entities. No I/O here."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml import ElementTree as SafeElementTree

from pypins.client._models import FeedEntry
from pypins.errors import InvalidResponseError


def _child_text(item: Any, tag: str) -> str | None:
    """The stripped text of ``item``'s first ``tag`` child, None if absent or empty."""
    child = item.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def _items(content: bytes) -> list[Any]:
    """The ``<item>`` elements of an RSS 2.0 document."""
    try:
        root = SafeElementTree.fromstring(content, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InvalidResponseError(f"feed refused: {type(exc).__name__}") from None
    except ParseError as exc:
        raise InvalidResponseError(f"feed is not well-formed XML: {exc}") from None
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise InvalidResponseError(f"feed is not RSS 2.0: root <{root.tag}> without <channel>")
    return list(channel.findall("item"))


def _date(text: str | None, where: str) -> datetime:
    """An RFC 822 date (``Sat, 21 Nov 2026 13:52:18 GMT``), timezone-aware."""
    if text is None:
        raise InvalidResponseError(f"{where}.pubDate: missing")
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        raise InvalidResponseError(f"{where}.pubDate: not an RFC 822 date: {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _entry(item: Any, index: int, *, versioned: bool) -> FeedEntry:
    where = f"item[{index}]"
    title = _child_text(item, "title")
    if title is None:
        raise InvalidResponseError(f"{where}.title: missing")
    words = title.split()
    if versioned and len(words) != 2:
        raise InvalidResponseError(f"{where}.title: expected 'name version', got {title!r}")
    url = _child_text(item, "link")
    if url is None:
        raise InvalidResponseError(f"{where}.link: missing")
    return FeedEntry(
        name=words[0],
        version=words[1] if versioned else None,
        url=url,
        description=_child_text(item, "description"),
        date=_date(_child_text(item, "pubDate"), where),
        author=_child_text(item, "author"),
    )


def parse_newest_packages(content: bytes) -> list[FeedEntry]:
    """Entries of the newest-packages feed (titles ``<name> added to PyPI``)."""
    return [_entry(item, index, versioned=False) for index, item in enumerate(_items(content))]


def parse_latest_updates(content: bytes) -> list[FeedEntry]:
    """Entries of the latest-updates feed (titles ``<name> <version>``)."""
    return [_entry(item, index, versioned=True) for index, item in enumerate(_items(content))]
