"""The records are immutable, comparable and behave like yarg's objects."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from pypins.pypi import (
    Author,
    Downloads,
    FeedEntry,
    JSONDocument,
    Maintainer,
    Package,
    Release,
    Validators,
    Vulnerability,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _release(release_id: str, minutes: int, package_type: str = "wheel", **kw: object) -> Release:
    return Release(
        release_id=release_id,
        uploaded=T0 + timedelta(minutes=minutes),
        python_version="py3",
        url=f"https://files.example/{release_id}",
        md5_digest=None,
        sha256_digest=None,
        filename=f"demo-{release_id}.{package_type}",
        size=1,
        package_type=package_type,
        **kw,  # type: ignore[arg-type]
    )


def _package(**releases: tuple[Release, ...]) -> Package:
    return Package(name="Demo", normalized_name="demo", latest_release_id="2.0", releases=releases)


def test_records_are_frozen() -> None:
    """Assigning to a record's field fails."""
    package = _package()
    with pytest.raises(dataclasses.FrozenInstanceError):
        package.name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        _release("1.0", 0).size = 2  # type: ignore[misc]


def test_records_compare_and_hash_by_value() -> None:
    """Equal records are equal and hash alike (mappings are left out of the hash)."""
    assert _release("1.0", 0) == _release("1.0", 0)
    assert hash(_release("1.0", 0)) == hash(_release("1.0", 0))
    one = _package(**{"1.0": (_release("1.0", 0),)})
    two = _package(**{"1.0": (_release("1.0", 0),)})
    assert one == two
    assert hash(one) == hash(two)
    assert hash(Vulnerability(id="A")) == hash(Vulnerability(id="A"))


def test_named_tuples_unpack_like_yargs() -> None:
    """Author, Maintainer and Downloads are namedtuples."""
    name, email = Author("Kura", "kura@kura.io")
    assert (name, email) == ("Kura", "kura@kura.io")
    assert Maintainer("a", None).email is None
    assert Downloads(1, 2, 3).week == 2
    assert Downloads(1, 2, 3)._asdict() == {"day": 1, "week": 2, "month": 3}


def test_release_ids_sort_by_earliest_upload() -> None:
    """A release is dated by its earliest file; releases without files are left out."""
    package = _package(
        **{
            "1.10": (_release("1.10", 50), _release("1.10", 5)),
            "1.9": (_release("1.9", 10),),
            "2.0": (_release("2.0", 20, "source"),),
            "0.1": (),
        }
    )
    assert package.release_ids == ["1.10", "1.9", "2.0"]
    assert package.release("0.1") is None
    assert package.has_source
    assert not package.has_wheel


def test_release_returns_a_fresh_list() -> None:
    """Mutating the list release() returns does not change the package."""
    package = _package(**{"2.0": (_release("2.0", 0),)})
    files = package.release("2.0")
    assert files is not None
    files.clear()
    assert package.release("2.0") == [_release("2.0", 0)]
    assert package.latest_release == [_release("2.0", 0)]


def test_partially_yanked_release_is_not_yanked() -> None:
    """A release counts as yanked only when every file is."""
    package = _package(
        **{
            "1.0": (_release("1.0", 0, yanked=True), _release("1.0", 1)),
            "2.0": (_release("2.0", 2, yanked=True, yanked_reason="broken"),),
            "3.0": (),
        }
    )
    assert not package.release_yanked("1.0")
    assert package.release_yanked("2.0")
    assert not package.release_yanked("3.0")
    assert package.yanked_release_ids == ["2.0"]


def test_latest_release_without_files() -> None:
    """A latest version with no files gives an empty list and no formats."""
    package = _package()
    assert package.latest_release == []
    assert (package.has_wheel, package.has_egg, package.has_source) == (False, False, False)


def test_feed_entry_repr() -> None:
    """Feed entries show their name and, when known, their version."""
    entry = FeedEntry(name="yarg", version="0.1", url="u", description=None, date=T0)
    assert repr(entry) == "<FeedEntry yarg 0.1>"
    assert repr(dataclasses.replace(entry, version=None)) == "<FeedEntry yarg>"


def test_json_document_not_modified() -> None:
    """A document without data stands for a 304 answer."""
    validators = Validators(etag='"x"', last_modified=None, last_serial=3)
    assert JSONDocument(url="u", validators=validators).not_modified
    assert not JSONDocument(url="u", validators=validators, data={}, content=b"{}").not_modified
