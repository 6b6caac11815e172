"""The registry guard: the URL policy (pure), the address rules and the guarded backend.

The backend is driven with a fake resolver and a recording network backend that
answers with canned HTTP bytes, so nothing here touches a socket.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import httpcore
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pypins.client import AsyncPyPIClient
from pypins.client._guard import (
    MAX_URL_LENGTH,
    NO_REGISTRIES,
    GuardedBackend,
    GuardedTransport,
    RegistryPolicy,
    address_refusal,
    guarded_client,
    parse_registry_url,
    resolve,
)
from pypins.errors import InvalidParameterError, InvalidResponseError

ALLOWED = (
    "https://allowed.example/pypi",
    "http://127.0.0.1:8080/simple/",
    "https://[2001:db8::1]",
    "https://b\u00fccher.example/pypi",
)
POLICY = RegistryPolicy.from_urls(ALLOWED)
OK_BODY = b'{"info": {"name": "demo", "version": "1.0"}, "urls": []}'


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


# -- the guarded backend --------------------------------------------------------------


class RecordingStream(httpcore.AsyncMockStream):
    """A mock stream that remembers the TLS server name it was asked for."""

    def __init__(self, buffer: list[bytes], backend: RecordingBackend) -> None:
        super().__init__(buffer)
        self.backend = backend

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.backend.server_names.append(server_hostname)
        return self


@dataclass
class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Records every dial; ``failing`` addresses refuse; others answer ``responses``."""

    responses: list[bytes] = field(default_factory=lambda: [ok()])
    failing: frozenset[str] = frozenset()
    dials: list[tuple[str, int]] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.dials.append((host, port))
        if host in self.failing:
            raise httpcore.ConnectError(f"{host} refused the connection")
        return RecordingStream([self.responses.pop(0)], self)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def ok(body: bytes = OK_BODY) -> bytes:
    """A canned 200 answer (each canned answer closes its connection)."""
    head = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
    return head + body


def redirect(location: str) -> bytes:
    """A canned 302 answer."""
    return (
        "HTTP/1.1 302 Found\r\nConnection: close\r\n"
        f"Location: {location}\r\nContent-Length: 0\r\n\r\n"
    ).encode()


@dataclass
class Resolver:
    """A fake resolver answering from ``records`` and counting lookups."""

    records: dict[str, Sequence[str]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)
    delay: float = 0.0

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.lookups.append(host)
        if self.delay:
            await asyncio.sleep(self.delay)
        if host not in self.records:
            raise OSError(f"no such name: {host}")
        return self.records[host]


def guarded(
    resolver: Resolver, network: RecordingBackend, *, allow_private: bool = False
) -> httpx.AsyncClient:
    """An httpx client over the guarded transport with fake DNS and network."""
    backend = GuardedBackend(allow_private=allow_private, resolver=resolver, backend=network)
    return httpx.AsyncClient(transport=GuardedTransport(POLICY, backend), follow_redirects=True)


async def test_the_checked_address_is_dialled_and_tls_names_the_host() -> None:
    """The name is resolved once; its address is dialled; SNI carries the name."""
    resolver = Resolver({"allowed.example": ["93.184.215.14"]})
    network = RecordingBackend()
    async with guarded(resolver, network) as http:
        response = await http.get("https://allowed.example/pypi/demo/json")
    assert response.json()["info"]["name"] == "demo"
    assert resolver.lookups == ["allowed.example"]
    assert network.dials == [("93.184.215.14", 443)]
    assert network.server_names == ["allowed.example"]


@pytest.mark.parametrize(
    "addresses",
    [["10.0.0.1"], ["93.184.215.14", "127.0.0.1"], ["::ffff:169.254.169.254"], ["fe80::1"]],
)
async def test_a_non_public_address_refuses_the_host_before_dialling(
    addresses: list[str],
) -> None:
    """One non-public address among a host's addresses refuses it; nothing is dialled."""
    network = RecordingBackend()
    async with guarded(Resolver({"allowed.example": addresses}), network) as http:
        with pytest.raises(InvalidParameterError, match="resolves to") as refused:
            await http.get("https://allowed.example/pypi/demo/json")
    assert refused.value.parameter == "pypiBaseUrl"
    assert network.dials == []


async def test_private_addresses_are_dialled_when_allowed() -> None:
    """With ``allow_private``, a loopback literal is dialled without a lookup."""
    resolver = Resolver()
    network = RecordingBackend()
    async with guarded(resolver, network, allow_private=True) as http:
        response = await http.get("http://127.0.0.1:8080/simple/demo/json")
    assert response.status_code == 200
    assert resolver.lookups == []
    assert network.dials == [("127.0.0.1", 8080)]


async def test_the_next_address_is_tried_when_one_fails() -> None:
    """Addresses are dialled in order, without repeats, until one answers."""
    resolver = Resolver({"allowed.example": ["2606:4700::1", "2606:4700::1", "93.184.215.14"]})
    network = RecordingBackend(failing=frozenset({"2606:4700::1"}))
    async with guarded(resolver, network) as http:
        assert (await http.get("https://allowed.example/pypi/x")).status_code == 200
    assert network.dials == [("2606:4700::1", 443), ("93.184.215.14", 443)]


async def test_the_last_failure_is_raised_when_every_address_fails() -> None:
    """When no address answers, the last connection error is raised."""
    resolver = Resolver({"allowed.example": ["93.184.215.14", "93.184.215.15"]})
    network = RecordingBackend(failing=frozenset({"93.184.215.14", "93.184.215.15"}))
    async with guarded(resolver, network) as http:
        with pytest.raises(httpx.ConnectError, match=r"93\.184\.215\.15 refused"):
            await http.get("https://allowed.example/pypi/x")


@pytest.mark.parametrize(
    ("records", "error", "message"),
    [
        ({}, httpx.ConnectError, "cannot resolve allowed.example"),
        ({"allowed.example": []}, httpx.ConnectError, "resolves to no address"),
        ({"allowed.example": ["not-an-ip"]}, httpx.ConnectError, "not an address"),
    ],
)
async def test_resolution_failures_are_connection_errors(
    records: dict[str, Sequence[str]], error: type[Exception], message: str
) -> None:
    """A name that does not resolve to addresses is a connection error; nothing is dialled."""
    network = RecordingBackend()
    async with guarded(Resolver(records), network) as http:
        with pytest.raises(error, match=message):
            await http.get("https://allowed.example/pypi/x")
    assert network.dials == []


async def test_a_slow_resolver_times_out() -> None:
    """Resolution counts against the connect timeout."""
    resolver = Resolver({"allowed.example": ["93.184.215.14"]}, delay=5.0)
    backend = GuardedBackend(resolver=resolver, backend=RecordingBackend())
    with pytest.raises(httpcore.ConnectTimeout, match=r"resolving allowed\.example"):
        await backend.connect_tcp("allowed.example", 443, timeout=0.01)


async def test_unix_sockets_are_refused() -> None:
    """A registry is never reached through a Unix socket."""
    with pytest.raises(httpcore.ConnectError, match="Unix socket"):
        await GuardedBackend().connect_unix_socket("/run/docker.sock")


async def test_sleep_is_the_inner_backend_s() -> None:
    """Retries' back-off sleeps through the wrapped backend."""
    await GuardedBackend(backend=RecordingBackend()).sleep(0)


async def test_the_default_resolver_uses_the_event_loop() -> None:
    """``resolve`` answers numeric hosts without asking any DNS server."""
    assert await resolve("127.0.0.1", 80) == ["127.0.0.1"]


# -- the transport and the client -----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/pypi/x",
        "https://allowed.example/pypix/x",
        "https://allowed.example/pypi/x?y=1",
        "https://user@allowed.example/pypi/x",
        "http://allowed.example/pypi/x",
    ],
)
async def test_requests_outside_the_policy_are_refused_unsent(url: str) -> None:
    """A request outside the allowed registries raises before any lookup or dial."""
    resolver = Resolver({"allowed.example": ["93.184.215.14"]})
    network = RecordingBackend()
    async with guarded(resolver, network) as http:
        with pytest.raises(InvalidResponseError, match="refused"):
            await http.get(url)
    assert resolver.lookups == []
    assert network.dials == []


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:1/pypi/demo/json",
        "https://allowed.example@evil.example/pypi/demo/json",
        "/pypi/../admin",
        "/pypi/demo/json?x=1",
        "file:///etc/passwd",
    ],
)
async def test_redirects_out_of_the_registry_are_refused(location: str) -> None:
    """The client reports a redirect out of the registry as an invalid response."""
    resolver = Resolver({"allowed.example": ["93.184.215.14"]})
    network = RecordingBackend(responses=[redirect(location)])
    async with guarded(resolver, network) as http:
        client = AsyncPyPIClient("https://allowed.example/pypi", http_client=http)
        with pytest.raises(InvalidResponseError, match="refused"):
            await client.get_json("demo")
    assert network.dials == [("93.184.215.14", 443)]


async def test_redirects_inside_the_registry_are_followed() -> None:
    """A redirect to another path under the registry is followed."""
    resolver = Resolver({"allowed.example": ["93.184.215.14"]})
    network = RecordingBackend(responses=[redirect("/pypi/Demo/json")])
    network.responses.append(ok())
    async with guarded(resolver, network) as http:
        client = AsyncPyPIClient("https://allowed.example/pypi", http_client=http)
        document = await client.get_json("demo")
    assert document.url == "https://allowed.example/pypi/Demo/json"
    assert network.dials == [("93.184.215.14", 443)] * 2


async def test_guarded_client_defaults() -> None:
    """The guarded client follows nothing by itself, ignores the environment, bounds hops."""
    async with guarded_client(POLICY) as http:
        assert not http.follow_redirects
        assert not http.trust_env
        assert http.max_redirects == 3
