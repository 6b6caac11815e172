"""Package names and versions are checked before any URL is built."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pypins.errors import InvalidNameError
from pypins.pypi import normalize_name, validate_name, validate_version

VALID_NAMES = [
    "a",
    "Z",
    "0",
    "requests",
    "Django",
    "typing_extensions",
    "zope.interface",
    "a-b_c.d",
    "x" * 200,
]
INVALID_NAMES = [
    "",
    " ",
    "requests ",
    " requests",
    "re quests",
    "/",
    "..",
    ".",
    "-a",
    "a-",
    "_a",
    "a/b",
    "../etc/passwd",
    "a\nb",
    "requests\n",
    "name?x=1",
    "name#frag",
    "na%2Fme",
    "x" * 201,
    "caf\u00e9",
    "\u212a",  # KELVIN SIGN, which re.IGNORECASE alone would take for "k"
    "\u017fix",  # LATIN SMALL LETTER LONG S
    "\uff41",  # FULLWIDTH a
]


@pytest.mark.parametrize("name", VALID_NAMES)
def test_valid_names_pass_unchanged(name: str) -> None:
    """A name PEP 508 allows is returned as given."""
    assert validate_name(name) == name


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_invalid_names_are_refused(name: str) -> None:
    """A name that cannot be a PyPI name raises InvalidNameError."""
    with pytest.raises(InvalidNameError):
        validate_name(name)


@pytest.mark.parametrize("value", [None, 3, b"requests", ["requests"]])
def test_non_strings_are_refused(value: object) -> None:
    """Only strings can be names or versions."""
    with pytest.raises(InvalidNameError, match="must be a string"):
        validate_name(value)
    with pytest.raises(InvalidNameError, match="must be a string"):
        validate_version(value)


def test_invalid_name_error_is_a_value_error() -> None:
    """Callers catching ValueError still catch bad names."""
    with pytest.raises(ValueError, match="cannot be empty"):
        validate_name("")


def test_long_names_are_cut_in_messages() -> None:
    """An overlong name does not flood the error message."""
    with pytest.raises(InvalidNameError) as caught:
        validate_name("x" * 5000)
    assert len(str(caught.value)) < 150


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("Django", "django"),
        ("typing_extensions", "typing-extensions"),
        ("zope.interface", "zope-interface"),
        ("Foo__Bar--baz..QUX", "foo-bar-baz-qux"),
        ("six", "six"),
    ],
)
def test_normalize_name_follows_pep_503(name: str, normalized: str) -> None:
    """Runs of ``-_.`` become one ``-`` and letters are lowered."""
    assert normalize_name(name) == normalized


def test_normalize_name_validates_first() -> None:
    """Normalising an invalid name raises instead of producing a URL part."""
    with pytest.raises(InvalidNameError):
        normalize_name("../x")


@pytest.mark.parametrize(
    "version",
    ["1", "1.0", "2.32.3", "0.66b2", "1.0.post1", "1!2.0", "1.0+local.7", "2004d", "1.0-r1"],
)
def test_valid_versions_pass_unchanged(version: str) -> None:
    """PEP 440 and legacy versions are accepted as given."""
    assert validate_version(version) == version


@pytest.mark.parametrize(
    "version",
    ["", "..", ".", "1/2", "1.0 ", " 1.0", "1.0\n", "v1..", "1.0?x", "1" * 129, "1.\u0662"],
)
def test_invalid_versions_are_refused(version: str) -> None:
    """A version with path or odd characters raises InvalidNameError."""
    with pytest.raises(InvalidNameError):
        validate_version(version)


@given(st.text(max_size=60))
def test_validated_names_are_url_safe(text: str) -> None:
    """Whatever passes validation is a plain ASCII URL path segment."""
    try:
        name = validate_name(text)
    except InvalidNameError:
        return
    assert name.isascii()
    assert "/" not in name
    assert name.strip() == name
    assert name not in {".", ".."}
