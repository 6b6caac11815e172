"""Checking package names and versions before they go into a URL, and PEP 503 names."""

from __future__ import annotations

import re

from packaging.utils import canonicalize_name

from pypins.errors import InvalidNameError

#: Longest name accepted. PyPI has no documented limit; longer names are surely mistakes.
MAX_NAME_LENGTH = 200

#: Longest version accepted in a URL.
MAX_VERSION_LENGTH = 128

# PEP 508's name grammar, ASCII only (re.IGNORECASE alone would let "K" (U+212A) match).
_NAME = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE | re.ASCII)

# PEP 440 versions and the legacy ones PyPI still serves: no "/", no leading dot.
_VERSION = re.compile(r"[A-Z0-9](?:[A-Z0-9._+!-]*[A-Z0-9])?", re.IGNORECASE | re.ASCII)


def _shown(value: str) -> str:
    """``value`` for an error message, cut when long."""
    return repr(value if len(value) <= 60 else value[:57] + "...")


def validate_name(name: object) -> str:
    """Return ``name`` unchanged if it can be a PyPI project name, else raise InvalidNameError."""
    if not isinstance(name, str):
        raise InvalidNameError(f"a package name must be a string, not {type(name).__name__}")
    if not name:
        raise InvalidNameError("a package name cannot be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidNameError(
            f"invalid package name {_shown(name)}: longer than {MAX_NAME_LENGTH} characters"
        )
    if not _NAME.fullmatch(name):
        raise InvalidNameError(
            f"invalid package name {_shown(name)}: use letters, digits, '.', '_' and '-', "
            "starting and ending with a letter or digit"
        )
    return name


def normalize_name(name: object) -> str:
    """The PEP 503 normalised form of a valid ``name`` (``Django`` -> ``django``)."""
    return str(canonicalize_name(validate_name(name)))


def validate_version(version: object) -> str:
    """Return ``version`` unchanged if it can be a release id in a URL, else raise."""
    if not isinstance(version, str):
        raise InvalidNameError(f"a version must be a string, not {type(version).__name__}")
    if not version:
        raise InvalidNameError("a version cannot be empty")
    if len(version) > MAX_VERSION_LENGTH:
        raise InvalidNameError(
            f"invalid version {_shown(version)}: longer than {MAX_VERSION_LENGTH} characters"
        )
    if not _VERSION.fullmatch(version):
        raise InvalidNameError(
            f"invalid version {_shown(version)}: use letters, digits, '.', '_', '-', '+' and '!'"
        )
    return version
