"""Derive the RSS fixtures under ``tests/fixtures/rss/`` from the recorded JSON documents.

Run by hand, offline, when ``tests/fixtures/pypi/`` changes; never from tests or CI::

    .venv/bin/python scripts/derive_feeds.py           # write the feeds
    .venv/bin/python scripts/derive_feeds.py --check   # exit 1 if a written feed differs

The data: what PyPI's database would hold for the projects recorded in
``tests/fixtures/pypi/<name>.json``. A release per key of ``releases`` that has files,
created when its first file was uploaded (the earliest ``upload_time_iso_8601``); a
project created when its first release was; the project's ``info.name``; and, for every
release of a project, the document's ``info.summary`` and ``info.author_email`` (a
project document describes the latest release only). Releases without files are left
out, having no time to be sorted by, and so is the hand-made ``pypins-egg-only.json``;
so are the documents recorded for the index page's examples alone (``EXAMPLES_ONLY``),
which would add nothing to the feeds' shapes.

The feeds, each the data as one of the three shapes PyPI has served would render it:

* ``updates.xml``, ``packages.xml``, ``project-requests-releases.xml`` (the releases
  feed of ``requests``): warehouse today (``warehouse/templates/rss/*.xml`` and
  ``warehouse/rss/views.py``): RSS 2.0 from Jinja with ``lstrip_blocks`` and
  ``trim_blocks``, so whitespace falls where those leave it; autoescaped; summaries
  through ``remove_invalid_xml_unicode``; authors as ``_format_author`` keeps them; the
  newest 100 releases, 40 projects, 40 releases of the project.
* ``doctype/updates.xml``, ``doctype/packages.xml``: warehouse from 2018 to May 2020 (as
  of commit e8a1388c9, the last before warehouse#7010): ``<rss version="0.91">`` after a
  DOCTYPE naming rssboard.org's RSS 0.91 DTD, Jinja without ``lstrip_blocks`` and
  ``trim_blocks``, summaries as they are. It served 40 items; the updates feed here keeps
  the newest 24 to stay small.
* ``pypi-legacy/updates.xml``, ``pypi-legacy/packages.xml``: legacy PyPI
  (``templates/rss.xml``, ``templates/packages-rss.xml``, rendered by
  zope.pagetemplate): ``<rss version="0.91">`` after a DOCTYPE naming Netscape's DTD,
  whitespace as in yarg's recorded copies (``tests/newest.xml``, ``tests/updated.xml``),
  links ``http://pypi.python.org/pypi/<name>/<version>``, dates without the weekday, no
  authors. Also 40 items then; the updates feed keeps the newest 24 here.

Rendering is written out here (no template engine): each shape's layout is in
``render_current``, ``render_doctype`` and ``render_legacy``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate, getaddresses
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "tests" / "fixtures" / "pypi"
FEEDS = ROOT / "tests" / "fixtures" / "rss"

#: Recorded documents that are not PyPI's (see tests/fixtures/pypi/README.md).
HAND_MADE = {"pypins-egg-only.json"}
#: Documents recorded only so that the badge kinds' examples name real projects.
EXAMPLES_ONLY = {"digipathai.json", "pygetpapers.json", "types-requests.json"}

#: The project whose releases feed is written.
PROJECT = "requests"

#: Items warehouse's views select today (updates, packages, project releases).
CURRENT_LIMITS = (100, 40, 40)

#: Items kept in the older shapes' updates feeds (they served 40) and packages feeds.
OLD_UPDATES_LIMIT = 24
OLD_PACKAGES_LIMIT = 40

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
RSSBOARD_DOCTYPE = (
    '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
    '"http://www.rssboard.org/rss-0.91.dtd">\n'
)
NETSCAPE_DOCTYPE = (
    '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
    '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
)

# Characters pyramid's route_url leaves unquoted in a path segment.
_SEGMENT_SAFE = "~!$&'()*+,;=:@"


@dataclass(frozen=True)
class Project:
    """A project as warehouse's ``projects`` row (and its latest release's metadata)."""

    name: str
    summary: str | None
    author_email: str | None
    created: datetime

    @property
    def normalized_name(self) -> str:
        """``normalize_pep426_name``, warehouse's SQL function (PEP 503)."""
        return re.sub(r"[-_.]+", "-", self.name).lower()


@dataclass(frozen=True)
class Release:
    """A release as warehouse's ``releases`` row."""

    project: Project
    version: str
    created: datetime


@dataclass(frozen=True)
class Item:
    """One item of a feed, unescaped: what every shape renders in its own way."""

    title: str
    link: str
    #: The ``<guid>`` of the packages feeds (the project's link), None elsewhere.
    guid: str | None
    #: None where the database has NULL (warehouse's Jinja then writes "None").
    description: str | None
    author: str | None
    created: datetime


def load(directory: Path = DOCUMENTS) -> tuple[list[Project], list[Release]]:
    """Projects and releases of the recorded documents, newest first."""
    projects: list[Project] = []
    releases: list[Release] = []
    for path in sorted(directory.glob("*.json")):
        if path.name.startswith("_") or path.name in HAND_MADE | EXAMPLES_ONLY:
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        info = document["info"]
        dated = sorted(
            (min(_uploaded(file) for file in files), version)
            for version, files in (document.get("releases") or {}).items()
            if files
        )
        if not dated:
            continue
        project = Project(info["name"], info["summary"], info["author_email"], dated[0][0])
        projects.append(project)
        releases.extend(Release(project, version, created) for created, version in dated)
    projects.sort(key=lambda p: (p.created, p.normalized_name), reverse=True)
    releases.sort(key=lambda r: (r.created, r.project.normalized_name, r.version), reverse=True)
    return projects, releases


def _uploaded(file: dict[str, str]) -> datetime:
    return datetime.fromisoformat(file["upload_time_iso_8601"].replace("Z", "+00:00"))


def format_author(author_email: str | None) -> str | None:
    """The ``<author>`` warehouse writes: every address, or None if one has no ``@``."""
    addresses = [address for _, address in getaddresses([author_email or ""])]
    if any("@" not in address for address in addresses):
        return None
    return ", ".join(addresses)


def remove_invalid_xml_unicode(text: str | None) -> str | None:
    """warehouse's filter: drop characters below U+0020 (newlines and tabs too)."""
    return "".join(c for c in text if ord(c) >= 32) if text else text


def jinja_escape(text: str) -> str:
    """What Jinja's autoescape (markupsafe) makes of ``text``."""
    return (
        text.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def tal_escape(text: str) -> str:
    """What zope.tal's ``tal:content`` makes of ``text`` (quotes stay)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rfc822(moment: datetime) -> str:
    """warehouse's ``format_rfc822_datetime``: ``Sat, 21 Nov 2026 13:52:18 GMT``."""
    return formatdate(moment.timestamp(), usegmt=True)


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def legacy_date(moment: datetime) -> str:
    """pypi-legacy's ``strftime('%d %b %Y %H:%M:%S GMT')`` (C locale), without the weekday."""
    return f"{moment:%d} {_MONTHS[moment.month - 1]} {moment:%Y %H:%M:%S} GMT"


def warehouse_url(*segments: str) -> str:
    """``request.route_url`` of ``/project/<segments>/`` on pypi.org."""
    return "https://pypi.org/project/" + "".join(
        f"{quote(segment, safe=_SEGMENT_SAFE)}/" for segment in segments
    )


def legacy_url(name: str, version: str | None = None) -> str:
    """pypi-legacy's ``'http://pypi.python.org%s' % store.package_url(...)``."""
    url = f"http://pypi.python.org/pypi/{quote(name, safe='/')}"
    return url if version is None else f"{url}/{quote(version, safe='/')}"


def release_items(releases: list[Release], *, titled: bool = True) -> list[Item]:
    """Items of a releases feed; titles ``<name> <version>``, or the bare version."""
    return [
        Item(
            title=f"{r.project.name} {r.version}" if titled else r.version,
            link=warehouse_url(r.project.normalized_name, r.version),
            guid=None,
            description=r.project.summary,
            author=format_author(r.project.author_email),
            created=r.created,
        )
        for r in releases
    ]


def project_items(projects: list[Project]) -> list[Item]:
    """Items of the newest-packages feed."""
    return [
        Item(
            title=f"{p.name} added to PyPI",
            link=warehouse_url(p.normalized_name),
            guid=warehouse_url(p.normalized_name),
            description=p.summary,
            author=format_author(p.author_email),
            created=p.created,
        )
        for p in projects
    ]


def _jinja_text(value: str | None) -> str:
    # Jinja writes None as "None".
    return jinja_escape(str(value))


def render_current(title: str, description: str, link: str, items: list[Item]) -> str:
    """warehouse today: ``lstrip_blocks``/``trim_blocks`` join lines where blocks were."""
    out = [
        XML_DECLARATION,
        '<rss version="2.0">\n',
        "  <channel>\n",
        f"    <title>{jinja_escape(title)}</title>\n",
        f"    <link>{jinja_escape(link)}</link>\n",
        f"    <description>{jinja_escape(description)}</description>\n",
        "    <language>en</language>",
    ]
    for item in items:
        out += [
            "    <item>\n",
            f"      <title>{jinja_escape(item.title)}</title>\n",
            f"      <link>{jinja_escape(item.link)}</link>\n",
        ]
        if item.guid is not None:
            out.append(f"      <guid>{jinja_escape(item.guid)}</guid>\n")
        summary = remove_invalid_xml_unicode(item.description)
        out.append(f"      <description>{_jinja_text(summary)}</description>\n")
        if item.author:
            out.append(f"<author>{jinja_escape(item.author)}</author>")
        out += [f"      <pubDate>{rfc822(item.created)}</pubDate>\n", "    </item>"]
    out.append("  </channel>\n</rss>")  # Jinja drops the template's last newline
    return "".join(out)


def render_doctype(title: str, description: str, link: str, items: list[Item]) -> str:
    """warehouse 2018 to May 2020: every template line kept, an empty one for no author."""
    out = [
        XML_DECLARATION,
        RSSBOARD_DOCTYPE,
        '<rss version="0.91">\n',
        "  <channel>\n",
        f"    <title>{jinja_escape(title)}</title>\n",
        f"    <link>{jinja_escape(link)}</link>\n",
        f"    <description>{jinja_escape(description)}</description>\n",
        "    <language>en</language>",
    ]
    for item in items:
        out += [
            "\n    <item>\n",
            f"      <title>{jinja_escape(item.title)}</title>\n",
            f"      <link>{jinja_escape(item.link)}</link>\n",
        ]
        if item.guid is not None:
            out.append(f"      <guid>{jinja_escape(item.guid)}</guid>\n")
        out.append(f"      <description>{_jinja_text(item.description)}</description>\n")
        author = f"<author>{jinja_escape(item.author)}</author>" if item.author else ""
        out += [
            f"      {author}\n",
            f"      <pubDate>{rfc822(item.created)}</pubDate>\n",
            "    </item>",
        ]
    out.append("\n  </channel>\n</rss>")
    return "".join(out)


def render_legacy(title: str, description: str, items: list[Item]) -> str:
    """pypi-legacy, as zope.pagetemplate rendered it (one-space steps, odd ``</item>``)."""
    out = [
        XML_DECLARATION,
        NETSCAPE_DOCTYPE,
        '<rss version="0.91">\n',
        " <channel>\n",
        f"  <title>{tal_escape(title)}</title>\n",
        "  <link>https://pypi.python.org/pypi</link>\n",
        f"  <description>{tal_escape(description)}</description>\n",
        "  <language>en</language>\n",
    ]
    for item in items:
        out += [
            "  <item>\n",
            f"    <title>{tal_escape(item.title)}</title>\n",
            f"    <link>{tal_escape(item.link)}</link>\n",
        ]
        if item.guid is not None:
            out.append(f"    <guid>{tal_escape(item.guid)}</guid>\n")
        # tal:content of None leaves the element empty.
        out += [
            f"    <description>{tal_escape(item.description or '')}</description>\n",
            f"    <pubDate>{legacy_date(item.created)}</pubDate>\n",
            "   </item>\n",
        ]
    out.append("  </channel>\n</rss>\n")
    return "".join(out)


def legacy_release_items(releases: list[Release]) -> list[Item]:
    """Items of pypi-legacy's updates feed: display names in links, no authors."""
    return [
        Item(
            title=f"{r.project.name} {r.version}",
            link=legacy_url(r.project.name, r.version),
            guid=None,
            description=r.project.summary,
            author=None,
            created=r.created,
        )
        for r in releases
    ]


def legacy_project_items(projects: list[Project]) -> list[Item]:
    """Items of pypi-legacy's newest-packages feed."""
    return [
        Item(
            title=f"{p.name} added to PyPI",
            link=legacy_url(p.name),
            guid=legacy_url(p.name),
            description=p.summary,
            author=None,
            created=p.created,
        )
        for p in projects
    ]


UPDATES = ("PyPI recent updates", "Recent updates to the Python Package Index")
PACKAGES = ("PyPI newest packages", "Newest packages registered at the Python Package Index")
LEGACY_UPDATES = ("PyPI Recent Updates", "Recent updates to the Python Package Index")
LEGACY_PACKAGES = ("PyPI Newest Packages", "Newest packages registered at the Python Package Index")


def feeds(projects: list[Project], releases: list[Release]) -> dict[str, str]:
    """Every fixture's path under ``tests/fixtures/rss/`` and its text."""
    updates_limit, packages_limit, project_limit = CURRENT_LIMITS
    home = "https://pypi.org/"
    ours = [r for r in releases if r.project.normalized_name == PROJECT]
    name = ours[0].project.name
    old_releases = releases[:OLD_UPDATES_LIMIT]
    old_projects = projects[:OLD_PACKAGES_LIMIT]
    return {
        "updates.xml": render_current(*UPDATES, home, release_items(releases[:updates_limit])),
        "packages.xml": render_current(*PACKAGES, home, project_items(projects[:packages_limit])),
        f"project-{PROJECT}-releases.xml": render_current(
            f"PyPI recent updates for {name}",
            f"Recent updates to the Python Package Index for {name}",
            warehouse_url(ours[0].project.normalized_name),
            release_items(ours[:project_limit], titled=False),
        ),
        "doctype/updates.xml": render_doctype(*UPDATES, home, release_items(old_releases)),
        "doctype/packages.xml": render_doctype(*PACKAGES, home, project_items(old_projects)),
        "pypi-legacy/updates.xml": render_legacy(
            *LEGACY_UPDATES, legacy_release_items(old_releases)
        ),
        "pypi-legacy/packages.xml": render_legacy(
            *LEGACY_PACKAGES, legacy_project_items(old_projects)
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Write the feeds (or, with ``--check``, compare them with what is written)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    options = parser.parse_args(argv)
    differ = []
    for relative, text in feeds(*load()).items():
        path = FEEDS / relative
        data = text.encode("utf-8")
        if options.check:
            if not path.exists() or path.read_bytes() != data:
                differ.append(relative)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(ROOT)} ({len(data)} bytes)")
    for relative in differ:
        print(f"differs: tests/fixtures/rss/{relative}", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
