"""Hostile RSS feeds are refused or harmless; a DOCTYPE's DTD is never read.

PyPI's feeds have carried a DOCTYPE naming an external DTD, so such a DOCTYPE is
accepted; an internal subset (where entities are declared, expanded or pulled from
elsewhere) and references to entities nothing declares are refused with
``InvalidResponseError``. The feed readers are attacked here directly, inside every
fixture shape; ``tests/client/test_rss_attacks.py`` attacks them through the clients
and the service's release poller.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pypins.errors import InvalidResponseError
from pypins.pypi import (
    FeedEntry,
    parse_latest_updates,
    parse_newest_packages,
    parse_project_releases,
)

Parse = Callable[[bytes], list[FeedEntry]]

#: Every fixture shape and its parser.
SHAPES: list[tuple[str, Parse]] = [
    ("rss/updates.xml", parse_latest_updates),
    ("rss/doctype/updates.xml", parse_latest_updates),
    ("rss/pypi-legacy/updates.xml", parse_latest_updates),
    ("rss/packages.xml", parse_newest_packages),
    ("rss/doctype/packages.xml", parse_newest_packages),
    ("rss/pypi-legacy/packages.xml", parse_newest_packages),
    ("rss/project-requests-releases.xml", parse_project_releases),
]

RSSBOARD = '"-//Netscape Communications//DTD RSS 0.91//EN" "http://www.rssboard.org/rss-0.91.dtd"'
LAUGHS = "".join(
    ['<!ENTITY lol0 "lol">']
    + [f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)]
)

#: Hostile DOCTYPEs, and the reference each puts in the feed's titles.
DOCTYPE_ATTACKS = [
    pytest.param("<!DOCTYPE rss []>", "", id="empty internal subset"),
    pytest.param("<!DOCTYPE rss [<!ELEMENT rss ANY>]>", "", id="element declaration"),
    pytest.param('<!DOCTYPE rss [<!ENTITY eacute "&#233;">]>', "&eacute;", id="entity declaration"),
    pytest.param(
        f'<!DOCTYPE rss PUBLIC {RSSBOARD} [<!ENTITY eacute "&#233;">]>',
        "&eacute;",
        id="internal subset after the real public id",
    ),
    pytest.param(f"<!DOCTYPE rss [{LAUGHS}]>", "&lol9;", id="billion laughs"),
    pytest.param(
        f'<!DOCTYPE rss [<!ENTITY a "{"x" * 50_000}">]>', "&a;" * 2000, id="quadratic blowup"
    ),
    pytest.param(
        '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        "&xxe;",
        id="external file entity",
    ),
    pytest.param(
        '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "http://127.0.0.1:1/x">]>',
        "&xxe;",
        id="external http entity",
    ),
    pytest.param(
        '<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.1:1/x.dtd"> %remote;]>',
        "",
        id="external parameter entity",
    ),
    pytest.param(
        '<!DOCTYPE rss [<!NOTATION png SYSTEM "image/png">'
        '<!ENTITY logo SYSTEM "http://127.0.0.1:1/logo.png" NDATA png>]>',
        "",
        id="unparsed entity",
    ),
]


def spliced(fixture: bytes, doctype: str | None, reference: str) -> bytes:
    """``fixture`` after ``doctype`` (None: its own prologue), ``reference`` in two titles."""
    start = fixture.index(b"<rss")
    prologue = (
        fixture[:start] if doctype is None else f"<?xml version='1.0'?>\n{doctype}\n".encode()
    )
    return prologue + fixture[start:].replace(b"</title>", f"{reference}</title>".encode(), 2)


@pytest.mark.parametrize(("path", "parse"), SHAPES)
@pytest.mark.parametrize(("doctype", "reference"), DOCTYPE_ATTACKS)
def test_internal_subsets_are_refused_in_every_shape(
    fixture_bytes: Callable[[str], bytes], path: str, parse: Parse, doctype: str, reference: str
) -> None:
    """A DOCTYPE with an internal subset is refused before any declaration is read."""
    with pytest.raises(InvalidResponseError, match="feed refused: DTDForbidden"):
        parse(spliced(fixture_bytes(path), doctype, reference))


@pytest.mark.parametrize(("path", "parse"), SHAPES)
@pytest.mark.parametrize("reference", ["&eacute;", "&nbsp;", "&copy;", "&lol;"])
def test_undeclared_entities_are_refused_in_every_shape(
    fixture_bytes: Callable[[str], bytes], path: str, parse: Parse, reference: str
) -> None:
    """A reference to an entity nothing declared (RSS 0.91's DTD would) is an error, not lost."""
    fixture = fixture_bytes(path)
    # Without a DOCTYPE expat itself calls it ill-formed; with one it asks pypins.
    message = "feed refused: UndeclaredEntity" if b"<!DOCTYPE" in fixture else "undefined entity"
    with pytest.raises(InvalidResponseError, match=message):
        parse(spliced(fixture, None, reference))


@pytest.mark.parametrize(("path", "parse"), SHAPES)
def test_fixtures_parse_unspliced(
    fixture_bytes: Callable[[str], bytes], path: str, parse: Parse
) -> None:
    """The splicing alone (no DOCTYPE, no reference) leaves a feed that parses."""
    assert parse(spliced(fixture_bytes(path), "", ""))


def local_dtd_feed(system_id: str, reference: str = "") -> bytes:
    """A one-item feed whose DOCTYPE names ``system_id``."""
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Evil//DTD//EN" "{system_id}">\n'
        '<rss version="0.91"><channel><item><title>pkg 1.0</title><link>u</link>'
        f"<description>d{reference}</description>"
        "<pubDate>09 Aug 2014 06:57:42 GMT</pubDate></item></channel></rss>"
    ).encode()


@pytest.fixture
def dtd_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A local ``rss.dtd``, also reachable relative to the working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path / "rss.dtd"


def system_ids(dtd: Path) -> list[str]:
    """Ways a SYSTEM id can name ``dtd``."""
    return [dtd.as_uri(), str(dtd), dtd.name]


def test_a_local_dtd_is_never_read(dtd_path: Path) -> None:
    """A DOCTYPE naming a local file that is no DTD parses: the file is never read."""
    dtd_path.write_text("<<< not a DTD: reading this would be a syntax error\n")
    for system_id in system_ids(dtd_path):
        (entry,) = parse_latest_updates(local_dtd_feed(system_id))
        assert (entry.name, entry.description) == ("pkg", "d")


def test_entities_of_a_local_dtd_stay_undeclared(dtd_path: Path) -> None:
    """An entity declared only in the DOCTYPE's local DTD is refused as undeclared."""
    dtd_path.write_text('<!ENTITY leak "LEAKED">\n')
    for system_id in system_ids(dtd_path):
        with pytest.raises(InvalidResponseError, match="feed refused: UndeclaredEntity"):
            parse_latest_updates(local_dtd_feed(system_id, "&leak;"))


@pytest.mark.parametrize(
    "system_id",
    ["http://www.rssboard.org/rss-0.91.dtd", "https://pypi.org/rss.dtd", "ftp://example.org/x"],
)
def test_a_remote_dtd_is_never_fetched(system_id: str) -> None:
    """A remote DTD is not fetched (pytest-socket refuses any such connection)."""
    (entry,) = parse_latest_updates(local_dtd_feed(system_id))
    assert entry.name == "pkg"
