"""``/pypi/attestations``."""

from __future__ import annotations

import pytest

from pypins.badges import AttestationFacts, Badge
from pypins.badges.kinds import attestations
from tests.badges.kinds.common import render


@pytest.mark.parametrize(
    ("publisher", "message", "color"),
    [
        ("github psf/requests", "github psf/requests", "green"),
        ("gitlab group/project", "gitlab group/project", "green"),
        (None, "none", "lightgrey"),
    ],
)
def test_attestations(publisher: str | None, message: str, color: str) -> None:
    """The attesting Trusted Publisher in green, or ``none`` in lightgrey."""
    facts = AttestationFacts(publisher=publisher)
    assert render(attestations.KIND, facts) == Badge("attestations", message, color)
