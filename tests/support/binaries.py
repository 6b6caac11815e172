"""Finding the real programs some tests drive (redis-server, varnishd, chromium...).

A missing program is a clear skip on a developer's machine and a failure in CI
(``CI=true``), where ``scripts/system-deps.sh`` must have installed it.
"""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    """Whether we run under CI, where nothing may be skipped for a missing program."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_binary(name: str, *candidates: str) -> str:
    """The path of program ``name`` (or of the first existing candidate path).

    Skips the calling test when it is missing, or fails it under CI.
    """
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (run scripts/system-deps.sh as root)"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
