"""The shared-store codec: round trips, and a miss for anything it did not write."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pypins.badges.facts import (
    FACTS_SCHEMA_VERSION,
    DownloadFacts,
    PackageFacts,
    facts_from_json,
)
from pypins.cache.codec import CODEC_VERSION, decode_entry, encode_entry, record_key
from pypins.cache.records import Entry
from pypins.client import Validators

AT = 1_700_000_000.25
VALIDATORS = Validators(etag='"abc"', last_modified="Wed, 01 Jan 2025 00:00:00 GMT", last_serial=7)
DOWNLOADS = DownloadFacts(day=1, week=7, month=30)


@pytest.fixture(scope="module")
def numpy_facts() -> PackageFacts:
    """numpy's facts, from the recorded document."""
    from tests.support.upstream import FIXTURES

    return facts_from_json(json.loads((FIXTURES / "pypi/numpy.json").read_bytes()))


@pytest.fixture
def numpy_entry(numpy_facts: PackageFacts) -> Entry[PackageFacts]:
    """A positive entry of numpy's facts with validators."""
    return Entry(numpy_facts, AT, AT + 600, AT + 600 + 21600, VALIDATORS)


def envelope(entry: Entry[Any], **changes: Any) -> bytes:
    """``entry`` encoded, with envelope fields changed (``...`` removes one)."""
    document = json.loads(encode_entry(entry))
    for name, value in changes.items():
        if value is ...:
            del document[name]
        else:
            document[name] = value
    return json.dumps(document).encode()


def test_package_entry_round_trips(numpy_entry: Entry[PackageFacts]) -> None:
    """A package entry decodes equal to itself, validators and lifetimes included."""
    assert decode_entry(encode_entry(numpy_entry), PackageFacts) == numpy_entry


@pytest.mark.parametrize(
    "validators", [Validators(), VALIDATORS, Validators(etag='W/"é"', last_serial=0)]
)
def test_download_entry_round_trips(validators: Validators) -> None:
    """A downloads entry decodes equal to itself, whatever its validators."""
    entry = Entry(DOWNLOADS, AT, AT + 1, AT + 2, validators)
    assert decode_entry(encode_entry(entry), DownloadFacts) == entry


def test_encoding_is_compact_json(numpy_entry: Entry[PackageFacts]) -> None:
    """The bytes are UTF-8 JSON without spaces, marked as pypins's."""
    data = encode_entry(numpy_entry)
    document = json.loads(data)
    assert data == json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    assert document["pypins"] == CODEC_VERSION
    assert document["schema"] == FACTS_SCHEMA_VERSION
    assert document["kind"] == "package"


@pytest.mark.parametrize("kind", [PackageFacts, DownloadFacts])
def test_negative_entry_with_kind_decodes_only_as_that_kind(
    kind: type[Any],
) -> None:
    """A negative entry written with its kind is a miss for the other kind."""
    other = DownloadFacts if kind is PackageFacts else PackageFacts
    entry: Entry[Any] = Entry(None, AT, AT + 60, AT + 60)
    data = encode_entry(entry, kind)
    assert decode_entry(data, kind) == entry
    assert decode_entry(data, other) is None


@pytest.mark.parametrize("kind", [PackageFacts, DownloadFacts])
def test_negative_entry_without_kind_decodes_as_any_kind(
    kind: type[Any],
) -> None:
    """A kind-less negative entry decodes as a negative entry of either kind."""
    entry: Entry[Any] = Entry(None, AT, AT + 60, AT + 60)
    decoded = decode_entry(encode_entry(entry), kind)
    assert decoded == entry
    assert decoded is not None
    assert not decoded.found


def test_positive_entry_is_a_miss_for_the_other_kind(numpy_entry: Entry[PackageFacts]) -> None:
    """Package bytes read as downloads are a miss, and the other way round."""
    assert decode_entry(encode_entry(numpy_entry), DownloadFacts) is None
    downloads = Entry(DOWNLOADS, AT, AT + 1, AT + 2)
    assert decode_entry(encode_entry(downloads), PackageFacts) is None


def test_encoding_refuses_a_kind_that_contradicts_the_value() -> None:
    """Passing a kind other than the value's is a programming error."""
    with pytest.raises(TypeError, match="not of kind"):
        encode_entry(Entry(DOWNLOADS, AT, AT, AT), PackageFacts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call",
    [
        lambda: encode_entry(Entry(object(), AT, AT, AT)),  # type: ignore[arg-type]
        lambda: decode_entry(b"{}", dict),  # type: ignore[type-var]
        lambda: record_key(str, "numpy"),  # type: ignore[arg-type]
    ],
)
def test_unknown_record_types_are_refused(call: Callable[[], object]) -> None:
    """Only the two facts records can be encoded, decoded or keyed."""
    with pytest.raises(TypeError, match="not a facts record type"):
        call()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00garbage",
        b"[]",
        b"null",
        b'"pypins"',
        b"[" * 100_000,
        b'{"pypins":1}',
        b'{"pypins":1,"schema":1,"kind":"downloads","at":1,"fresh":2,"stale":3}',
        b'{"pypins":1,"schema":1,"kind":"downloads","at":1e999,"fresh":2,"stale":3,"value":null}',
        b'{"pypins":1,"schema":1,"kind":null,"at":1' + b"0" * 400 + b',"fresh":2,"stale":3}',
        b"\x80\x04\x95 pickle-ish",
        memoryview(b"{}"),
        "a str, not bytes",
        None,
    ],
)
def test_foreign_and_corrupt_data_is_a_miss(data: Any) -> None:
    """Anything that is not an envelope decodes to None without raising."""
    assert decode_entry(data, DownloadFacts) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"pypins": ...},
        {"pypins": True},
        {"pypins": CODEC_VERSION + 1},
        {"pypins": "1"},
        {"schema": FACTS_SCHEMA_VERSION + 1},
        {"schema": True},
        {"schema": ...},
        {"kind": "package"},
        {"kind": ...},
        {"at": "now"},
        {"at": True},
        {"at": 10**400},
        {"fresh": float("inf")},
        {"stale": float("nan")},
        {"fresh": None},
        {"stale": AT},  # stale before fresh
        {"etag": 1},
        {"modified": ["x"]},
        {"serial": "7"},
        {"serial": True},
        {"value": {"day": 1}},
        {"value": {"schema": 1, "type": "downloads", "day": -1, "week": 0, "month": 0}},
        {"value": [1, 2, 3]},
        {"value": ...},
        {"etag": ...},
    ],
)
def test_altered_envelopes_are_a_miss(changes: dict[str, Any]) -> None:
    """A well-formed JSON envelope with any field wrong decodes to None."""
    entry = Entry(DOWNLOADS, AT, AT + 1, AT + 2, VALIDATORS)
    assert decode_entry(envelope(entry), DownloadFacts) == entry
    assert decode_entry(envelope(entry, **changes), DownloadFacts) is None


def test_truncated_encodings_are_a_miss(numpy_entry: Entry[PackageFacts]) -> None:
    """Every proper prefix of a valid encoding is a miss."""
    data = encode_entry(numpy_entry)
    step = max(1, len(data) // 200)
    for end in range(0, len(data), step):
        assert decode_entry(data[:end], PackageFacts) is None


@given(st.binary(max_size=512))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    """Random bytes decode to None (or, by sheer luck, an entry) without raising."""
    assert decode_entry(data, PackageFacts) is None


@given(
    st.dictionaries(
        st.sampled_from(["at", "fresh", "stale", "etag", "serial", "value"]),
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    )
)
def test_arbitrary_envelope_fields_never_raise(fields: dict[str, Any]) -> None:
    """An envelope with fuzzed fields decodes without raising."""
    document = {"pypins": CODEC_VERSION, "schema": FACTS_SCHEMA_VERSION, "kind": "downloads"}
    document.update(fields)
    result = decode_entry(json.dumps(document).encode(), DownloadFacts)
    assert result is None or result.value is None


def test_record_key_names_kind_and_schema() -> None:
    """Keys differ by kind and carry the facts schema version."""
    assert record_key(PackageFacts, "numpy") == f"package:s{FACTS_SCHEMA_VERSION}:numpy"
    assert record_key(DownloadFacts, "numpy") == f"downloads:s{FACTS_SCHEMA_VERSION}:numpy"
