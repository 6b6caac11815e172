import pytest

from pypins.pypi._contacts import MAX_CONTACT_LENGTH, split_contact


@pytest.mark.parametrize(
    ("name", "email", "expected"),
    [
        # requests, httpx, black: PEP 621 authors with a name
        (None, "Kenneth Reitz <me@kennethreitz.org>", ("Kenneth Reitz", "me@kennethreitz.org")),
        (None, "Łukasz Langa <lukasz@langa.pl>", ("Łukasz Langa", "lukasz@langa.pl")),
        # pillow: quotes inside a name
        (
            None,
            "Jeffrey 'Alex' Clark <aclark@aclark.net>",
            ("Jeffrey 'Alex' Clark", "aclark@aclark.net"),
        ),
        # typing-extensions: a quoted name with commas
        (
            None,
            '"Guido van Rossum, Jukka Lehtosalo" <levkivskyi@gmail.com>',
            ("Guido van Rossum, Jukka Lehtosalo", "levkivskyi@gmail.com"),
        ),
        # requests' maintainers: several people
        (
            None,
            "Ian Stapleton Cordasco <graffatcolmingov@gmail.com>, "
            "Nate Prewitt <nate.prewitt@gmail.com>",
            (
                "Ian Stapleton Cordasco, Nate Prewitt",
                "graffatcolmingov@gmail.com, nate.prewitt@gmail.com",
            ),
        ),
        # six, yarg: classic fields are left alone
        ("Benjamin Peterson", "benjamin@python.org", ("Benjamin Peterson", "benjamin@python.org")),
        (None, "a@example.com, b@example.com", (None, "a@example.com, b@example.com")),
        # a name already given wins over the one in the email field
        ("The Team", "Someone <someone@example.com>", ("The Team", "someone@example.com")),
        # an address without a name
        (None, "<someone@example.com>", (None, "someone@example.com")),
        # not a list of addresses: unchanged
        (None, "junk <<>>", (None, "junk <<>>")),
        (None, "see <the website>", (None, "see <the website>")),
        ("", "", ("", "")),
        (None, None, (None, None)),
    ],
)
def test_split_contact(
    name: str | None, email: str | None, expected: tuple[str | None, str | None]
) -> None:
    assert split_contact(name, email) == expected


def test_a_long_email_field_is_kept_as_it_is() -> None:
    email = "A <a@example.com>, " * (MAX_CONTACT_LENGTH // 10)
    assert split_contact(None, email) == (None, email)
