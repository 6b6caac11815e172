"""Badge texts: cleaning, truncation, XML escaping and measuring, with per-text caches.

Every text goes through ``clean`` before it is measured or written:

* lone surrogates become U+FFFD (a valid surrogate pair becomes its character);
* tabs, newlines and carriage returns become spaces; other C0 and C1 control
  characters and the non-characters U+FFFE and U+FFFF are dropped (XML 1.0 forbids
  most of them);
* surrounding white space is stripped (what JavaScript's ``trim`` strips, as badge-maker);
* a text longer than ``MAX_TEXT_LENGTH`` characters is cut and ends with an ellipsis.

The escaped text then contains no ``& < > " '`` and can go into an element or an
attribute. Results are cached per text (never per badge) in small bounded dicts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from pypins.render._widths import table

#: Longest text, in characters, written into a badge; longer ones end with "…".
MAX_TEXT_LENGTH: Final = 256

_ELLIPSIS: Final = "\u2026"
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_LINE_BREAKS: Final = re.compile("[\t\n\r]")
_FORBIDDEN: Final = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
#: What JavaScript's ``String.prototype.trim`` removes (badge-maker trims every text).
_TRIMMED: Final = (
    "\t\n\x0b\x0c\r \xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000\ufeff")
)

#: Entries per cache before it is emptied; keys longer than ``_CACHEABLE`` are not kept.
_CACHE_SIZE: Final = 4096
_CACHEABLE: Final = 2 * MAX_TEXT_LENGTH

#: One prepared text: its escaped form and its width in pixels.
Prepared = tuple[str, int | float]

_caches: list[dict[str, Prepared]] = []


def clean(text: str) -> str:
    """``text`` without what cannot or should not be drawn, cut to ``MAX_TEXT_LENGTH``."""
    if not text.isprintable():
        if _SURROGATE.search(text):
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        text = _FORBIDDEN.sub("", _LINE_BREAKS.sub(" ", text))
    text = text.strip(_TRIMMED)
    if len(text) > MAX_TEXT_LENGTH:
        text = text[: MAX_TEXT_LENGTH - 1].rstrip() + _ELLIPSIS
    return text


def escape(text: str) -> str:
    """``text`` with ``& < > " '`` replaced by XML entities."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "'" in text:
        text = text.replace("'", "&apos;")
    return text


def _capitalize(text: str) -> str:
    """``text`` with its first UTF-16 unit in upper case (badge-maker's social label)."""
    if text[:1] > "\uffff":  # JavaScript's charAt(0) is half of a surrogate pair here
        return text
    return text[:1].upper() + text[1:]


def utf16_length(text: str) -> int:
    """``text.length`` in JavaScript: UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _measurer(
    font: str,
    *,
    transform: Callable[[str], str] | None = None,
    letter_spacing: float = 0.0,
) -> Callable[[str], Prepared]:
    """A cached ``raw text -> (escaped text, width in px)`` function for one text style.

    Without letter spacing the width is badge-maker's ``preferredWidthOf``: anafanafo's
    width truncated to whole pixels, then raised to the next odd number (for pixel-grid
    alignment of centred text); an empty text measures 1. With letter spacing
    (for-the-badge) it is the truncated width plus the spacing of every UTF-16 unit, and
    an empty text measures 0.
    """
    cache: dict[str, Prepared] = {}
    _caches.append(cache)

    def prepare(raw: str) -> Prepared:
        hit = cache.get(raw)
        if hit is not None:
            return hit
        text = clean(raw)
        if transform is not None:
            text = clean(transform(text))
        widths = table(font)
        result: Prepared
        if letter_spacing:
            if text:
                spacing = letter_spacing * utf16_length(text)
                result = (escape(text), widths.pixels(text) + spacing)
            else:
                result = ("", 0)
        else:
            width = widths.pixels(text)
            result = (escape(text), width if width % 2 else width + 1)
        if len(raw) <= _CACHEABLE:
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[raw] = result
        return result

    return prepare


#: 11 px Verdana text of flat, flat-square and plastic badges.
verdana_11 = _measurer("11px Verdana")
#: 11 px bold Helvetica text of social badges, label capitalised.
social_label = _measurer("bold 11px Helvetica", transform=_capitalize)
#: 11 px bold Helvetica text of social badges.
social_message = _measurer("bold 11px Helvetica")
#: 10 px Verdana upper-case, letter-spaced label of for-the-badge badges.
upper_label = _measurer("10px Verdana", transform=str.upper, letter_spacing=1.25)
#: 10 px bold Verdana upper-case, letter-spaced message of for-the-badge badges.
upper_message = _measurer("bold 10px Verdana", transform=str.upper, letter_spacing=1.25)


def accessible(raw: str) -> str:
    """The cleaned, escaped text, as the flat styles write it in ``<title>``."""
    return verdana_11(raw)[0]


def clear_caches() -> None:
    """Forget every cached text (for benchmarks and tests)."""
    for cache in _caches:
        cache.clear()
