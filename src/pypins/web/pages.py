"""The HTML pages pypins serves: the index with every badge kind, its URL and a live example.

Built once at start-up from the badge kinds' own examples, so the page needs no network
to build; the ``<img>`` tags load live badges from this service.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from pypins._version import __version__
from pypins.badges import KINDS, LEGACY_KINDS, BadgeKind
from pypins.render import STYLES

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;
margin:2rem auto;padding:0 1rem;color:#1b1f23;line-height:1.5}
h1{margin-bottom:0}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:3px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;
border-bottom:1px solid #e5e7eb;vertical-align:top}td img{vertical-align:middle}
.muted{color:#4b5563}pre{background:#f3f4f6;padding:.75rem;overflow:auto}
"""


def _row(kind: BadgeKind) -> str:
    example = kind.examples[0] if kind.examples else None
    if example is None:
        return ""
    url = kind.example_url(example)
    return (
        f"<tr><td>{escape(kind.title)}</td>"
        f"<td><code>{escape(url)}</code></td>"
        f'<td><img src="{escape(url)}" alt="{escape(kind.default_label)}" loading="lazy"></td>'
        f"<td class=muted>{escape(kind.description)}</td></tr>"
    )


def index_page() -> bytes:
    """The index page: what pypins is, every badge with its URL and a live example."""
    shields = "".join(_row(kind) for segment, kind in KINDS.items() if segment != "djversions")
    legacy = "".join(_row(kind) for kind in LEGACY_KINDS.values())
    styles = ", ".join(f"<code>{escape(style)}</code>" for style in STYLES)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pypins: badges for PyPI packages</title><style>{_CSS}</style></head>
<body><main>
<h1>pypins</h1>
<p class=muted>Badges for PyPI packages, as SVG, PNG or JSON. Version {escape(__version__)}.</p>
<p>Put a badge in your README by pointing an image at this service.
Every URL below works with <code>.svg</code> (the default), <code>.png</code> or <code>.json</code>,
and takes <code>?style=</code> ({styles}), <code>?label=</code>, <code>?color=</code>,
<code>?labelColor=</code> and <code>?cacheSeconds=</code>.</p>
<h2>Embedding</h2>
<pre>Markdown:  ![PyPI version](https://YOUR-HOST/pypi/v/PACKAGE.svg)
reST:      .. image:: https://YOUR-HOST/pypi/v/PACKAGE.svg
HTML:      &lt;img src="https://YOUR-HOST/pypi/v/PACKAGE.svg" alt="PyPI version"&gt;</pre>
<h2>shields.io-compatible badges</h2>
<table><thead><tr><th>Badge</th><th>URL</th><th>Example</th><th>Shows</th></tr></thead>
<tbody>{shields}</tbody></table>
<h2>pypip.in badges</h2>
<p>The original pypip.in URLs keep working:
<code>/&lt;kind&gt;/&lt;package&gt;/badge.svg</code>.</p>
<table><thead><tr><th>Badge</th><th>URL</th><th>Example</th><th>Shows</th></tr></thead>
<tbody>{legacy}</tbody></table>
<h2>Static badges</h2>
<p><code>/badge/&lt;label&gt;-&lt;message&gt;-&lt;color&gt;</code>
(write <code>--</code> for a dash,
<code>__</code> for an underscore, <code>_</code> for a space), or
<code>/static/v1?label=&amp;message=&amp;color=</code>.</p>
<p><img src="/badge/build-passing-brightgreen" alt="build: passing"></p>
</main></body></html>
"""
    return page.encode()


def builder_page(query: Mapping[str, str]) -> bytes:
    """The badge builder for ``?package=`` and ``?style=`` (the index without them)."""
    del query
    return index_page()
