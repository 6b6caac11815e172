"""Static badges: shields' path escaping and the ``/static/v1`` query form."""

from __future__ import annotations

import pytest

from pypins.badges import Badge, escape_format, parse_static_path, static_from_query
from pypins.errors import InvalidParameterError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # shields' path-helpers.spec.js, escapeFormat
        ("_single leading underscore", " single leading underscore"),
        ("single trailing underscore_", "single trailing underscore "),
        ("__double leading underscores", "_double leading underscores"),
        ("double trailing underscores__", "double trailing underscores_"),
        ("treble___underscores", "treble_ underscores"),
        ("fourfold____underscores", "fourfold__underscores"),
        ("double--dashes", "double-dashes"),
        ("treble---dashes", "treble--dashes"),
        ("fourfold----dashes", "fourfold--dashes"),
        ("once_in_a_blue--moon", "once in a blue-moon"),
    ],
)
def test_escape_format_matches_shields(text: str, expected: str) -> None:
    """``_`` is a space, ``__`` an underscore, ``--`` a dash."""
    assert escape_format(text) == expected


@pytest.mark.parametrize(
    ("tail", "badge", "extension"),
    [
        # shields' static-badge.tester.js
        ("label-message-blue.json", Badge("label", "message", "blue"), "json"),
        ("label-message-whitesmoke.json", Badge("label", "message", "whitesmoke"), "json"),
        (
            "label-message-rgb(123,123,123).json",
            Badge("label", "message", "rgb(123,123,123)"),
            "json",
        ),
        ("all%20one%20color-red.json", Badge("", "all one color", "red"), "json"),
        ("label-message-notacolor.json", Badge("label", "message", "notacolor"), "json"),
        ("label--blue.json", Badge("label", "", "blue"), "json"),
        ("-message-blue.json", Badge("", "message", "blue"), "json"),
        ("LiCeNsE-mIt-blue.json", Badge("LiCeNsE", "mIt", "blue"), "json"),
        (
            "best--license-Apache--2.0-blue.json",
            Badge("best-license", "Apache-2.0", "blue"),
            "json",
        ),
        # more of shields' rules
        ("python-3.9%20%7C%203.10-blue.svg", Badge("python", "3.9 | 3.10", "blue"), "svg"),
        ("code_style-black-000000", Badge("code style", "black", "000000"), None),
        ("a%2Db-c-red.png", Badge("a-b", "c", "red"), "png"),
        ("snake%5Fcase-ok-green", Badge("snake case", "ok", "green"), None),
        ("just-red", Badge("", "just", "red"), None),
    ],
)
def test_static_paths(tail: str, badge: Badge, extension: str | None) -> None:
    """Label, message and colour are split, then decoded and unescaped."""
    assert parse_static_path(tail) == (badge, extension)


@pytest.mark.parametrize("tail", ["", "onlyonepart", "label-message-blue.gif", "a-b-."])
def test_static_paths_that_are_not_badges(tail: str) -> None:
    """A tail without a colour part is an invalid ``path``."""
    with pytest.raises(InvalidParameterError) as raised:
        parse_static_path(tail)
    assert raised.value.parameter == "path"


@pytest.mark.parametrize(
    ("params", "badge"),
    [
        # shields' query-string-static.tester.js
        ({"label": "", "message": "message", "color": "blue"}, Badge("", "message", "blue")),
        ({"label": "LiCeNsE", "message": "mIt", "color": "blue"}, Badge("LiCeNsE", "mIt", "blue")),
        (
            {"label": "label", "message": "message", "color": "yellow"},
            Badge("label", "message", "yellow"),
        ),
        ({"message": "message"}, Badge("", "message", "lightgrey")),
    ],
)
def test_static_query(params: dict[str, str], badge: Badge) -> None:
    """``/static/v1`` takes label, message and colour from the query."""
    assert static_from_query(params) == badge


@pytest.mark.parametrize("params", [{}, {"label": "label", "message": "", "color": "blue"}])
def test_static_query_needs_a_message(params: dict[str, str]) -> None:
    """An empty or missing message is shields' ``invalid query parameter: message``."""
    with pytest.raises(InvalidParameterError) as raised:
        static_from_query(params)
    assert raised.value.parameter == "message"
