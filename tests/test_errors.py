"""The exception tree: one base, documented members, yarg-like HTTPError."""

from __future__ import annotations

import inspect

import pytest

from pypins import errors
from pypins.errors import (
    HTTPError,
    InvalidNameError,
    InvalidResponseError,
    PypinsError,
    UpstreamUnavailableError,
)

EXCEPTIONS = [
    value
    for _, value in inspect.getmembers(errors, inspect.isclass)
    if issubclass(value, BaseException) and value.__module__ == errors.__name__
]


@pytest.mark.parametrize("exception", EXCEPTIONS, ids=lambda e: e.__name__)
def test_every_exception_descends_from_pypins_error(exception: type[BaseException]) -> None:
    """Catching PypinsError catches everything pypins raises on purpose."""
    assert issubclass(exception, PypinsError)


@pytest.mark.parametrize("exception", EXCEPTIONS, ids=lambda e: e.__name__)
def test_every_exception_is_in_the_documented_tree(exception: type[BaseException]) -> None:
    """The module docstring lists each exception and each has a docstring."""
    assert f"``{exception.__name__}``" in (errors.__doc__ or "")
    assert exception.__doc__


def test_client_exceptions() -> None:
    """The client's four exceptions are distinct PypinsErrors."""
    client_errors = {HTTPError, InvalidNameError, InvalidResponseError, UpstreamUnavailableError}
    assert len(client_errors) == 4
    assert all(issubclass(error, PypinsError) for error in client_errors)
    assert not issubclass(InvalidResponseError, ValueError)


def test_invalid_name_is_a_value_error() -> None:
    """InvalidNameError is also a ValueError."""
    with pytest.raises(ValueError, match="bad"):
        raise InvalidNameError("bad")


@pytest.mark.parametrize(
    ("url", "text"),
    [
        (None, "404 Not Found"),
        ("https://pypi.org/pypi/x/json", "404 Not Found for https://pypi.org/pypi/x/json"),
    ],
)
def test_http_error_carries_status_reason_and_url(url: str | None, text: str) -> None:
    """HTTPError keeps yarg's status_code and reason, plus the URL."""
    error = HTTPError(404, "Not Found", url)
    assert (error.status_code, error.reason, error.url) == (404, "Not Found", url)
    assert str(error) == text


def test_http_error_keyword_arguments() -> None:
    """HTTPError can be built with yarg's keyword names."""
    error = HTTPError(status_code=503, reason="Service Unavailable")
    assert error.status_code == 503
    assert error.url is None


@pytest.mark.parametrize(
    ("detail", "text"),
    [
        (None, "invalid query parameter: color"),
        ("not a colour", "invalid query parameter: color (not a colour)"),
    ],
)
def test_invalid_parameter_error_names_the_parameter(detail: str | None, text: str) -> None:
    """InvalidParameterError keeps the parameter's name and an optional detail."""
    error = errors.InvalidParameterError("color", detail)
    assert (error.parameter, error.detail, str(error)) == ("color", detail, text)
    assert isinstance(error, ValueError)
