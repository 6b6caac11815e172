"""The HTML pages pypins serves at ``/``: the badge builder and the badge reference.

``index_page`` is the builder's empty form and the reference (every badge kind, its URL
pattern, parameters and live examples taken from the kinds' own examples), built once at
start-up. ``builder_page`` answers the form: every badge kind for one package in the
chosen style, as live images of this service, each with its Markdown, reStructuredText,
HTML and AsciiDoc snippet. Both are pure functions of their arguments: no network, every
value from the request HTML-escaped. The pages are complete without JavaScript; a small
script (``builder.js``) fills in the page's own address when no public URL is set,
re-points badges and snippets when the style changes and adds copy buttons. A
Content-Security-Policy ``<meta>`` lets only that script and the stylesheet (by hash)
and same-origin images run on the page.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib.resources import files
from typing import Final

from pypins._version import __version__
from pypins.badges import FRAMEWORKS, KINDS, LEGACY_KINDS, BadgeExample, BadgeKind
from pypins.errors import InvalidNameError
from pypins.pypi import MAX_NAME_LENGTH, validate_name
from pypins.render import STYLES
from pypins.routes import BADGE_FORMS, QUERY_PARAMS

__all__ = [
    "DEFAULT_STYLE",
    "FAVICON",
    "FORMATS",
    "NAV",
    "PLACEHOLDER_BASE",
    "BuilderBadge",
    "asset",
    "badge_url",
    "builder_badges",
    "builder_key",
    "builder_page",
    "content_security_policy",
    "index_page",
    "site_footer",
    "site_header",
    "snippet",
    "source_hash",
]

#: The base URL in snippets when no public URL is configured and JavaScript is off.
PLACEHOLDER_BASE: Final = "https://YOUR-PYPINS-HOST"
#: The snippet formats, by key, with their display names.
FORMATS: Final = {
    "markdown": "Markdown",
    "rst": "reStructuredText",
    "html": "HTML",
    "asciidoc": "AsciiDoc",
}
#: The style badges have when ``?style=`` is absent.
DEFAULT_STYLE: Final = "flat"
#: The site's navigation, (address, text), on every page: ``/`` and ``/stats`` alike.
NAV: Final = (
    ("/#builder", "Builder"),
    ("/#reference", "Reference"),
    ("/stats", "Stats"),
    ("/openapi.json", "API"),
)
#: Kinds left out of the builder and the reference: redirect aliases of other kinds.
_ALIASES: Final = frozenset({"djversions"})
_DOUBLE_BACKTICKS: Final = re.compile(r"``(.+?)``")
_INDEX_TITLE: Final = "pypins: badges for PyPI packages"
#: A badge-like icon, inline: no request, and no file to ship.
FAVICON: Final = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
    "%3Crect width='16' height='16' rx='3' fill='%230a7a3e'/%3E"
    "%3Cpath d='M3 0h5v16H3a3 3 0 0 1-3-3V3a3 3 0 0 1 3-3z' fill='%23555'/%3E%3C/svg%3E"
)


@dataclass(frozen=True, slots=True)
class BuilderBadge:
    """One badge of the builder: its kind and where the service serves it for a package."""

    #: The badge kind.
    kind: BadgeKind
    #: An id unique on the page, e.g. ``pypi-v`` or ``legacy-d``.
    anchor: str
    #: The URL path with the ``.svg`` extension and no query, e.g. ``/pypi/v/requests.svg``.
    path: str
    #: Other paths serving the same badge (pypip.in's aliases), e.g. ``/download/...``.
    aliases: tuple[str, ...] = ()
    #: Path parameters taken from the kind's first example, e.g. ``(("framework", "django"),)``.
    path_args: tuple[tuple[str, str], ...] = ()


# -- the badges of a package ------------------------------------------------------------


def _shields_kinds() -> list[BadgeKind]:
    """The ``/pypi/...`` kinds, without redirect aliases."""
    return [kind for segment, kind in KINDS.items() if segment not in _ALIASES]


def _legacy_groups() -> list[list[BadgeKind]]:
    """pypip.in's kinds, the segments serving the same badge grouped (``d``, ``download``)."""
    groups: dict[str, list[BadgeKind]] = {}
    for kind in LEGACY_KINDS.values():
        groups.setdefault(kind.title, []).append(kind)
    return list(groups.values())


def _path_args(kind: BadgeKind) -> dict[str, str]:
    """The path parameters of a kind's first example (``framework``: ``django``)."""
    if not kind.path_params or not kind.examples:
        return {}
    params = dict(kind.examples[0].params)
    return {name: params[name] for name in kind.path_params if name in params}


def builder_badges(package: str) -> list[BuilderBadge]:
    """Every badge kind for ``package``: the shields.io-style ones, then pypip.in's."""
    badges = []
    for kind in _shields_kinds():
        args = _path_args(kind)
        path = kind.path(package, None, args) + ".svg"
        badges.append(BuilderBadge(kind, f"pypi-{kind.segment}", path, (), tuple(args.items())))
    for group in _legacy_groups():
        first, *others = group
        aliases = tuple(other.path(package) + ".svg" for other in others)
        badges.append(
            BuilderBadge(first, f"legacy-{first.segment}", first.path(package) + ".svg", aliases)
        )
    return badges


def badge_url(path: str, style: str) -> str:
    """The URL of the badge at ``path`` in ``style`` (the default style adds no query)."""
    return path if style == DEFAULT_STYLE else f"{path}?style={style}"


# -- snippets ---------------------------------------------------------------------------


def _markdown_text(text: str) -> str:
    return re.sub(r"([\\\[\]])", r"\\\1", text)


def _asciidoc_text(text: str) -> str:
    text = text.replace("]", "\\]")
    if any(character in text for character in ',="'):
        return '"' + text.replace('"', '\\"') + '"'
    return text


def snippet(fmt: str, url: str, alt: str) -> str:
    """The text embedding the image at ``url`` (described by ``alt``) in a document.

    ``fmt`` is a key of ``FORMATS``: ``markdown``, ``rst``, ``html`` or ``asciidoc``.
    """
    if fmt == "markdown":
        return f"![{_markdown_text(alt)}]({url})"
    if fmt == "rst":
        return f".. image:: {url}\n   :alt: {alt}"
    if fmt == "html":
        return f'<img src="{escape(url)}" alt="{escape(alt)}">'
    if fmt == "asciidoc":
        return f"image:{url}[{_asciidoc_text(alt)}]"
    raise ValueError(f"unknown snippet format {fmt!r}; expected one of: {', '.join(FORMATS)}")


# -- static assets ----------------------------------------------------------------------


@cache
def asset(name: str) -> str:
    """A file shipped next to this module (the stylesheet, the script), read once."""
    return (files(__package__) / name).read_text(encoding="utf-8")


def source_hash(text: str) -> str:
    """The CSP source (``'sha256-...'``) allowing exactly ``text`` inline."""
    digest = hashlib.sha256(text.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@cache
def content_security_policy() -> str:
    """The pages' Content-Security-Policy: their own script, style and images only.

    The pages carry it in a ``<meta>``; a server may send it as a header as well, with
    ``frame-ancestors 'none'`` added (which a ``<meta>`` cannot set).
    """
    return (
        "default-src 'none'; "
        f"script-src {source_hash(asset('builder.js'))}; "
        f"style-src {source_hash(asset('builder.css'))}; "
        "img-src 'self' data:; form-action 'self'; base-uri 'none'"
    )


# -- HTML pieces ------------------------------------------------------------------------


def _prose(text: str) -> str:
    """A kind's description as HTML: escaped, with ````literal```` as ``<code>``."""
    return _DOUBLE_BACKTICKS.sub(r"<code>\1</code>", escape(text))


def _code_list(values: Iterable[str]) -> str:
    return ", ".join(f"<code>{escape(value)}</code>" for value in values)


def _pattern(kind: BadgeKind) -> str:
    """A kind's URL pattern, e.g. ``/pypi/v/<package>[/<version>].svg``."""
    if kind.legacy:
        return f"/{kind.segment}/<package>/badge.svg"
    parts = ["", "pypi", kind.segment, *(f"<{name}>" for name in kind.path_params), "<package>"]
    version = "[/<version>]" if kind.accepts_version else ""
    return "/".join(parts) + version + ".svg"


def _options(kind: BadgeKind) -> list[str]:
    """The example queries of a kind's own parameters, e.g. ``?period=day``."""
    queries: list[str] = []
    for example in kind.examples:
        url = kind.example_url(example)
        if "?" in url:
            query = "?" + url.split("?", 1)[1]
            if query not in queries:
                queries.append(query)
    return queries


def _notes(badge: BuilderBadge) -> list[str]:
    """What a builder card says beyond the description, as HTML."""
    kind = badge.kind
    notes = []
    for name, value in badge.path_args:
        note = f"Shows the <code>{escape(value)}</code> {escape(name)} (part of the URL)"
        if name == "framework":
            others = [key for key in FRAMEWORKS if key != value]
            note += f"; other frameworks: {_code_list(others)}"
        notes.append(note + ".")
    if kind.params:
        notes.append(f"Parameters: {_code_list(_options(kind) or kind.params)}.")
    if badge.aliases:
        notes.append(f"Also served at {_code_list(badge.aliases)}.")
    return notes


def _card(badge: BuilderBadge, package: str, style: str, base: str) -> str:
    """A builder card: the live badge and its snippets with copy buttons."""
    kind = badge.kind
    url = badge_url(badge.path, style)
    absolute = base + url
    title = escape(kind.title)
    rows = []
    for fmt, name in FORMATS.items():
        text = snippet(fmt, absolute, kind.title)
        lines = text.count("\n") + 1
        field = f"snippet-{badge.anchor}-{fmt}"
        what = escape(f"{name} snippet of {kind.title}")
        rows.append(
            f'<label for="{field}">{escape(name)}</label>'
            f'<textarea id="{field}" class="snippet" rows="{lines}" '
            f'readonly spellcheck="false" autocomplete="off" '
            f'data-format="{fmt}" data-url="{escape(absolute)}">{escape(text)}</textarea>'
            f'<button type="button" class="copy" data-copy="{field}" data-what="{what}" '
            f'hidden><span class="copy-label">Copy</span>'
            f'<span class="visually-hidden"> the {what}</span></button>'
        )
    notes = "".join(f"<li>{note}</li>" for note in _notes(badge))
    return (
        f'<article class="card" id="badge-{badge.anchor}" data-path="{escape(badge.path)}" '
        f'aria-labelledby="badge-{badge.anchor}-title">'
        f'<div class="card-head"><h4 id="badge-{badge.anchor}-title">{title}</h4>'
        f'<img src="{escape(url)}" alt="{title} badge of {escape(package)}"></div>'
        f'<p class="card-desc">{_prose(kind.description)} '
        f'<a href="/#kind-{badge.anchor}">Details<span class="visually-hidden"> about '
        f"{title}</span></a></p>"
        + (f'<ul class="card-notes">{notes}</ul>' if notes else "")
        + f'<div class="snippets">{"".join(rows)}</div></article>'
    )


def _results(package: str, style: str, public_url: str) -> str:
    """The builder's answer for a valid package name: every badge with its snippets."""
    base = public_url or PLACEHOLDER_BASE
    if public_url:
        note = f"The snippets use this service's public address, <code>{escape(base)}</code>."
    else:
        note = (
            f"The snippets use <code>{escape(PLACEHOLDER_BASE)}</code>: replace it with the "
            "address of this pypins service."
        )
    badges = builder_badges(package)
    shields = "".join(_card(b, package, style, base) for b in badges if not b.kind.legacy)
    legacy = "".join(_card(b, package, style, base) for b in badges if b.kind.legacy)
    shown = escape(package)
    pinned = KINDS["v"].path(package, "1.0") + ".svg"
    return f"""<section id="badges" aria-labelledby="badges-title" \
data-base="{escape(public_url)}">
<h2 id="badges-title">Badges for {shown}</h2>
<p id="base-note" class="base-note">{note}</p>
<h3>shields.io-style badges</h3>
<p class="group-intro">The same URLs as shields.io's PyPI badges. Add a version after the
package name to show one release, as in <code>{escape(pinned)}</code>.</p>
<div class="cards">{shields}</div>
<h3>pypip.in-style badges</h3>
<p class="group-intro">The original pypip.in URLs, for READMEs that still use them.</p>
<div class="cards">{legacy}</div>
</section>"""


def _form(package: str, style: str, error: str) -> str:
    """The builder's form; ``error`` (HTML) describes an invalid package name."""
    options = "".join(
        f'<option value="{value}"{" selected" if value == style else ""}>{value}</option>'
        for value in STYLES
    )
    invalid = ' aria-invalid="true"' if error else ""
    described = "package-hint package-error" if error else "package-hint"
    message = (
        f'<div id="package-error" class="message error" role="alert">{error}</div>' if error else ""
    )
    return f"""<form class="builder" method="get" action="/" aria-label="Badge builder">
<div class="field field-package"><label for="package">Package name</label>
<p id="package-hint" class="hint">The project's name on PyPI, such as <code>requests</code>.</p>
<input id="package" name="package" type="text" value="{escape(package)}" required \
maxlength="{MAX_NAME_LENGTH}" autocomplete="off" autocapitalize="none" spellcheck="false" \
aria-describedby="{described}"{invalid}></div>
<div class="field"><label for="style">Style</label>
<select id="style" name="style">{options}</select></div>
<button type="submit" class="primary">Show badges</button>
</form>{message}"""


def _example_item(kind: BadgeKind, example: BadgeExample) -> str:
    url = kind.example_url(example)
    note = f' <span class="muted">{escape(example.note)}</span>' if example.note else ""
    return (
        f'<li><img src="{escape(url)}" alt="{escape(kind.title)} badge of '
        f'{escape(example.package)}" loading="lazy"> <code>{escape(url)}</code>{note}</li>'
    )


def _kind_entry(kind: BadgeKind, anchor: str, aliases: Iterable[BadgeKind] = ()) -> str:
    """One kind in the reference: URL pattern, description, parameters and examples."""
    extra = []
    for name in kind.path_params:
        if name == "framework":
            extra.append(
                f"<p><code>&lt;framework&gt;</code> is one of {_code_list(FRAMEWORKS)}.</p>"
            )
    if kind.params:
        extra.append(f"<p>Parameters: {_code_list(kind.params)}.</p>")
    also = [_pattern(alias) for alias in aliases]
    if also:
        extra.append(f"<p>Also at {_code_list(also)}.</p>")
    examples = "".join(_example_item(kind, example) for example in kind.examples)
    return (
        f'<li class="kind" id="kind-{anchor}"><h4>{escape(kind.title)}</h4>'
        f'<p class="pattern"><code>{escape(_pattern(kind))}</code></p>'
        f"<p>{_prose(kind.description)}</p>{''.join(extra)}"
        f'<ul class="examples" aria-label="Examples of {escape(kind.title)}">{examples}</ul></li>'
    )


def _url_forms() -> str:
    """One table row per badge URL form of the route table."""
    return "".join(
        f"<tr><td>{escape(form.name)}</td><td><code>{escape(form.pattern)}</code></td>"
        f"<td>{escape(form.description)}</td></tr>"
        for form in BADGE_FORMS
    )


_INLINE_CODE: Final = re.compile(r"`([^`]+)`")
_INLINE_LINK: Final = re.compile(r"\[([^\]]+)\]\((https://[^)\s]+)\)")


def _inline_markdown(text: str) -> str:
    """Markdown of inline code and links (as ``routes.QUERY_PARAMS`` writes) as HTML."""
    html = _INLINE_CODE.sub(r"<code>\1</code>", escape(text, quote=False))
    return _INLINE_LINK.sub(r'<a href="\2">\1</a>', html)


def _parameter_table() -> str:
    """The query parameters every badge takes (``routes.QUERY_PARAMS``), as a table."""
    rows = []
    for param in QUERY_PARAMS:
        names = _code_list((param.name, *param.aliases))
        effect = param.effect[0].upper() + param.effect[1:]
        rows.append(
            f"<tr><td>{names}</td><td>{_inline_markdown(param.values)}</td>"
            f"<td>{_inline_markdown(effect)}.</td></tr>"
        )
    return (
        '<table><caption class="visually-hidden">Parameters every badge takes</caption>\n'
        '<thead><tr><th scope="col">Parameter</th><th scope="col">Values</th>'
        f'<th scope="col">Effect</th></tr></thead><tbody>\n{"".join(rows)}</tbody></table>'
    )


@cache
def _reference() -> str:
    """The reference section, the same on every page."""
    shields = "".join(_kind_entry(kind, f"pypi-{kind.segment}") for kind in _shields_kinds())
    legacy = "".join(
        _kind_entry(first, f"legacy-{first.segment}", others) for first, *others in _legacy_groups()
    )
    return f"""<section id="reference" aria-labelledby="reference-title">
<h2 id="reference-title">Badge reference</h2>
<p>Point an image at this service. Every badge URL works with <code>.svg</code> (the default),
<code>.png</code> or <code>.json</code> (shields.io's endpoint format), and takes these
parameters:</p>
{_parameter_table()}
<table><caption>Badge URL forms</caption>
<thead><tr><th scope="col">Form</th><th scope="col">URL</th><th scope="col">For</th></tr></thead>
<tbody>{_url_forms()}</tbody></table>
<h3>shields.io-style badges</h3>
<ul class="kinds">{shields}</ul>
<h3>pypip.in-style badges</h3>
<p>The original pypip.in URLs keep working.</p>
<ul class="kinds">{legacy}</ul>
<h3>Static badges</h3>
<p><code>/badge/&lt;label&gt;-&lt;message&gt;-&lt;color&gt;</code> (write <code>--</code> for a
dash, <code>__</code> for an underscore, <code>_</code> for a space), or
<code>/static/v1?label=&amp;message=&amp;color=</code>.</p>
<p><img src="/badge/build-passing-brightgreen" alt="Static badge: build passing"></p>
</section>"""


def site_header(current: str = "") -> str:
    """The skip link and the site's header with its navigation (:data:`NAV`); the link
    to ``current`` (an address of ``NAV``) is marked as the page shown."""
    marked = ' aria-current="page"'
    links = "".join(
        f'<li><a href="{href}"{marked if href == current else ""}>{text}</a></li>'
        for href, text in NAV
    )
    return f"""<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><div class="wrap">
<a class="brand" href="/"><span class="brand-mark" aria-hidden="true"></span>pypins</a>
<nav class="site-nav" aria-label="Sections"><ul>{links}</ul></nav></div></header>"""


def site_footer() -> str:
    """The site's footer: the version and the API description."""
    return f"""<footer class="site-footer"><div class="wrap">pypins {escape(__version__)} ·
<a href="/openapi.json">OpenAPI description</a></div></footer>"""


def _document(title: str, body: str) -> bytes:
    """A whole page around ``body`` (what ``<main>`` holds after the introduction)."""
    policy = escape(content_security_policy(), quote=False)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<link rel="icon" href="{FAVICON}">
<style>{asset("builder.css")}</style></head>
<body>
{site_header()}
<main id="main" class="wrap" tabindex="-1">
<h1>Badges for PyPI packages</h1>
<p class="lead">Version, Python versions, licence, downloads and more for any project on
PyPI, as SVG, PNG or JSON. A drop-in host for shields.io's and pypip.in's badge URLs.</p>
{body}
</main>
{site_footer()}
<div id="announcer" class="visually-hidden" role="status" aria-live="polite"></div>
<script>{asset("builder.js")}</script>
</body></html>
""".encode()


def _builder_section(form: str) -> str:
    return f"""<section id="builder" aria-labelledby="builder-title">
<h2 id="builder-title">Build your badges</h2>
<p>Type a package name to see all of its badges, with the snippets to paste into a README.</p>
{form}</section>"""


def index_page() -> bytes:
    """The page at ``/``: the builder's empty form, then every badge with live examples."""
    form = _form("", DEFAULT_STYLE, "")
    return _document(_INDEX_TITLE, _builder_section(form) + _reference())


def _builder_query(query: Mapping[str, str]) -> tuple[str | None, str, str | None]:
    """What the builder reads of a query: the package name as typed, stripped (None
    without ``package``), the style shown, and the style asked for if it is unknown."""
    style = query.get("style") or DEFAULT_STYLE
    unknown = None
    if style not in STYLES:
        unknown, style = style, DEFAULT_STYLE
    package = query.get("package")
    return (None if package is None else package.strip()), style, unknown


def builder_key(query: Mapping[str, str]) -> tuple[str | None, str] | None:
    """What :func:`builder_page` answers to ``query`` depends on, as a cache key: the
    package name as typed (None without one) and the style, whatever else the query
    holds. None when the page quotes the query back (an invalid name, an unknown
    style): such a page is not worth keeping."""
    package, style, unknown = _builder_query(query)
    if unknown is not None:
        return None
    if package is not None:
        try:
            validate_name(package)
        except InvalidNameError:
            return None
    return package, style


def builder_page(query: Mapping[str, str], *, public_url: str = "", missing: bool = False) -> bytes:
    """The builder's answer to ``?package=`` and ``?style=``: every badge of a package.

    An invalid package name is explained on the page, and no badge is shown; so is a
    valid one that PyPI does not know (``missing``: the caller asked). Without
    ``package`` the page is the index. An unknown style falls back to the default, with
    a note. ``public_url`` is the base URL of the snippets; without it the page's script
    uses the page's own address (and, without JavaScript, a placeholder stands there).
    Other parameters change nothing (:func:`builder_key`).
    """
    package, style, unknown = _builder_query(query)
    notice = ""
    if unknown is not None:
        notice = (
            f'<p class="message warning">Unknown style <code>{escape(unknown)}</code>: showing '
            f"{DEFAULT_STYLE}. The styles are {_code_list(STYLES)}.</p>"
        )
    if package is None:
        form = _form("", style, "")
        return _document(_INDEX_TITLE, _builder_section(form + notice) + _reference())
    try:
        validate_name(package)
    except InvalidNameError as error:
        reason = str(error)
        message = f"<strong>No badges:</strong> {escape(reason[:1].upper() + reason[1:])}."
        form = _form(package, style, message)
        body = _builder_section(form + notice) + _reference()
        return _document("Invalid package name · pypins", body)
    form = _form(package, style, "")
    if missing:
        shown = escape(package)
        absent = (
            '<div id="package-missing" class="message warning" role="status">'
            f"<strong>Not found on PyPI:</strong> no project is named <code>{shown}</code>. "
            "Check the spelling; the badges of a project appear here once it is published.</div>"
        )
        body = _builder_section(form + notice + absent) + _reference()
        return _document(f"{shown} not found · pypins", body)
    results = _results(package, style, public_url.rstrip("/"))
    return _document(
        f"{escape(package)} badges · pypins", _builder_section(form + notice) + results
    )
