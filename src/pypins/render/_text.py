"""Badge texts: cleaning, truncation, XML escaping and measuring, with per-text caches.

Every text goes through ``clean`` before it is measured or written:

* lone surrogates become U+FFFD (a valid surrogate pair becomes its character);
* tabs, newlines and carriage returns become spaces; other C0 and C1 control
  characters and the non-characters U+FFFE and U+FFFF are dropped (XML 1.0 forbids
  most of them);
* surrounding white space is stripped (as shields.io does);
* a text longer than ``MAX_TEXT_LENGTH`` characters is cut and ends with an ellipsis.

The escaped text then contains no ``& < > " '`` and can go into an element or an
attribute. Results are cached per text (never per badge) in small bounded dicts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from pypins.render._widths import UNITS_PER_EM, text_units

#: Longest text, in characters, written into a badge; longer ones end with "…".
MAX_TEXT_LENGTH: Final = 256

_ELLIPSIS: Final = "\u2026"
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_LINE_BREAKS: Final = re.compile("[\t\n\r]")
_FORBIDDEN: Final = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")

#: Entries per cache before it is emptied; keys longer than ``_CACHEABLE`` are not kept.
_CACHE_SIZE: Final = 4096
_CACHEABLE: Final = 2 * MAX_TEXT_LENGTH

#: One prepared text: its escaped form and its width in pixels.
Prepared = tuple[str, float]

_caches: list[dict[str, Prepared]] = []


def clean(text: str) -> str:
    """``text`` without what cannot or should not be drawn, cut to ``MAX_TEXT_LENGTH``."""
    if not text.isprintable():
        if _SURROGATE.search(text):
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        text = _FORBIDDEN.sub("", _LINE_BREAKS.sub(" ", text))
    text = text.strip()
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
    """``text`` with its first character in upper case (shields.io's social label)."""
    return text[:1].upper() + text[1:]


def _measurer(
    size: int,
    *,
    bold: bool = False,
    transform: Callable[[str], str] | None = None,
    letter_spacing: float = 0.0,
) -> Callable[[str], Prepared]:
    """A cached ``raw text -> (escaped text, width in px)`` function for one text style.

    Without letter spacing the width is rounded as shields.io rounds it: truncated to
    whole pixels, then up to the next odd number (for pixel-grid alignment of centred
    text). With letter spacing (for-the-badge) it is the truncated width plus the
    spacing of every character.
    """
    weight = "bold" if bold else "regular"
    scale = size / UNITS_PER_EM
    cache: dict[str, Prepared] = {}
    _caches.append(cache)

    def prepare(raw: str) -> Prepared:
        hit = cache.get(raw)
        if hit is not None:
            return hit
        text = clean(raw)
        if transform is not None:
            text = clean(transform(text))
        if not text:
            result: Prepared = ("", 0)
        elif letter_spacing:
            width = int(text_units(text, weight) * scale) + letter_spacing * len(text)
            result = (escape(text), width)
        else:
            width = int(text_units(text, weight) * scale)
            result = (escape(text), width if width % 2 else width + 1)
        if len(raw) <= _CACHEABLE:
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[raw] = result
        return result

    return prepare


#: 11 px Verdana-like text of flat, flat-square and plastic badges.
regular_11 = _measurer(11)
#: 11 px bold text of social badges, label capitalised.
social_label = _measurer(11, bold=True, transform=_capitalize)
#: 11 px bold text of social badges.
social_message = _measurer(11, bold=True)
#: 10 px upper-case, letter-spaced label of for-the-badge badges.
upper_label = _measurer(10, transform=str.upper, letter_spacing=1.25)
#: 10 px bold upper-case, letter-spaced message of for-the-badge badges.
upper_message = _measurer(10, bold=True, transform=str.upper, letter_spacing=1.25)


def accessible(raw: str) -> str:
    """The cleaned, escaped text used in ``<title>`` and ``aria-label``."""
    return regular_11(raw)[0]


def clear_caches() -> None:
    """Forget every cached text (for benchmarks and tests)."""
    for cache in _caches:
        cache.clear()
