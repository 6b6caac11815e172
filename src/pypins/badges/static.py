"""Static badges: shields' ``/badge/<label>-<message>-<color>`` path and ``/static/v1`` query.

In the path, ``--`` is a dash, ``__`` an underscore and a single ``_`` a space; the
two-part ``<message>-<color>`` form has an empty label. Parts are split on the raw
(still percent-encoded) path first and percent-decoded after, as shields' router does,
so ``%2D`` is a dash inside a part. Colours are returned as given: the renderer
resolves names, hex and CSS colours (and falls back for invalid ones).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote

from pypins.badges.core import Badge, Params
from pypins.errors import InvalidParameterError

__all__ = ["escape_format", "parse_static_path", "static_from_query"]

_STATIC_PATH: Final = re.compile(
    r"((?:[^-]|--)*?)-?((?:[^-]|--)*)-((?:[^-.]|--)+)(?:\.(svg|png|json))?", re.DOTALL
)
_SINGLE_UNDERSCORE: Final = re.compile(r"(^|[^_])((?:__)*)_(?!_)")
#: The colour of a static badge that names none.
DEFAULT_STATIC_COLOR: Final = "lightgrey"


def escape_format(text: str) -> str:
    """shields' ``escapeFormat``: ``_`` is a space, ``__`` an underscore, ``--`` a dash."""
    text = _SINGLE_UNDERSCORE.sub(r"\1\2 ", text)
    return text.replace("__", "_").replace("--", "-")


def parse_static_path(tail: str) -> tuple[Badge, str | None]:
    """The badge of a ``/badge/<tail>`` path and its extension (``svg``/``png``/``json``).

    ``tail`` is what follows ``/badge/``, not yet percent-decoded, with or without the
    extension. A tail that does not have the form raises ``InvalidParameterError("path")``.
    """
    match = _STATIC_PATH.fullmatch(tail)
    if match is None:
        raise InvalidParameterError("path", "expected <label>-<message>-<color>")
    label, message, color, extension = match.groups()
    badge = Badge(escape_format(unquote(label)), escape_format(unquote(message)), unquote(color))
    return badge, extension


def static_from_query(params: Params) -> Badge:
    """The badge of ``/static/v1?label=&message=&color=``; ``message`` must not be empty."""
    message = params.get("message", "")
    if not message:
        raise InvalidParameterError("message", "a message is required")
    color = params.get("color") or DEFAULT_STATIC_COLOR
    return Badge(params.get("label", ""), message, color)
