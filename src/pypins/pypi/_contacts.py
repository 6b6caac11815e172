"""People in core metadata: ``Author``/``Author-email`` and their maintainer twins.

Modern metadata (PEP 621 ``authors = [{name, email}]``) writes both into the email field
as ``"Name <address>"``, comma-separated, and leaves the name field empty; yarg-style
callers expect the name in ``name`` and the bare address in ``email``.
"""

from __future__ import annotations

from email.utils import getaddresses

#: Longer email fields are kept as they are: parsing them buys nothing a reader needs.
MAX_CONTACT_LENGTH = 2_000


def split_contact(name: str | None, email: str | None) -> tuple[str | None, str | None]:
    """``(name, email)`` with ``"Name <address>"`` entries of ``email`` split apart.

    ``(None, "Kenneth Reitz <me@kennethreitz.org>")`` gives ``("Kenneth Reitz",
    "me@kennethreitz.org")``; several entries give their names and addresses joined by
    ``", "``. A name already given is kept. An email field that is not a list of
    addresses (or is over ``MAX_CONTACT_LENGTH``) is returned unchanged.
    """
    if not email or "<" not in email or len(email) > MAX_CONTACT_LENGTH:
        return name, email
    pairs = getaddresses([email])
    if not pairs or any("@" not in address for _, address in pairs):
        return name, email
    names = ", ".join(person for person, _ in pairs if person)
    return name or names or None, ", ".join(address for _, address in pairs)
