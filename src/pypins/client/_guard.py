"""Custom registries that cannot become a proxy into the operator's network.

``?pypiBaseUrl=`` makes a badge read another registry's JSON API. Two guards keep that
from reaching anything the operator did not list. :class:`RegistryPolicy` is pure: a
URL is accepted only under a base URL the operator allowed (same scheme, host and
port; the same path or one below it at a ``/``), and only when written plainly - no
user info, query, fragment, backslash, space or control character, dot segment,
encoded ``/``, ``.`` or ``%``, and no numeric host but a canonical dotted quad; it
refuses what is ambiguous rather than normalising it. :func:`guarded_session` builds
the aiohttp pool for those registries: its :class:`GuardedResolver` resolves host
names itself, refuses non-public addresses (unless the operator allows private
registries), and the pool connects to the very address it checked, so a second DNS
answer cannot slip in between; TLS still verifies the certificate of the host name.
:class:`RegistryGuard` checks every request (each redirect too) against the policy
before any connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import aiohttp
import idna
from aiohttp.abc import AbstractResolver, ResolveResult

from pypins.client._async import client_session
from pypins.errors import InvalidParameterError, InvalidResponseError
from pypins.settings import DEFAULT_TIMEOUT

#: Longest URL considered, base or request (longer ones are refused unread).
MAX_URL_LENGTH = 2048
#: Redirects a registry may send, each one checked, before the answer is refused.
MAX_REDIRECTS = 3
#: The only schemes a registry may use, with their default ports.
DEFAULT_PORTS = {"http": 80, "https": 443}
#: The query parameter the policy's refusals name.
PARAMETER = "pypiBaseUrl"

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
#: ``(host, port)`` to the addresses it resolves to, as text.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

#: Cloud instance-metadata services: never a registry, even among private ones.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
_THIS_NETWORK = ipaddress.IPv4Network("0.0.0.0/8")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/]*)(?P<path>/.*)?")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_OCTET = re.compile(r"0|[1-9][0-9]{0,2}")
_PORT = re.compile(r"[0-9]{1,5}")
_SEGMENT = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,=:@%]+")
_ESCAPE = re.compile(r"%(?P<hex>[0-9A-Fa-f]{2})?")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~")
_FORBIDDEN_ESCAPES = frozenset("/\\.%")


@dataclass(frozen=True, slots=True)
class RegistryURL:
    """A registry URL in its one canonical spelling (see :func:`parse_registry_url`)."""

    scheme: str
    #: ASCII, lower case; an IPv6 address in brackets.
    host: str
    port: int
    #: ``""`` or ``/segment/...``, without a trailing ``/``.
    path: str = ""

    def __str__(self) -> str:
        port = "" if self.port == DEFAULT_PORTS[self.scheme] else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}{self.path}"

    def contains(self, other: RegistryURL) -> bool:
        """Whether ``other`` is this URL or lies below it (``/pypi`` holds ``/pypi/x``)."""
        return (self.scheme, self.host, self.port) == (other.scheme, other.host, other.port) and (
            other.path == self.path or other.path.startswith(self.path + "/")
        )


def parse_registry_url(text: str) -> RegistryURL:
    """The canonical form of an absolute http(s) URL, or ValueError saying what is wrong.

    Host names are compared case-insensitively and IDNA-encoded, default ports dropped,
    a trailing ``/`` ignored and percent-escapes of unreserved characters decoded.
    Anything else that has more than one reading is refused.
    """
    if len(text) > MAX_URL_LENGTH:
        raise ValueError(f"longer than {MAX_URL_LENGTH} characters")
    if any(not char.isprintable() or char.isspace() or char == "\\" for char in text):
        raise ValueError("contains a space, control character or backslash")
    if "?" in text or "#" in text:
        raise ValueError("has a query or fragment")
    match = _URL.fullmatch(text)
    if match is None:
        raise ValueError("is not an absolute URL")
    scheme = match["scheme"].lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"scheme {scheme!r} is not http or https")
    host, port = _authority(match["authority"], DEFAULT_PORTS[scheme])
    return RegistryURL(scheme, host, port, _path(match["path"] or ""))


def _authority(authority: str, default_port: int) -> tuple[str, int]:
    """``(host, port)`` of an authority without user info."""
    if "@" in authority:
        raise ValueError("has user info")
    if authority.startswith("["):
        literal, bracket, rest = authority[1:].partition("]")
        if not bracket:
            raise ValueError("has an unclosed IPv6 bracket")
        host = _ipv6_host(literal)
    else:
        name, colon, rest = authority.partition(":")
        rest = colon + rest
        host = _host_name(name)
    if not rest:
        return host, default_port
    if not rest.startswith(":") or not _PORT.fullmatch(rest[1:]):
        raise ValueError("has a malformed port")
    port = int(rest[1:])
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range")
    return host, port


def _ipv6_host(literal: str) -> str:
    if "%" in literal:
        raise ValueError("has an IPv6 zone identifier")
    try:
        address = ipaddress.IPv6Address(literal)
    except ValueError:
        raise ValueError("has a malformed IPv6 address") from None
    return f"[{address.compressed}]"


def _host_name(name: str) -> str:
    """A host name or dotted quad, IDNA-encoded and lower case, or ValueError."""
    if not name:
        raise ValueError("has no host")
    if name.isascii():
        host = name.lower()
    else:
        try:
            # The same encoding httpx applies (IDNA 2008 after lower-casing).
            host = idna.encode(name.lower()).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise ValueError("has a host name that is not valid IDNA") from None
    if host.endswith("."):
        raise ValueError("has a host name with a trailing dot")
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError("has a malformed host name")
    # Resolvers read 2130706433, 0x7f.1 or 0177.0.0.1 as addresses: only the one
    # canonical spelling of an IPv4 address is accepted.
    if _NUMERIC_LABEL.fullmatch(labels[-1]) and not _dotted_quad(labels):
        raise ValueError("has a numeric host that is not a dotted-quad IPv4 address")
    return host


def _dotted_quad(labels: list[str]) -> bool:
    return len(labels) == 4 and all(
        _OCTET.fullmatch(label) is not None and int(label) < 256 for label in labels
    )


def _path(path: str) -> str:
    """The canonical path: segments checked, unreserved escapes decoded, no final ``/``."""
    if not path:
        return ""
    segments = path[1:].split("/")
    if segments[-1] == "":
        segments.pop()
    return "".join("/" + _segment(segment) for segment in segments)


def _segment(segment: str) -> str:
    if not segment:
        raise ValueError("has an empty path segment")
    if not _SEGMENT.fullmatch(segment):
        raise ValueError("has a character in its path that must be percent-encoded")
    decoded = _ESCAPE.sub(_unescape, segment)
    if not decoded.strip("."):
        raise ValueError("has a dot segment in its path")
    return decoded


def _unescape(match: re.Match[str]) -> str:
    """One ``%XX``: unreserved characters decoded, others upper-cased, some refused."""
    digits = match["hex"]
    if digits is None:
        raise ValueError("has a malformed percent-escape")
    char = chr(int(digits, 16))
    if char in _FORBIDDEN_ESCAPES or ord(char) < 0x20 or ord(char) == 0x7F:
        raise ValueError(f"has an encoded {char!r} in its path")
    return char if char in _UNRESERVED else "%" + digits.upper()


@dataclass(frozen=True, slots=True)
class RegistryPolicy:
    """The base URLs the operator allows as ``pypiBaseUrl``, and the check against them."""

    allowed: tuple[RegistryURL, ...] = ()

    @classmethod
    def from_urls(cls, urls: Iterable[str]) -> RegistryPolicy:
        """Parse the operator's list once; ValueError names an entry that cannot be used."""
        allowed: list[RegistryURL] = []
        for url in urls:
            try:
                allowed.append(parse_registry_url(url))
            except ValueError as error:
                raise ValueError(f"allowed registry {url!r} {error}") from None
        return cls(tuple(allowed))

    def check(self, url: str) -> str:
        """The canonical form of ``url`` if it lies under an allowed base URL.

        Anything else raises ``InvalidParameterError("pypiBaseUrl")``.
        """
        return str(self._match(url)[0])

    def base(self, url: str) -> str:
        """The allowed base URL ``url`` lies under (the longest, if several match).

        Raises like :meth:`check`. Whereas paths below a base are countless, the bases
        are the operator's few: key per-registry state (breakers, limits) by them.
        """
        return str(self._match(url)[1])

    def _match(self, url: str) -> tuple[RegistryURL, RegistryURL]:
        try:
            candidate = parse_registry_url(url)
        except ValueError as error:
            raise InvalidParameterError(PARAMETER, str(error)) from None
        bases = [base for base in self.allowed if base.contains(candidate)]
        if not bases:
            raise InvalidParameterError(PARAMETER, "not an allowed registry")
        return candidate, max(bases, key=lambda base: len(base.path))


#: The policy that allows no custom registry at all.
NO_REGISTRIES = RegistryPolicy()


# -- addresses ----------------------------------------------------------------------------


def address_refusal(address: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why a registry may not be reached at ``address`` (None: it may).

    Unspecified, multicast, reserved and cloud-metadata addresses are always refused;
    loopback, link-local, private and shared (CGNAT) ones unless ``allow_private``.
    IPv4 addresses inside IPv6 ones (mapped, NAT64, 6to4) are judged as IPv4.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = address_refusal(embedded, allow_private=allow_private)
            return None if reason is None else f"{reason} (embedded in IPv6)"
    if address.is_unspecified or (
        isinstance(address, ipaddress.IPv4Address) and address in _THIS_NETWORK
    ):
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if address in METADATA_ADDRESSES:
        return "cloud metadata"
    if address.is_loopback:
        return None if allow_private else "loopback"
    if address.is_link_local:
        return None if allow_private else "link-local"
    if address.is_reserved:
        return "reserved"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return None if allow_private else "site-local"
    if address.is_private or not address.is_global:
        return None if allow_private else "private"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


async def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, through the event loop's resolver."""
    loop = asyncio.get_running_loop()
    found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in found]


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver for registries: every address of a host is checked first.

    ``resolver`` defaults to :func:`resolve` (looked up at each resolution). Every
    address of a host must pass :func:`address_refusal`; one refused address refuses
    the host, with ``InvalidParameterError("pypiBaseUrl")``, before any connection.
    aiohttp connects to the very addresses returned here (and caches them for a few
    seconds), so a second DNS answer cannot slip in between the check and the connect.
    """

    def __init__(self, *, allow_private: bool = False, resolver: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self.resolver = resolver

    async def addresses(self, host: str, port: int) -> list[str]:
        """The checked addresses of ``host``, in the resolver's order, without repeats.

        A host that cannot be resolved raises ``OSError`` (aiohttp reports it as a DNS
        failure, pypins as an unreachable upstream).
        """
        literal = _literal(host)
        found = [literal] if literal is not None else await self._resolve(host, port)
        if not found:
            raise OSError(f"{host} resolves to no address")
        for address in found:
            _refuse(host, address, allow_private=self.allow_private)
        return list(dict.fromkeys(str(address) for address in found))

    async def _resolve(self, host: str, port: int) -> list[IPAddress]:
        resolver = self.resolver if self.resolver is not None else resolve
        try:
            answers = await resolver(host, port)
        except OSError as error:
            raise OSError(f"cannot resolve {host}: {error}") from None
        addresses: list[IPAddress] = []
        for answer in answers:
            address = _literal(answer)
            if address is None:
                raise OSError(f"{host} resolves to {answer!r}, not an address")
            addresses.append(address)
        return addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """aiohttp's entry point: the checked addresses as connection targets."""
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in await self.addresses(host, port)
        ]

    async def close(self) -> None:
        """Nothing to release."""


def _refuse(host: str, address: IPAddress, *, allow_private: bool) -> None:
    reason = address_refusal(address, allow_private=allow_private)
    if reason is not None:
        article = "an" if reason[0] in "aeiou" else "a"
        raise InvalidParameterError(
            PARAMETER, f"{host} resolves to {address}, {article} {reason} address"
        )


@dataclass(frozen=True, slots=True)
class RegistryGuard:
    """The check every registry URL passes before it is requested, redirects included.

    A URL outside the allowed registries raises ``InvalidResponseError``; a host written
    as an address (which aiohttp dials without asking the resolver) must pass
    :func:`address_refusal`, like every address a name resolves to.
    """

    policy: RegistryPolicy
    allow_private: bool = False

    def __call__(self, url: str) -> None:
        try:
            checked = self.policy.check(url)
        except InvalidParameterError as error:
            raise InvalidResponseError(
                f"request to {url[:200]!r} refused: {error.detail or 'not an allowed registry'}"
            ) from None
        host = parse_registry_url(checked).host.strip("[]")
        literal = _literal(host)
        if literal is not None:
            _refuse(host, literal, allow_private=self.allow_private)


def guarded_session(
    *,
    allow_private: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    resolver: Resolver | None = None,
    verify: ssl.SSLContext | bool = True,
) -> aiohttp.ClientSession:
    """The connection pool for custom registries: every address checked, DNS-pinned.

    ```python
    policy = RegistryPolicy.from_urls(["https://pypi.internal.example/pypi"])
    async with guarded_session() as session:
        client = AsyncPyPIClient(
            policy.check(url),
            session=session,
            check_url=RegistryGuard(policy),
            trust_env=False,
        )
    ```

    Give its clients ``trust_env=False``: a proxy would resolve names itself
    (``SSL_CERT_FILE`` still counts). Pair it with a :class:`RegistryGuard`, which vets
    every URL, redirects included.
    """
    return client_session(
        timeout=timeout,
        resolver=GuardedResolver(allow_private=allow_private, resolver=resolver),
        verify=verify,
    )


__all__ = [
    "METADATA_ADDRESSES",
    "NO_REGISTRIES",
    "GuardedResolver",
    "RegistryGuard",
    "RegistryPolicy",
    "RegistryURL",
    "Resolver",
    "address_refusal",
    "guarded_session",
    "parse_registry_url",
    "resolve",
]
