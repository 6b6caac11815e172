"""``pypiBaseUrl`` cannot turn pypins into a proxy into the operator's network.

Every refused case is driven through the service and must leave the canary (a loopback
server counting connections and requests) untouched: a registry that is not listed,
spelling tricks, other schemes, redirects out of the listed prefix, and listed host
names whose DNS answer is a private address.
"""

from __future__ import annotations

import itertools
import json
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from pypins.client import AsyncPyPIClient, JSONDocument
from pypins.client._guard import RegistryGuard, RegistryPolicy, guarded_session
from pypins.config import ServiceConfig
from pypins.errors import UpstreamUnavailableError
from pypins.web.service import BadgeService
from tests.security.support import Canary, FakeDNS, TLSRegistry
from tests.support.service import loopback_config
from tests.support.upstream import Upstream

Serve = Callable[[ServiceConfig], Awaitable[httpx.AsyncClient]]
Configure = Callable[..., ServiceConfig]

REFUSED = "invalid query parameter: pypiBaseUrl"


async def badge(
    http: httpx.AsyncClient, registry: str, kind: str = "v", name: str = "requests"
) -> dict[str, str]:
    """The JSON badge of ``name`` read from ``registry``."""
    response = await http.get(f"/pypi/{kind}/{name}.json?pypiBaseUrl={quote(registry, safe='')}")
    assert response.status_code == 200, response.text
    data: dict[str, str] = json.loads(response.content)
    return data


def spell(template: str, upstream: Upstream, canary: Canary) -> str:
    """``template`` with ``{up}``/``{uport}`` (the upstream) and ``{canary}``/``{cport}``."""
    return template.format(
        up=upstream.url, uport=upstream.port, canary=canary.url, cport=canary.port
    )


@pytest.mark.parametrize(
    "template",
    [
        "{canary}/pypi",
        "{canary}",
        "http://127.0.0.1:{uport}@127.0.0.1:{cport}/pypi",
        "http://127.0.0.1:{cport}\\@127.0.0.1:{uport}/pypi",
        "http://127.0.0.1:{cport}#@127.0.0.1:{uport}/pypi",
        "http://127.0.0.1:{cport}?@127.0.0.1:{uport}/pypi",
        "http://127.0.0.1:{uport}/pypi@127.0.0.1:{cport}/pypi",
        "{up}/pypix",
        "{up}/PYPI",
        "{up}/pypi/../../",
        "{up}/pypi/%2e%2e/%2e%2e",
        "{up}/pypi/..%2f..%2f",
        "{up}/pypi?x=1",
        "{up}/pypi\t",
        "\n{up}/pypi",
        "{up}/pypi\r\nHost: 127.0.0.1:{cport}",
        " {up}/pypi",
        "https://127.0.0.1:{uport}/pypi",
        "ftp://127.0.0.1:{cport}/pypi",
        "gopher://127.0.0.1:{cport}/_GET%20/",
        "dict://127.0.0.1:{cport}/info",
        "file:///etc/passwd",
        "ws://127.0.0.1:{cport}/pypi",
        "//127.0.0.1:{cport}/pypi",
        "http:/127.0.0.1:{cport}/pypi",
        "http://2130706433:{cport}/pypi",
        "http://0x7f000001:{cport}/pypi",
        "http://0177.0.0.1:{cport}/pypi",
        "http://127.1:{cport}/pypi",
        "http://[::ffff:127.0.0.1]:{cport}/pypi",
        "http://[::1]:{cport}/pypi",
        "http://127.0.0.1.:{uport}/pypi",
        "http://localhost:{uport}/pypi",
    ],
)
async def test_refused_registries_are_never_contacted(
    serve: Serve,
    registry_config: Configure,
    upstream: Upstream,
    canary: Canary,
    template: str,
) -> None:
    """A pypiBaseUrl outside the listed prefix is a red badge; nothing is contacted."""
    http = await serve(
        registry_config(allowed_registries=(upstream.pypi_url,), allow_private_registries=True)
    )
    data = await badge(http, spell(template, upstream, canary))
    assert (data["message"], data["color"]) == (REFUSED, "red")
    assert canary.settle() == (0, 0)
    assert upstream.total() == 0


@pytest.mark.parametrize("template", ["{up}/pypi", "{up}/pypi/", "HTTP://127.0.0.1:{uport}/pypi"])
async def test_listed_loopback_registry_serves_badges(
    serve: Serve, registry_config: Configure, upstream: Upstream, canary: Canary, template: str
) -> None:
    """With private registries allowed, a listed loopback registry gives the badge."""
    http = await serve(
        registry_config(allowed_registries=(upstream.pypi_url,), allow_private_registries=True)
    )
    data = await badge(http, spell(template, upstream, canary))
    assert data["message"] == "v2.34.2"
    assert upstream.count("/pypi/requests/json") == 1
    assert canary.touched() == 0


async def test_spellings_of_one_registry_share_a_record(
    serve: Serve, registry_config: Configure, upstream: Upstream
) -> None:
    """A registry is kept in its canonical spelling: two spellings, one upstream fetch."""
    http = await serve(
        registry_config(allowed_registries=(upstream.pypi_url,), allow_private_registries=True)
    )
    for spelling in (upstream.pypi_url, f"HTTP://127.0.0.1:{upstream.port}/pypi/"):
        assert (await badge(http, spelling))["message"] == "v2.34.2"
    assert upstream.count("/pypi/requests/json") == 1


async def test_paths_below_one_base_share_its_guard(
    serve: Serve, registry_config: Configure, upstream: Upstream, started: list[BadgeService]
) -> None:
    """Countless registries below one allowed base add one upstream guard, not one each."""
    http = await serve(
        registry_config(allowed_registries=(upstream.url,), allow_private_registries=True)
    )
    assert (await badge(http, upstream.pypi_url))["message"] == "v2.34.2"
    for team in range(5):
        data = await badge(http, f"{upstream.url}/team{team}")
        assert data["message"] == "package or version not found"
    assert upstream.count("/team4/requests/json") == 1
    registries = [name for name in started[0].upstreams.guards if name.startswith("registry:")]
    assert registries == [f"registry:{upstream.url}"]


async def test_loopback_registry_needs_private_registries_allowed(
    serve: Serve, registry_config: Configure, upstream: Upstream
) -> None:
    """A listed registry on a loopback address is refused unless private ones are allowed."""
    http = await serve(registry_config(allowed_registries=(upstream.pypi_url,)))
    data = await badge(http, upstream.pypi_url)
    assert (data["message"], data["color"]) == (REFUSED, "red")
    assert upstream.total() == 0


# Host names resolved by the guard (a fake DNS)


@pytest.mark.parametrize(
    "addresses",
    [
        ["127.0.0.1"],
        ["::1"],
        ["::ffff:127.0.0.1"],
        ["64:ff9b::7f00:1"],
        ["2002:7f00:1::"],
        ["10.1.2.3"],
        ["192.168.0.10"],
        ["172.16.5.4"],
        ["100.64.0.1"],
        ["169.254.169.254"],
        ["fe80::1"],
        ["fc00::1"],
        ["0.0.0.0"],
        ["224.0.0.1"],
        ["93.184.215.14", "127.0.0.1"],
    ],
)
async def test_listed_names_resolving_to_private_addresses_are_refused(
    serve: Serve,
    registry_config: Configure,
    canary: Canary,
    fake_dns: FakeDNS,
    addresses: list[str],
) -> None:
    """A listed host name with any non-public address is refused before connecting."""
    registry = f"http://registry.example:{canary.port}/pypi"
    fake_dns.records["registry.example"] = addresses
    http = await serve(registry_config(allowed_registries=(registry,)))
    data = await badge(http, registry)
    assert (data["message"], data["color"]) == (REFUSED, "red")
    assert fake_dns.lookups == ["registry.example"]
    assert canary.settle() == (0, 0)


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "fd00:ec2::254", "0.0.0.0", "224.0.0.1", "240.0.0.1"]
)
async def test_some_addresses_stay_refused_with_private_registries(
    serve: Serve, registry_config: Configure, canary: Canary, fake_dns: FakeDNS, address: str
) -> None:
    """Cloud metadata, unspecified, multicast and reserved addresses are never registries."""
    registry = f"http://registry.example:{canary.port}/pypi"
    fake_dns.records["registry.example"] = [address]
    http = await serve(
        registry_config(allowed_registries=(registry,), allow_private_registries=True)
    )
    assert (await badge(http, registry))["message"] == REFUSED
    assert canary.settle() == (0, 0)


async def test_listed_name_resolving_to_loopback_works_when_allowed(
    serve: Serve, registry_config: Configure, upstream: Upstream, fake_dns: FakeDNS
) -> None:
    """With private registries allowed, the name is resolved once and its address used."""
    registry = f"http://registry.example:{upstream.port}/pypi"
    fake_dns.records["registry.example"] = ["127.0.0.1"]
    http = await serve(
        registry_config(allowed_registries=(registry,), allow_private_registries=True)
    )
    assert (await badge(http, registry))["message"] == "v2.34.2"
    assert fake_dns.lookups == ["registry.example"]
    assert upstream.count("/pypi/requests/json") == 1


async def test_unknown_names_are_inaccessible(
    serve: Serve, registry_config: Configure, canary: Canary, fake_dns: FakeDNS
) -> None:
    """A listed host name that does not resolve gives the "inaccessible" badge."""
    registry = f"http://missing.example:{canary.port}/pypi"
    http = await serve(registry_config(allowed_registries=(registry,)))
    assert (await badge(http, registry))["message"] == "inaccessible"
    assert fake_dns.lookups == ["missing.example"]
    assert canary.settle() == (0, 0)


# Redirects sent by a listed registry (the loopback upstream)


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("{canary}/pypi/requests/json", "invalid response data"),
        ("//127.0.0.1:{cport}/pypi/requests/json", "invalid response data"),
        ("http://127.0.0.1:{uport}@127.0.0.1:{cport}/pypi/requests/json", "invalid response data"),
        ("http://[::ffff:127.0.0.1]:{cport}/pypi/requests/json", "invalid response data"),
        ("http://2130706433:{cport}/pypi/requests/json", "invalid response data"),
        ("http://localhost:{uport}/pypi/requests/json", "invalid response data"),
        ("https://127.0.0.1:{uport}/pypi/requests/json", "invalid response data"),
        ("/pypi/../elsewhere/json", "invalid response data"),
        ("/pypix/requests/json", "invalid response data"),
        ("/pypi/requests/json?again=1", "invalid response data"),
        ("gopher://127.0.0.1:{cport}/_GET", "invalid response data"),
        ("file:///etc/passwd", "invalid response data"),
    ],
)
async def test_redirects_out_of_the_registry_are_refused(
    serve: Serve,
    registry_config: Configure,
    upstream: Upstream,
    canary: Canary,
    *,
    location: str,
    message: str,
) -> None:
    """A redirect leaving the listed prefix is an error badge; its target is not contacted."""
    upstream.inject(
        "/pypi/requests/json", status=302, headers={"Location": spell(location, upstream, canary)}
    )
    http = await serve(
        registry_config(allowed_registries=(upstream.pypi_url,), allow_private_registries=True)
    )
    data = await badge(http, upstream.pypi_url)
    assert (data["message"], data["color"]) == (message, "lightgrey")
    assert upstream.counts() == {"/pypi/requests/json": 1}
    assert canary.settle() == (0, 0)


async def test_redirects_within_the_registry_are_followed(
    serve: Serve, registry_config: Configure, upstream: Upstream
) -> None:
    """The registry's own canonical-name redirect (django -> Django) is followed."""
    http = await serve(
        registry_config(allowed_registries=(upstream.pypi_url,), allow_private_registries=True)
    )
    data = await badge(http, upstream.pypi_url, name="django")
    assert data["message"] == "v6.1.3"
    assert upstream.counts() == {"/pypi/django/json": 1, "/pypi/Django/json": 1}


@pytest.mark.parametrize(("hops", "message"), [(3, "v2.34.2"), (4, "invalid response data")])
async def test_at_most_three_redirects_are_followed(
    serve: Serve, registry_config: Configure, upstream: Upstream, hops: int, message: str
) -> None:
    """Three redirects inside the registry are followed; a fourth is refused."""
    path = "/pypi/requests/json"
    chain = [path] + [f"/pypi/hop{hop}/json" for hop in range(1, hops)] + [path]
    for source, target in itertools.pairwise(chain):
        upstream.inject(source, status=302, headers={"Location": target}, times=1)
    http = await serve(
        registry_config(allowed_registries=(upstream.pypi_url,), allow_private_registries=True)
    )
    assert (await badge(http, upstream.pypi_url))["message"] == message
    assert upstream.total() == 4  # the first request and three redirects, at most


async def test_download_counts_ignore_the_registry(
    serve: Serve, registry_config: Configure, upstream: Upstream
) -> None:
    """Download badges read pypistats through the default pool, whatever the registry."""
    http = await serve(
        registry_config(allowed_registries=(upstream.pypi_url,), allow_private_registries=True)
    )
    data = await badge(http, upstream.pypi_url, kind="dm")
    assert data["message"].endswith("/month")
    assert upstream.counts() == {"/api/packages/requests/recent": 1}


async def test_proxy_variables_are_ignored(
    monkeypatch: pytest.MonkeyPatch, upstream: Upstream, canary: Canary
) -> None:
    """The service's registry clients use no proxy the environment names: a proxy would
    resolve names itself. (Its PyPI client does.)"""
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(variable, canary.url)
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(variable, raising=False)
    service = BadgeService(loopback_config(upstream, allow_private_registries=True, usage_db="off"))
    try:
        client = service.upstreams.client(upstream.pypi_url)
        assert not client.trust_env
        assert service.upstreams.client().trust_env
        document = await client.get_json("requests")
    finally:
        await service.stop()
    assert document.data is not None
    assert upstream.count("/pypi/requests/json") == 1
    assert canary.settle() == (0, 0)


# HTTPS: the checked address is dialled, the certificate is checked for the name


async def fetch_over_tls(registry: TLSRegistry, name: str, trusted: Path) -> JSONDocument:
    """requests' document from ``https://<name>:<port>/pypi``, trusting one certificate."""
    base = f"https://{name}:{registry.port}/pypi"
    policy = RegistryPolicy.from_urls([base])
    context = ssl.create_default_context(cafile=str(trusted))
    async with guarded_session(allow_private=True, verify=context, timeout=2.0) as session:
        client = AsyncPyPIClient(
            policy.check(base), session=session, check_url=RegistryGuard(policy, allow_private=True)
        )
        return await client.get_json("requests")


async def test_tls_verifies_the_name_while_dialling_the_checked_address(
    tls_registry: Callable[[str], TLSRegistry], fake_dns: FakeDNS
) -> None:
    """The checked address is dialled; SNI and the certificate check use the host name."""
    registry = tls_registry("registry.example")
    fake_dns.records["registry.example"] = ["127.0.0.1"]
    document = await fetch_over_tls(registry, "registry.example", registry.certificate.cert)
    assert document.data is not None
    assert document.data["info"]["name"] == "requests"
    assert registry.server_names == ["registry.example"]
    assert registry.requests == 1


async def test_tls_refuses_a_certificate_for_another_name(
    tls_registry: Callable[[str], TLSRegistry], fake_dns: FakeDNS
) -> None:
    """A trusted certificate for another host name fails the handshake; nothing is sent."""
    registry = tls_registry("other.example")
    fake_dns.records["registry.example"] = ["127.0.0.1"]
    with pytest.raises(UpstreamUnavailableError, match="CERTIFICATE_VERIFY_FAILED"):
        await fetch_over_tls(registry, "registry.example", registry.certificate.cert)
    assert registry.server_names == ["registry.example"]
    assert registry.requests == 0
