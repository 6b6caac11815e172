"""``/pypi/vulnerabilities``: the release's known vulnerabilities (pypins), from the
OSV data in PyPI's JSON API, withdrawn ones excluded."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Params, example, pypi_renderer
from pypins.badges.facts import PackageFacts

__all__ = ["KIND", "vulnerabilities_badge"]

LABEL: Final = "vulnerabilities"


def vulnerabilities_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Count of known, not withdrawn vulnerabilities: ``0`` brightgreen, else red."""
    count = facts.vulnerabilities
    return Badge(LABEL, str(count), "brightgreen" if count == 0 else "red")


KIND: Final = BadgeKind(
    segment="vulnerabilities",
    title="PyPI - Vulnerabilities",
    default_label=LABEL,
    category="version",
    source="pypi",
    description=(
        "Known vulnerabilities of the release (PyPI's OSV data, withdrawn ones "
        "excluded): ``0`` in brightgreen, any other count in red (pypins)."
    ),
    renderer=pypi_renderer(vulnerabilities_badge),
    examples=(
        example("django", samples.DJANGO, LABEL, "0", "brightgreen"),
        example("pycrypto", samples.PYCRYPTO, LABEL, "2", "red"),
    ),
)
