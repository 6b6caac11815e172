"""``/pypi/attestations``: the Trusted Publisher that attested the release (pypins), from
the PEP 740 provenance of one of its files in PyPI's Integrity API."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pypins.badges.core import Badge, BadgeKind, Params, attestation_renderer, example
from pypins.badges.facts import AttestationFacts

__all__ = ["KIND", "NOT_ATTESTED", "SAMPLEPROJECT_ATTESTED", "attestations_badge"]

LABEL: Final = "attestations"

#: Provenance facts: a release published from GitHub Actions, and one without.
SAMPLEPROJECT_ATTESTED: Final = AttestationFacts(publisher="github pypa/sampleproject")
NOT_ATTESTED: Final = AttestationFacts(publisher=None)


def attestations_badge(facts: AttestationFacts, params: Params, now: datetime) -> Badge:
    """The Trusted Publisher that attested the release (``github psf/requests``, green);
    ``none`` (lightgrey) without provenance."""
    if facts.publisher is None:
        return Badge(LABEL, "none", "lightgrey")
    return Badge(LABEL, facts.publisher, "green")


KIND: Final = BadgeKind(
    segment="attestations",
    title="PyPI - Attestations",
    default_label=LABEL,
    category="version",
    source="integrity",
    description=(
        "Whether the release's files carry PEP 740 attestations, and from which "
        "Trusted Publisher: ``github psf/requests`` in green, ``none`` in lightgrey. "
        "Read from PyPI's Integrity API for one file of the release (its sdist, else "
        "its first file), only when this badge is asked for (pypins)."
    ),
    renderer=attestation_renderer(attestations_badge),
    examples=(
        example(
            "sampleproject", SAMPLEPROJECT_ATTESTED, LABEL, "github pypa/sampleproject", "green"
        ),
        example("docopt", NOT_ATTESTED, LABEL, "none", "lightgrey"),
    ),
)
