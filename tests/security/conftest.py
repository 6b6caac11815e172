"""Fixtures of the security tests: the canary, a fake DNS, pypins apps to attack and
HTTPS registries with their own certificates."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from pypins.client import _guard
from pypins.config import ServiceConfig
from pypins.web.asgi import PypinsApp
from pypins.web.service import BadgeService
from tests.security.support import Canary, Certificate, FakeDNS, TLSRegistry
from tests.support.binaries import require_binary
from tests.support.upstream import Upstream


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    """The guard's resolver, replaced: no security test ever asks a real DNS server."""
    dns = FakeDNS()
    monkeypatch.setattr(_guard, "resolve", dns)
    return dns


@pytest.fixture
def canary() -> Iterator[Canary]:
    """A loopback server that must receive no connection and no request."""
    with Canary() as server:
        yield server


@pytest.fixture
def registry_config(upstream: Upstream) -> Callable[..., ServiceConfig]:
    """A configuration on the loopback upstream, with the given changes."""

    def make(**changes: Any) -> ServiceConfig:
        return ServiceConfig(
            pypi_url=upstream.pypi_url,
            stats_url=upstream.stats_url,
            updates_url=upstream.latest_updates_url,
            timeout=2.0,
            poll_interval=0,
            retries=0,
            usage_db="off",
            **changes,
        )

    return make


@pytest.fixture
def started() -> list[BadgeService]:
    """The services ``serve`` started in this test, in order."""
    return []


@pytest.fixture
async def serve(
    started: list[BadgeService],
) -> AsyncIterator[Callable[[ServiceConfig], Awaitable[httpx.AsyncClient]]]:
    """Start pypins apps in-process; their clients and services are closed afterwards."""
    clients: list[httpx.AsyncClient] = []

    async def start(config: ServiceConfig) -> httpx.AsyncClient:
        app = PypinsApp(BadgeService(config))
        started.append(app.service)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://pypins.test"
        )
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.aclose()
    for service in started:
        await service.stop()


# HTTPS registries (certificates made by the openssl program)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Certificate]:
    """Self-signed certificates by host name, made once per session."""
    openssl = require_binary("openssl")
    made: dict[str, Certificate] = {}

    def make(name: str) -> Certificate:
        if name not in made:
            directory = tmp_path_factory.mktemp("tls")
            cert, key = directory / "cert.pem", directory / "key.pem"
            subprocess.run(
                [
                    openssl, "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "1",
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
                ],
                check=True,
                capture_output=True,
                timeout=30,
            )  # fmt: skip
            made[name] = Certificate(name, cert, key)
        return made[name]

    return make


@pytest.fixture
def tls_registry(
    certificate: Callable[[str], Certificate], fixture_bytes: Callable[[str], bytes]
) -> Iterator[Callable[[str], TLSRegistry]]:
    """Start HTTPS registries serving requests' document under a certificate for a name."""
    with contextlib.ExitStack() as stack:

        def start(name: str) -> TLSRegistry:
            body = fixture_bytes("pypi/requests.json")
            return stack.enter_context(TLSRegistry(certificate(name), body))

        yield start
