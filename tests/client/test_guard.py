"""The registry guard: the URL policy (pure), the address rules, the guarded resolver and
the URL check, then both end to end through aiohttp.

The resolver and the check are driven with a fake resolver and need no socket; the end to
end tests run a real :class:`AsyncPyPIClient` over :func:`guarded_session` against the
loopback upstream, with a canary listener that must never see a connection.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from aiohttp.abc import ResolveResult
from hypothesis import given, settings
from hypothesis import strategies as st

from pypins.client import AsyncPyPIClient, _guard
from pypins.client._guard import (
    MAX_REDIRECTS,
    MAX_URL_LENGTH,
    NO_REGISTRIES,
    GuardedResolver,
    RegistryGuard,
    RegistryPolicy,
    address_refusal,
    guarded_session,
    parse_registry_url,
    resolve,
)
from pypins.errors import InvalidParameterError, InvalidResponseError, UpstreamUnavailableError
from tests.security.support import Canary
from tests.support.upstream import Upstream

ALLOWED = (
    "https://allowed.example/pypi",
    "http://127.0.0.1:8080/simple/",
    "https://[2001:db8::1]",
    "https://b\u00fccher.example/pypi",
)
POLICY = RegistryPolicy.from_urls(ALLOWED)


# -- the URL policy -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://allowed.example/pypi", "https://allowed.example/pypi"),
        ("https://allowed.example/pypi/", "https://allowed.example/pypi"),
        ("HTTPS://ALLOWED.EXAMPLE/pypi", "https://allowed.example/pypi"),
        ("https://allowed.example:443/pypi", "https://allowed.example/pypi"),
        ("https://allowed.example:0443/pypi", "https://allowed.example/pypi"),
        (
            "https://allowed.example/pypi/private-index",
            "https://allowed.example/pypi/private-index",
        ),
        ("https://allowed.example/pypi/%7Eteam", "https://allowed.example/pypi/~team"),
        ("https://allowed.example/pypi/caf%c3%a9", "https://allowed.example/pypi/caf%C3%A9"),
        ("https://allowed\u3002example/pypi", "https://allowed.example/pypi"),
        ("https://b\u00fccher.example/pypi", "https://xn--bcher-kva.example/pypi"),
        ("https://xn--bcher-kva.example/pypi/x", "https://xn--bcher-kva.example/pypi/x"),
        ("http://127.0.0.1:8080/simple", "http://127.0.0.1:8080/simple"),
        ("http://127.0.0.1:8080/simple/a/b/", "http://127.0.0.1:8080/simple/a/b"),
        ("https://[2001:DB8:0:0:0:0:0:1]/", "https://[2001:db8::1]"),
        ("https://[2001:db8::1]:443/any/path", "https://[2001:db8::1]/any/path"),
    ],
)
def test_allowed_urls_come_back_canonical(url: str, canonical: str) -> None:
    """An allowed URL is returned in its one canonical spelling."""
    assert POLICY.check(url) == canonical
    assert POLICY.check(canonical) == canonical


@pytest.mark.parametrize(
    "url",
    [
        # user info, and hosts that only look like the allowed one
        "http://allowed.example@evil.example/",
        "https://allowed.example@evil.example/pypi",
        "https://allowed.example:443@evil.example/pypi",
        "https://evil.example@allowed.example/pypi",
        "https://allowed.example.evil.example/pypi",
        "https://evil.example/allowed.example/pypi",
        "https://evilallowed.example/pypi",
        "https://allowed.example./pypi",
        "https://\uff41llowed.example/pypi",
        "https://allowed.example\uff0fpypi",
        "https://al\u200blowed.example/pypi",
        # scheme, port and path prefix
        "http://allowed.example/pypi",
        "ftp://allowed.example/pypi",
        "file:///etc/passwd",
        "gopher://allowed.example/_GET",
        "javascript:alert(1)",
        "//allowed.example/pypi",
        "https:allowed.example/pypi",
        "https:/allowed.example/pypi",
        "https:///allowed.example/pypi",
        "https://allowed.example:8443/pypi",
        "https://allowed.example:/pypi",
        "https://allowed.example:+443/pypi",
        "https://allowed.example:-1/pypi",
        "https://allowed.example:65536/pypi",
        "https://allowed.example:443:443/pypi",
        "https://allowed.example/pypix",
        "https://allowed.example/PyPI",
        "https://allowed.example",
        "https://allowed.example/",
        # query, fragment, spaces and control characters
        "https://allowed.example/pypi?",
        "https://allowed.example/pypi?x=1",
        "https://allowed.example/pypi#x",
        "https://allowed.example/pypi\t",
        "https://allowed.example/pypi\n",
        "\nhttps://allowed.example/pypi",
        "https://allowed.example/py\tpi",
        "https://allowed.example/pypi\r\nHost: evil.example",
        " https://allowed.example/pypi",
        "https://allowed.example/pypi ",
        "https://allowed.example/pypi\u00a0",
        "https://allowed.example\u2028/pypi",
        "https://allowed.example/pypi\x00",
        # dot segments, encoded separators, backslashes
        "https://allowed.example/pypi/../admin",
        "https://allowed.example/pypi/./x",
        "https://allowed.example/pypi/...",
        "https://allowed.example/pypi/..;/admin",
        "https://allowed.example/pypi/;x",
        "https://allowed.example/pypi//x",
        "https://allowed.example/pypi/%2e%2e/admin",
        "https://allowed.example/pypi/%2E%2E%2Fadmin",
        "https://allowed.example/pypi%2fx",
        "https://allowed.example/pypi/%5c..%5cadmin",
        "https://allowed.example/pypi/%252e%252e",
        "https://allowed.example/pypi/%00",
        "https://allowed.example/pypi/%0d%0a",
        "https://allowed.example/pypi/%zz",
        "https://allowed.example/pypi/%",
        "https://allowed.example/pypi\\..\\admin",
        "https://allowed.example\\@evil.example/pypi",
        "https://allowed.example/pypi/caf\u00e9",
        # numeric and bracketed hosts
        "http://[::ffff:127.0.0.1]:8080/simple",
        "http://[::ffff:7f00:1]:8080/simple",
        "http://[::1]:8080/simple",
        "http://2130706433:8080/simple",
        "http://0x7f000001:8080/simple",
        "http://0x7f.0.0.1:8080/simple",
        "http://017700000001:8080/simple",
        "http://0177.0.0.1:8080/simple",
        "http://127.1:8080/simple",
        "http://127.0.0.01:8080/simple",
        "http://127.0.0.1.:8080/simple",
        "http://127.0.0.1.1:8080/simple",
        "http://256.0.0.1:8080/simple",
        "http://localhost:8080/simple",
        "https://[2001:db8::1%25eth0]/",
        "https://[2001:db8::1",
        "https://[v1.x]/",
        "https://[127.0.0.1]/",
        "https://2001:db8::1/",
        # sizes
        "",
        "https://allowed.example/pypi/" + "a" * MAX_URL_LENGTH,
        "https://" + "a." * 130 + "example/pypi",
        "https://" + "a" * 64 + ".example/pypi",
    ],
)
def test_refused_urls(url: str) -> None:
    """Anything outside an allowed prefix, or spelled ambiguously, is refused."""
    with pytest.raises(InvalidParameterError) as refused:
        POLICY.check(url)
    assert refused.value.parameter == "pypiBaseUrl"


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("https://a.example/pypi/team", "https://a.example/pypi"),
        ("https://a.example/pypi", "https://a.example/pypi"),
        ("https://A.example/pypix", "https://a.example"),
        ("https://a.example", "https://a.example"),
    ],
)
def test_base_is_the_longest_allowed_prefix(url: str, base: str) -> None:
    """``base`` names the most specific allowed base URL a registry lies under."""
    policy = RegistryPolicy.from_urls(["https://a.example/", "https://a.example/pypi"])
    assert policy.base(url) == base


def test_no_registries_allows_nothing() -> None:
    """The empty policy refuses even a well-formed URL."""
    with pytest.raises(InvalidParameterError, match="not an allowed registry"):
        NO_REGISTRIES.check("https://pypi.org/pypi")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://a.example/pypi?x=1", "query"),
        ("https://user@a.example/pypi", "user info"),
        ("ftp://a.example/pypi", "scheme 'ftp'"),
        ("https://a.example/pypi/../x", "dot segment"),
    ],
)
def test_unusable_allowed_registries_are_a_value_error(url: str, message: str) -> None:
    """The operator's list is parsed strictly too; a bad entry is named."""
    with pytest.raises(ValueError, match=message) as refused:
        RegistryPolicy.from_urls(["https://ok.example", url])
    assert repr(url) in str(refused.value)


_PIECES = st.sampled_from(
    [
        "http://", "https://", "HTTP://", "ftp://", "//", "allowed.example", "127.0.0.1",
        "evil.example", "[::1]", "[2001:db8::1]", "2130706433", ":8080", ":443", "@", ".",
        "..", "/", "\\", "%2e", "%2f", "%25", "%7e", "?", "#", ";", "pypi", "simple",
        "\t", "\n", " ", "b\u00fccher", "\u3002", "xn--bcher-kva", "-", "_",
    ]
)  # fmt: skip
_URL_LIKE = st.one_of(st.lists(_PIECES, max_size=12).map("".join), st.text(max_size=80))


@settings(max_examples=400, deadline=None)
@given(_URL_LIKE)
def test_whatever_is_accepted_is_canonical_and_allowed(url: str) -> None:
    """Any accepted URL is a fixed point of the check and lies under an allowed base."""
    try:
        canonical = POLICY.check(url)
    except InvalidParameterError:
        return
    assert POLICY.check(canonical) == canonical
    parsed = parse_registry_url(canonical)
    assert any(base.contains(parsed) for base in POLICY.allowed)
    assert str(parsed) == canonical


# -- addresses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "refused", "refused_with_private"),
    [
        ("93.184.215.14", None, None),
        ("2606:4700::6810:84e5", None, None),
        ("::ffff:8.8.8.8", None, None),
        ("64:ff9b::808:808", None, None),
        ("127.0.0.1", "loopback", None),
        ("127.8.9.10", "loopback", None),
        ("::1", "loopback", None),
        ("::ffff:127.0.0.1", "loopback (embedded in IPv6)", None),
        ("64:ff9b::7f00:1", "loopback (embedded in IPv6)", None),
        ("2002:7f00:1::", "loopback (embedded in IPv6)", None),
        ("10.0.0.1", "private", None),
        ("172.16.0.1", "private", None),
        ("192.168.1.1", "private", None),
        ("100.64.0.1", "private", None),
        ("198.18.0.1", "private", None),
        ("fc00::1", "private", None),
        ("2001:db8::1", "private", None),
        ("169.254.1.1", "link-local", None),
        ("fe80::1", "link-local", None),
        ("fec0::1", "site-local", None),
        ("169.254.169.254", "cloud metadata", "cloud metadata"),
        ("169.254.170.2", "cloud metadata", "cloud metadata"),
        ("100.100.100.200", "cloud metadata", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata", "cloud metadata"),
        (
            "::ffff:169.254.169.254",
            "cloud metadata (embedded in IPv6)",
            "cloud metadata (embedded in IPv6)",
        ),
        ("0.0.0.0", "unspecified", "unspecified"),
        ("0.1.2.3", "unspecified", "unspecified"),
        ("::", "unspecified", "unspecified"),
        ("224.0.0.1", "multicast", "multicast"),
        ("ff02::1", "multicast", "multicast"),
        ("240.0.0.1", "reserved", "reserved"),
        ("255.255.255.255", "reserved", "reserved"),
        ("::7f00:1", "reserved", "reserved"),
    ],
)
def test_address_refusals(
    address: str, refused: str | None, refused_with_private: str | None
) -> None:
    """Each address class is refused, or allowed only with private registries, or allowed."""
    ip = ipaddress.ip_address(address)
    assert address_refusal(ip) == refused
    assert address_refusal(ip, allow_private=True) == refused_with_private


# -- the guarded resolver -------------------------------------------------------------


@dataclass
class FakeResolver:
    """A resolver answering from ``records`` (other names do not exist), counting lookups."""

    records: dict[str, Sequence[str]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.lookups.append(host)
        try:
            return self.records[host]
        except KeyError:
            raise OSError(f"no such name: {host}") from None


@pytest.mark.parametrize(
    ("answers", "allow_private", "addresses"),
    [
        (["93.184.215.14"], False, ["93.184.215.14"]),
        (["2606:4700::6810:84e5"], False, ["2606:4700::6810:84e5"]),
        (["64:ff9b::808:808"], False, ["64:ff9b::808:808"]),
        (["127.0.0.1"], True, ["127.0.0.1"]),
        (
            ["10.0.0.1", "fe80::1", "::1", "100.64.0.1"],
            True,
            ["10.0.0.1", "fe80::1", "::1", "100.64.0.1"],
        ),
        (
            ["2606:4700:0:0:0:0:0:1", "93.184.215.14", "2606:4700::1", "93.184.215.14"],
            False,
            ["2606:4700::1", "93.184.215.14"],
        ),
    ],
)
async def test_addresses_that_pass_come_back_in_order_without_repeats(
    answers: list[str], allow_private: bool, addresses: list[str]
) -> None:
    """Accepted addresses are returned canonical, in the resolver's order, each once."""
    resolver = FakeResolver({"allowed.example": answers})
    guard = GuardedResolver(allow_private=allow_private, resolver=resolver)
    assert await guard.addresses("allowed.example", 443) == addresses
    assert resolver.lookups == ["allowed.example"]


@pytest.mark.parametrize(
    ("answers", "allow_private", "reason"),
    [
        (["127.0.0.1"], False, "127.0.0.1, a loopback address"),
        (["::1"], False, "::1, a loopback address"),
        (["10.0.0.1"], False, "10.0.0.1, a private address"),
        (["fc00::1"], False, "fc00::1, a private address"),
        (["169.254.1.1"], False, "169.254.1.1, a link-local address"),
        (["fe80::1"], False, "fe80::1, a link-local address"),
        (["::ffff:127.0.0.1"], False, "a loopback (embedded in IPv6) address"),
        (["64:ff9b::a00:1"], False, "a private (embedded in IPv6) address"),
        (["93.184.215.14", "127.0.0.1"], False, "127.0.0.1, a loopback address"),
        (["169.254.169.254"], False, "169.254.169.254, a cloud metadata address"),
        (["169.254.169.254"], True, "169.254.169.254, a cloud metadata address"),
        (["fd00:ec2::254"], True, "fd00:ec2::254, a cloud metadata address"),
        (["::ffff:169.254.169.254"], True, "a cloud metadata (embedded in IPv6) address"),
        (["127.0.0.1", "100.100.100.200"], True, "100.100.100.200, a cloud metadata address"),
        (["0.0.0.0"], True, "unspecified address"),
        (["224.0.0.1"], True, "224.0.0.1, a multicast address"),
    ],
)
async def test_one_refused_address_refuses_the_host(
    answers: list[str], allow_private: bool, reason: str
) -> None:
    """A host with any refused address is a ``pypiBaseUrl`` error naming that address."""
    resolver = FakeResolver({"allowed.example": answers})
    guard = GuardedResolver(allow_private=allow_private, resolver=resolver)
    with pytest.raises(InvalidParameterError) as refused:
        await guard.addresses("allowed.example", 443)
    assert refused.value.parameter == "pypiBaseUrl"
    assert refused.value.detail is not None
    assert refused.value.detail.startswith("allowed.example resolves to ")
    assert refused.value.detail.endswith(reason)


@pytest.mark.parametrize(
    ("host", "allow_private", "addresses"),
    [
        ("93.184.215.14", False, ["93.184.215.14"]),
        ("2606:4700:0:0::1", False, ["2606:4700::1"]),
        ("127.0.0.1", True, ["127.0.0.1"]),
        ("::1", True, ["::1"]),
        ("127.0.0.1", False, None),
        ("::1", False, None),
        ("169.254.169.254", True, None),
    ],
)
async def test_literal_hosts_are_checked_without_a_lookup(
    host: str, allow_private: bool, addresses: list[str] | None
) -> None:
    """A host that is an address is judged as one; the resolver is not asked."""
    resolver = FakeResolver()
    guard = GuardedResolver(allow_private=allow_private, resolver=resolver)
    if addresses is None:
        with pytest.raises(InvalidParameterError, match=f"{re.escape(host)} resolves to"):
            await guard.addresses(host, 80)
    else:
        assert await guard.addresses(host, 80) == addresses
    assert resolver.lookups == []


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ({}, "cannot resolve allowed.example: no such name: allowed.example"),
        ({"allowed.example": []}, "allowed.example resolves to no address"),
        (
            {"allowed.example": ["93.184.215.14", "registry.example"]},
            "allowed.example resolves to 'registry.example', not an address",
        ),
        (
            {"allowed.example": ["127.1"]},
            "allowed.example resolves to '127.1', not an address",
        ),
    ],
)
async def test_hosts_without_addresses_are_os_errors(
    records: dict[str, Sequence[str]], message: str
) -> None:
    """No address, an unresolvable name or a non-address answer raise OSError, as DNS does."""
    guard = GuardedResolver(allow_private=True, resolver=FakeResolver(records))
    with pytest.raises(OSError, match=f"^{re.escape(message)}$") as failed:
        await guard.addresses("allowed.example", 443)
    assert not isinstance(failed.value, InvalidParameterError)


async def test_resolve_gives_aiohttp_numeric_targets_by_family() -> None:
    """``resolve`` answers aiohttp with the checked addresses, IPv4 and IPv6 told apart."""
    resolver = FakeResolver({"allowed.example": ["93.184.215.14", "2606:4700::1"]})
    guard = GuardedResolver(resolver=resolver)
    targets = await guard.resolve("allowed.example", 8443, socket.AF_UNSPEC)
    expected = [
        ResolveResult(
            hostname="allowed.example",
            host=address,
            port=8443,
            family=family,
            proto=0,
            flags=socket.AI_NUMERICHOST,
        )
        for address, family in (
            ("93.184.215.14", socket.AF_INET),
            ("2606:4700::1", socket.AF_INET6),
        )
    ]
    assert targets == expected


async def test_the_default_resolver_is_looked_up_at_each_resolution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a ``resolver``, the module's ``resolve`` is used as it is at lookup time."""
    guard = GuardedResolver()
    replacement = FakeResolver({"allowed.example": ["93.184.215.14"]})
    monkeypatch.setattr(_guard, "resolve", replacement)
    assert await guard.addresses("allowed.example", 443) == ["93.184.215.14"]
    assert replacement.lookups == ["allowed.example"]


async def test_the_default_resolver_uses_the_event_loop() -> None:
    """``resolve`` answers numeric hosts without asking any DNS server."""
    assert await resolve("127.0.0.1", 80) == ["127.0.0.1"]


async def test_closing_the_resolver_releases_nothing() -> None:
    """The resolver holds no resource: closed, it still resolves."""
    guard = GuardedResolver(resolver=FakeResolver({"allowed.example": ["93.184.215.14"]}))
    await guard.close()
    assert await guard.addresses("allowed.example", 443) == ["93.184.215.14"]


# -- the URL check ----------------------------------------------------------------------

GUARDED = RegistryPolicy.from_urls(
    [
        "https://allowed.example/pypi",
        "http://127.0.0.1:8080/simple",
        "https://93.184.215.14/pypi",
        "https://[2606:4700::1111]/pypi",
        "https://[::ffff:7f00:1]/pypi",
        "http://169.254.169.254/latest",
        "https://[fd00:ec2::254]/pypi",
    ]
)


@pytest.mark.parametrize(
    ("url", "allow_private"),
    [
        ("https://allowed.example/pypi/demo/json", False),
        ("HTTPS://Allowed.Example:443/pypi/demo/json", False),
        ("https://93.184.215.14/pypi/demo/json", False),
        ("https://[2606:4700::1111]/pypi/demo/json", False),
        ("https://[2606:4700:0:0:0:0:0:1111]/pypi/demo/json", False),
        ("http://127.0.0.1:8080/simple/demo/json", True),
        ("https://[::ffff:7f00:1]/pypi/demo/json", True),
    ],
)
def test_the_check_passes_allowed_urls(url: str, allow_private: bool) -> None:
    """A URL under an allowed base, on a host that may be dialled, passes silently."""
    RegistryGuard(GUARDED, allow_private)(url)


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("https://evil.example/pypi/demo/json", "not an allowed registry"),
        ("https://allowed.example/pypix/demo/json", "not an allowed registry"),
        ("http://allowed.example/pypi/demo/json", "not an allowed registry"),
        ("https://allowed.example:8443/pypi/demo/json", "not an allowed registry"),
        ("http://127.0.0.1:8081/simple/demo/json", "not an allowed registry"),
        ("http://[::1]:8080/simple/demo/json", "not an allowed registry"),
        ("https://allowed.example/pypi/demo/json?x=1", "has a query or fragment"),
        ("https://user@allowed.example/pypi/demo/json", "has user info"),
        ("https://allowed.example/pypi/../admin", "has a dot segment in its path"),
        (
            "http://2130706433:8080/simple/demo/json",
            "has a numeric host that is not a dotted-quad IPv4 address",
        ),
        ("file:///etc/passwd", "scheme 'file' is not http or https"),
    ],
)
def test_the_check_refuses_urls_outside_the_policy(url: str, detail: str) -> None:
    """A URL outside the policy is an invalid response, naming the URL and the reason."""
    with pytest.raises(InvalidResponseError) as refused:
        RegistryGuard(GUARDED, allow_private=True)(url)
    assert str(refused.value) == f"request to {url!r} refused: {detail}"


def test_the_check_quotes_long_urls_shortened() -> None:
    """A long refused URL is quoted by its first 200 characters only."""
    url = "https://allowed.example/pypi/" + "a" * MAX_URL_LENGTH
    with pytest.raises(InvalidResponseError) as refused:
        RegistryGuard(GUARDED)(url)
    message = f"request to {url[:200]!r} refused: longer than {MAX_URL_LENGTH} characters"
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("url", "allow_private", "reason"),
    [
        ("http://127.0.0.1:8080/simple/demo/json", False, "127.0.0.1, a loopback address"),
        ("https://[::ffff:7f00:1]/pypi/demo/json", False, "a loopback (embedded in IPv6) address"),
        ("http://169.254.169.254/latest/meta-data", False, "a cloud metadata address"),
        ("http://169.254.169.254/latest/meta-data", True, "a cloud metadata address"),
        ("https://[fd00:ec2::254]/pypi/demo/json", True, "fd00:ec2::254, a cloud metadata address"),
    ],
)
def test_the_check_refuses_literal_hosts_like_resolved_ones(
    url: str, allow_private: bool, reason: str
) -> None:
    """A host written as an address, which aiohttp dials unresolved, passes the address rules."""
    with pytest.raises(InvalidParameterError) as refused:
        RegistryGuard(GUARDED, allow_private)(url)
    assert refused.value.parameter == "pypiBaseUrl"
    assert refused.value.detail is not None
    assert refused.value.detail.endswith(reason)


async def test_the_guarded_session_ignores_the_environment() -> None:
    """The pool takes nothing from the environment and bounds each exchange."""
    async with guarded_session(timeout=3.0) as session:
        assert not session.trust_env
        assert session.timeout.total == 3.0


# -- end to end: AsyncPyPIClient over the guarded pool --------------------------------


@pytest.fixture
def canary() -> Iterator[Canary]:
    """A second loopback listener that must receive no connection."""
    with Canary() as server:
        yield server


@asynccontextmanager
async def registry_client(
    allowed: Sequence[str], resolver: FakeResolver, *, allow_private: bool = True
) -> AsyncIterator[AsyncPyPIClient]:
    """A client of ``allowed[0]`` built as the service builds one (guarded pool and check)."""
    policy = RegistryPolicy.from_urls(allowed)
    async with guarded_session(
        allow_private=allow_private, timeout=2.0, resolver=resolver
    ) as session:
        yield AsyncPyPIClient(
            policy.check(allowed[0]),
            timeout=2.0,
            session=session,
            check_url=RegistryGuard(policy, allow_private),
            max_redirects=MAX_REDIRECTS,
        )


async def test_a_listed_name_is_dialled_at_the_address_it_resolved_to(upstream: Upstream) -> None:
    """DNS pinning: a name no real DNS knows reaches the address the resolver returned."""
    base = f"http://allowed.example:{upstream.port}/pypi"
    resolver = FakeResolver({"allowed.example": ["127.0.0.1"]})
    async with registry_client([base], resolver) as client:
        document = await client.get_json("requests")
    assert document.url == f"{base}/requests/json"
    assert document.data is not None
    assert document.data["info"]["name"] == "requests"
    assert resolver.lookups == ["allowed.example"]
    assert upstream.counts() == {"/pypi/requests/json": 1}


async def test_redirects_inside_the_registry_are_followed(upstream: Upstream) -> None:
    """The registry's canonical-name redirect is checked, then followed on the same host."""
    base = f"http://allowed.example:{upstream.port}/pypi"
    resolver = FakeResolver({"allowed.example": ["127.0.0.1"]})
    async with registry_client([base], resolver) as client:
        document = await client.get_json("django")
    assert document.url == f"{base}/Django/json"
    assert resolver.lookups == ["allowed.example"]
    assert upstream.counts() == {"/pypi/django/json": 1, "/pypi/Django/json": 1}


@pytest.mark.parametrize("allow_private", [True, False])
async def test_a_loopback_literal_registry_needs_private_registries_allowed(
    upstream: Upstream, allow_private: bool
) -> None:
    """A listed loopback address is dialled without a lookup, and only if allowed."""
    resolver = FakeResolver()
    async with registry_client(
        [upstream.pypi_url], resolver, allow_private=allow_private
    ) as client:
        if allow_private:
            assert (await client.get_json("requests")).data is not None
        else:
            with pytest.raises(InvalidParameterError, match="a loopback address"):
                await client.get_json("requests")
    assert resolver.lookups == []
    assert upstream.total() == (1 if allow_private else 0)


@pytest.mark.parametrize(
    ("answers", "allow_private"),
    [
        (["127.0.0.1"], False),
        (["::ffff:127.0.0.1"], False),
        (["93.184.215.14", "127.0.0.1"], False),
        (["169.254.169.254"], True),
        (["127.0.0.1", "fd00:ec2::254"], True),
    ],
)
async def test_names_with_a_refused_address_are_never_dialled(
    canary: Canary, answers: list[str], allow_private: bool
) -> None:
    """A listed name resolving to any refused address is refused before connecting."""
    resolver = FakeResolver({"allowed.example": answers})
    base = f"http://allowed.example:{canary.port}/pypi"
    async with registry_client([base], resolver, allow_private=allow_private) as client:
        with pytest.raises(InvalidParameterError, match=r"allowed\.example resolves to"):
            await client.get_json("requests")
    assert resolver.lookups == ["allowed.example"]
    assert canary.settle() == (0, 0)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (None, "cannot resolve allowed.example"),
        ([], "resolves to no address"),
        (["registry.example"], "not an address"),
    ],
)
async def test_names_without_an_address_are_unavailable(
    canary: Canary, answers: list[str] | None, message: str
) -> None:
    """A listed name that gives no address makes the registry unreachable, not refused."""
    resolver = FakeResolver({} if answers is None else {"allowed.example": answers})
    base = f"http://allowed.example:{canary.port}/pypi"
    async with registry_client([base], resolver) as client:
        with pytest.raises(UpstreamUnavailableError, match=message):
            await client.get_json("requests")
    assert canary.settle() == (0, 0)


@pytest.mark.parametrize(
    "location",
    [
        "{canary}/pypi/requests/json",
        "//127.0.0.1:{cport}/pypi/requests/json",
        "http://allowed.example:{cport}/pypi/requests/json",
        "http://allowed.example:{uport}@127.0.0.1:{cport}/pypi/requests/json",
        "http://[::ffff:127.0.0.1]:{cport}/pypi/requests/json",
        "https://allowed.example:{uport}/pypi/requests/json",
        "/pypix/requests/json",
        "/pypi/requests/json?again=1",
        "file:///etc/passwd",
    ],
)
async def test_redirects_out_of_the_policy_are_refused_before_connecting(
    upstream: Upstream, canary: Canary, location: str
) -> None:
    """A redirect leaving the registry is refused: its target is neither resolved nor dialled."""
    target = location.format(canary=canary.url, cport=canary.port, uport=upstream.port)
    upstream.inject("/pypi/requests/json", status=302, headers={"Location": target})
    resolver = FakeResolver({"allowed.example": ["127.0.0.1"]})
    base = f"http://allowed.example:{upstream.port}/pypi"
    async with registry_client([base], resolver) as client:
        with pytest.raises(InvalidResponseError, match="refused"):
            await client.get_json("requests")
    assert resolver.lookups == ["allowed.example"]
    assert upstream.counts() == {"/pypi/requests/json": 1}
    assert canary.settle() == (0, 0)


@pytest.mark.parametrize(
    ("host", "lookups"),
    [
        ("internal.example", ["allowed.example", "internal.example"]),
        ("169.254.169.254", ["allowed.example"]),
    ],
)
async def test_redirects_to_a_listed_host_at_a_refused_address_are_never_dialled(
    upstream: Upstream, canary: Canary, host: str, lookups: list[str]
) -> None:
    """A redirect to another listed registry is refused when its address is (name or literal)."""
    second = f"http://{host}:{canary.port}/pypi"
    upstream.inject(
        "/pypi/requests/json", status=302, headers={"Location": f"{second}/requests/json"}
    )
    resolver = FakeResolver(
        {"allowed.example": ["127.0.0.1"], "internal.example": ["169.254.169.254"]}
    )
    base = f"http://allowed.example:{upstream.port}/pypi"
    async with registry_client([base, second], resolver) as client:
        with pytest.raises(InvalidParameterError, match="a cloud metadata address"):
            await client.get_json("requests")
    assert resolver.lookups == lookups
    assert upstream.counts() == {"/pypi/requests/json": 1}
    assert canary.settle() == (0, 0)
