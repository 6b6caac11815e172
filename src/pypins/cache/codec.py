"""Cache entries as bytes, for a store shared by processes and hosts.

```python
data = encode_entry(entry)                # compact JSON
entry = decode_entry(data, PackageFacts)  # None for anything else
```

The envelope carries a pypins marker, its own format version, the facts schema version
and the record kind, then the entry's lifetimes (wall-clock seconds), validators and
value (``to_dict()``; ``null`` for a negative entry). ``decode_entry`` trusts nothing:
foreign, corrupt, truncated, another version or another kind all decode to ``None``,
which a cache treats as a miss.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final, TypeVar

from pypins.badges.facts import (
    FACTS_SCHEMA_VERSION,
    AttestationFacts,
    DownloadFacts,
    IndexFacts,
    PackageFacts,
)
from pypins.cache.records import Entry
from pypins.client import Validators

__all__ = ["CODEC_VERSION", "decode_entry", "encode_entry", "record_key"]

#: Version of the envelope below; bumped when its layout changes.
CODEC_VERSION: Final = 1

Facts = TypeVar("Facts", PackageFacts, DownloadFacts, IndexFacts, AttestationFacts)
AnyFacts = PackageFacts | DownloadFacts | IndexFacts | AttestationFacts

_MARKER: Final = "pypins"
_KINDS: Final[dict[type[Any], str]] = {
    PackageFacts: "package",
    DownloadFacts: "downloads",
    IndexFacts: "index",
    AttestationFacts: "attestations",
}
_ENCODER: Final = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False
)
_FIELDS: Final = frozenset(
    {_MARKER, "schema", "kind", "at", "fresh", "stale", "etag", "modified", "serial", "value"}
)
_DECODE_ERRORS: Final = (ValueError, TypeError, RecursionError)


def _kind_name(kind: type[Any]) -> str:
    try:
        return _KINDS[kind]
    except KeyError:
        raise TypeError(f"not a facts record type: {kind!r}") from None


def record_key(kind: type[AnyFacts], key: str) -> str:
    """A store key for ``key``'s record of ``kind``, e.g. ``package:s1:numpy``.

    The facts schema version is part of the key, so that during a rolling upgrade old
    and new workers keep apart instead of overwriting each other's records.
    """
    return f"{_kind_name(kind)}:s{FACTS_SCHEMA_VERSION}:{key}"


def encode_entry(entry: Entry[Facts], kind: type[Facts] | None = None) -> bytes:
    """The entry as compact UTF-8 JSON.

    ``kind`` is taken from the value; pass it for a negative entry (no value), which is
    otherwise written kind-less and then decodes as a negative entry of any kind.
    """
    value = entry.value
    value_kind: str | None
    if value is not None:
        value_kind = _kind_name(type(value))
        if kind is not None and _kind_name(kind) != value_kind:
            raise TypeError(f"a {value_kind} record is not of kind {kind.__name__}")
    else:
        value_kind = None if kind is None else _kind_name(kind)
    validators = entry.validators
    document = {
        _MARKER: CODEC_VERSION,
        "schema": FACTS_SCHEMA_VERSION,
        "kind": value_kind,
        "at": entry.fetched_at,
        "fresh": entry.fresh_until,
        "stale": entry.stale_until,
        "etag": validators.etag,
        "modified": validators.last_modified,
        "serial": validators.last_serial,
        "value": None if value is None else value.to_dict(),
    }
    return _ENCODER.encode(document).encode()


def decode_entry(data: object, kind: type[Facts]) -> Entry[Facts] | None:
    """The entry ``encode_entry`` wrote, or ``None`` for anything else; never raises.

    ``kind`` must be one of the facts records (a ``TypeError`` otherwise: that is a
    programming error, not bad data).
    """
    expected = _kind_name(kind)
    if not isinstance(data, bytes | bytearray | memoryview):
        return None
    try:
        document = json.loads(bytes(data))
    except _DECODE_ERRORS:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    if (
        not isinstance(document, dict)
        or not document.keys() >= _FIELDS
        or not _is(document.get(_MARKER), CODEC_VERSION)
        or not _is(document.get("schema"), FACTS_SCHEMA_VERSION)
    ):
        return None
    fetched_at = _moment(document["at"])
    fresh_until = _moment(document["fresh"])
    stale_until = _moment(document["stale"])
    if fetched_at is None or fresh_until is None or stale_until is None:
        return None
    if stale_until < fresh_until:
        return None
    etag = document["etag"]
    modified = document["modified"]
    serial = document["serial"]
    if not (etag is None or isinstance(etag, str)):
        return None
    if not (modified is None or isinstance(modified, str)):
        return None
    if not (serial is None or (isinstance(serial, int) and not isinstance(serial, bool))):
        return None
    raw_value = document["value"]
    value: Facts | None = None
    if raw_value is None:
        if document["kind"] not in (None, expected):
            return None
    else:
        if document["kind"] != expected:
            return None
        try:
            value = kind.from_dict(raw_value)
        except _DECODE_ERRORS:  # InvalidFactsError is a ValueError
            return None
    return Entry(value, fetched_at, fresh_until, stale_until, Validators(etag, modified, serial))


def _is(value: object, number: int) -> bool:
    """Whether ``value`` is the int ``number`` (``true`` is not ``1`` here)."""
    return type(value) is int and value == number


def _moment(value: object) -> float | None:
    """A finite number of seconds, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        moment = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return moment if math.isfinite(moment) else None
