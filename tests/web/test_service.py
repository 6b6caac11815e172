"""The badge service end to end, in-process, against the loopback upstream."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from pypins.badges import KINDS, LEGACY_KINDS
from pypins.config import ServiceConfig
from pypins.web.asgi import PypinsApp
from pypins.web.service import BadgeService
from tests.support.clock import FakeClock
from tests.support.upstream import Upstream

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def badge_json(response: httpx.Response) -> dict[str, str]:
    """The JSON badge of a response, checked to be one."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    data: dict[str, str] = json.loads(response.content)
    assert data["schemaVersion"] == 1
    return data


SHIELDS_SEGMENTS = sorted(
    segment for segment, kind in KINDS.items() if segment != "djversions" and not kind.path_params
)


@pytest.mark.parametrize("segment", SHIELDS_SEGMENTS)
async def test_every_shields_kind_answers(client: httpx.AsyncClient, segment: str) -> None:
    """Every shields-style badge answers for a real package with its default label."""
    response = await client.get(f"/pypi/{segment}/requests.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml;charset=utf-8"
    root = ElementTree.fromstring(response.content)
    title = root.find("{http://www.w3.org/2000/svg}title")
    assert title is not None
    assert title.text
    assert title.text.startswith(KINDS[segment].default_label + ":")


@pytest.mark.parametrize("segment", sorted(LEGACY_KINDS))
async def test_every_legacy_kind_answers(client: httpx.AsyncClient, segment: str) -> None:
    """Every pypip.in URL answers with a badge."""
    data = badge_json(await client.get(f"/{segment}/requests/badge.json"))
    assert data["message"]
    assert "not found" not in data["message"]


async def test_one_upstream_fetch_per_package(
    client: httpx.AsyncClient, upstream: Upstream
) -> None:
    """Every kind, style and format of one package costs one upstream fetch."""
    for segment in ("v", "l", "pyversions", "wheel", "format", "status", "implementation"):
        for style in ("flat", "for-the-badge"):
            for ext in ("svg", "json"):
                response = await client.get(f"/pypi/{segment}/requests.{ext}?style={style}")
                assert response.status_code == 200
    await client.get("/v/requests/badge.svg")
    assert upstream.count("/pypi/requests/json") == 1


async def test_name_spellings_share_one_fetch(
    client: httpx.AsyncClient, upstream: Upstream
) -> None:
    """``Django``, ``django`` and ``DJANGO`` are one record and one fetch."""
    for name in ("Django", "django", "DJANGO"):
        assert badge_json(await client.get(f"/pypi/v/{name}.json"))["label"] == "pypi"
    assert upstream.count("/pypi/django/json") == 1


async def test_formats(client: httpx.AsyncClient) -> None:
    """The same badge as SVG, PNG and JSON, each with its content type."""
    svg = await client.get("/pypi/v/requests")
    png = await client.get("/pypi/v/requests.png")
    data = badge_json(await client.get("/pypi/v/requests.json"))
    assert svg.content.startswith(b"<svg")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(PNG_SIGNATURE)
    assert data["label"] == "pypi"
    assert data["message"].startswith("v")


async def test_svg_security_headers(client: httpx.AsyncClient) -> None:
    """SVG badges forbid scripts and sniffing."""
    response = await client.get("/pypi/v/requests.svg")
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_unknown_package_is_a_red_badge(
    client: httpx.AsyncClient, upstream: Upstream
) -> None:
    """A 404 upstream gives shields' not-found badge, cached briefly."""
    data = badge_json(await client.get("/pypi/v/no-such-package-here.json"))
    assert (data["label"], data["message"]) == ("pypi", "package or version not found")
    assert data["color"] in {"red", "#e05d44"}
    await client.get("/pypi/l/no-such-package-here.json")
    assert upstream.count("/pypi/no-such-package-here/json") == 1


@pytest.mark.parametrize("name", ["..", "-bad-", "a b", "x" * 201, "%00", "name!"])
async def test_invalid_names_make_no_request(
    client: httpx.AsyncClient, upstream: Upstream, name: str
) -> None:
    """A name that cannot exist is answered without asking the upstream."""
    response = await client.get(f"/pypi/v/{name}.json")
    if response.status_code == 404:
        return  # not even a badge route (e.g. an empty segment after decoding)
    data = badge_json(response)
    assert data["color"] == "red"
    assert upstream.total() == 0


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("cacheSeconds=-1", "cacheSeconds"),
        ("cacheSeconds=soon", "cacheSeconds"),
        ("pypiBaseUrl=http://169.254.169.254/pypi", "pypiBaseUrl"),
        ("include_prereleases=maybe", "include_prereleases"),
        ("label=" + "x" * 300, "label"),
        ("&".join(f"k{i}=v" for i in range(100)), "query"),
    ],
)
async def test_invalid_query_parameters(
    client: httpx.AsyncClient, upstream: Upstream, query: str, parameter: str
) -> None:
    """Each invalid parameter is a red badge naming it."""
    data = badge_json(await client.get(f"/pypi/v/requests.json?{query}"))
    assert data["message"] == f"invalid query parameter: {parameter}"
    assert data["color"] == "red"


async def test_overrides(client: httpx.AsyncClient) -> None:
    """``label``, ``color`` and ``labelColor`` change the badge; ``style`` is reported in JSON."""
    data = badge_json(
        await client.get(
            "/pypi/v/requests.json?label=release&color=ff0&labelColor=blue&style=flat-square"
        )
    )
    assert data["label"] == "release"
    assert data["labelColor"]
    assert data["style"] == "flat-square"
    assert data["color"] != "blue"


async def test_cache_seconds_only_lengthens(client: httpx.AsyncClient) -> None:
    """``cacheSeconds`` raises max-age and cannot lower it."""
    default = await client.get("/pypi/l/requests.svg")
    longer = await client.get("/pypi/l/requests.svg?cacheSeconds=86400")
    shorter = await client.get("/pypi/l/requests.svg?cacheSeconds=1")
    assert "max-age=3600" in default.headers["cache-control"]
    assert "max-age=86400" in longer.headers["cache-control"]
    assert shorter.headers["cache-control"] == default.headers["cache-control"]


async def test_etag_and_not_modified(client: httpx.AsyncClient) -> None:
    """A matching If-None-Match gets 304 with no body."""
    first = await client.get("/pypi/v/requests.svg")
    etag = first.headers["etag"]
    again = await client.get("/pypi/v/requests.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = await client.get("/pypi/v/requests.svg", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200


async def test_head_and_other_methods(client: httpx.AsyncClient, upstream: Upstream) -> None:
    """HEAD has headers and no body; other methods get 405 without any upstream request."""
    head = await client.head("/pypi/v/requests.svg")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0
    post = await client.post("/pypi/v/six.svg")
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"
    assert upstream.count("/pypi/six/json") == 0


async def test_plain_404_and_414(client: httpx.AsyncClient) -> None:
    """Unknown routes are a 404 and over-long URLs a 414."""
    assert (await client.get("/nope")).status_code == 404
    assert (await client.get("/pypi/unknown-kind/requests")).status_code == 404
    assert (await client.get("/pypi/dm/requests/2.0.0")).status_code == 404
    assert (await client.get("/pypi/v/" + "a" * 3000)).status_code == 414
    assert (await client.get("/pypi/v/a?label=" + "b" * 50_000)).status_code == 414


async def test_djversions_redirects(client: httpx.AsyncClient) -> None:
    """``djversions`` redirects permanently to the Django framework badge, keeping the query."""
    response = await client.get("/pypi/djversions/django-filter.svg?style=flat-square")
    assert response.status_code == 301
    assert response.headers["location"] == (
        "/pypi/frameworkversions/django/django-filter.svg?style=flat-square"
    )
    data = badge_json(await client.get("/pypi/frameworkversions/django/django-filter.json"))
    assert data["label"] == "django versions"


async def test_static_badges(client: httpx.AsyncClient) -> None:
    """``/badge/`` and ``/static/v1`` make static badges without any upstream."""
    data = badge_json(await client.get("/badge/build-passing-brightgreen.json"))
    assert (data["label"], data["message"]) == ("build", "passing")
    data = badge_json(await client.get("/static/v1.json?label=hello&message=world&color=blue"))
    assert (data["label"], data["message"]) == ("hello", "world")
    flat = badge_json(await client.get("/badge/build-passing-green.json?style=nope"))
    assert (flat["message"], flat.get("style")) == ("passing", None)


async def test_pinned_version(client: httpx.AsyncClient, upstream: Upstream) -> None:
    """A version after the package describes that release."""
    data = badge_json(await client.get("/pypi/v/requests/2.0.0.json"))
    assert data["message"] == "v2.0.0"
    assert upstream.count("/pypi/requests/2.0.0/json") == 1


async def test_allowed_registry(client: httpx.AsyncClient, upstream: Upstream) -> None:
    """An operator-allowed ``pypiBaseUrl`` is used; the record is kept apart."""
    await client.get("/pypi/v/requests.json")
    data = badge_json(await client.get(f"/pypi/v/requests.json?pypiBaseUrl={upstream.pypi_url}"))
    assert data["message"].startswith("v")
    assert upstream.count("/pypi/requests/json") == 2


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"status": 503}, "inaccessible"),
        ({"reset": True}, "inaccessible"),
        ({"body": b"{not json"}, "invalid response data"),
        ({"body": b'{"info": 3}'}, "invalid response data"),
        ({"truncate": 50}, "invalid response data"),
    ],
)
async def test_upstream_faults_without_a_record(
    client: httpx.AsyncClient, upstream: Upstream, fault: dict[str, object], message: str
) -> None:
    """Upstream failures give lightgrey error badges and poison nothing."""
    upstream.inject("/pypi/requests/json", **fault)
    data = badge_json(await client.get("/pypi/v/requests.json"))
    assert data["message"] in {message, "inaccessible"}
    upstream.clear_faults()
    # The error badge is remembered only briefly; after that the next request recovers.
    assert badge_json(await client.get("/pypi/v/requests.json?label=again"))["message"].startswith(
        "v"
    )


async def test_stale_record_served_while_upstream_fails(
    client: httpx.AsyncClient, upstream: Upstream, clock: FakeClock, app: PypinsApp
) -> None:
    """Within grace a stale record is served when the upstream fails (stale-if-error)."""
    first = badge_json(await client.get("/pypi/v/requests.json"))
    upstream.inject("*", status=503)
    clock.advance(601)  # stale, within grace
    again = badge_json(await client.get("/pypi/v/requests.json"))
    assert again == first
    await app.service.sources.facts.drain()
    clock.advance(3600)  # past grace
    gone = badge_json(await client.get("/pypi/v/requests.json"))
    assert gone["message"] == "inaccessible"


async def test_index_and_health(client: httpx.AsyncClient) -> None:
    """The index lists every badge kind; /healthz says ok."""
    index = await client.get("/")
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    for segment, kind in KINDS.items():
        if segment != "djversions":
            assert kind.title in index.text
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.text == "ok\n"


async def test_unexpected_error_is_a_500(
    client: httpx.AsyncClient, app: PypinsApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in the service is a plain 500, never a traceback to the client."""

    async def broken(path: str, query: bytes) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(app.service, "respond", broken)
    response = await client.get("/pypi/v/anything")
    assert response.status_code == 500
    assert "Traceback" not in response.text


async def test_lifespan(app: PypinsApp) -> None:
    """Start-up and shutdown are acknowledged."""
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return messages.pop(0)

    async def send(message: dict[str, object]) -> None:
        sent.append(dict(message))

    await app({"type": "lifespan"}, receive, send)  # type: ignore[arg-type]
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


async def test_headers_for_caches_in_front(client: httpx.AsyncClient) -> None:
    """Badges tell shared caches the record's freshness, the grace, and the package."""
    response = await client.get("/pypi/v/Django.svg")
    assert response.headers["cache-control"] == (
        "public, max-age=300, s-maxage=600, stale-while-revalidate=3600, stale-if-error=3600"
    )
    assert response.headers["x-pypins-package"] == "django"
    downloads = await client.get("/pypi/dm/requests.svg")
    assert "s-maxage=43200" in downloads.headers["cache-control"]
    error = await client.get("/pypi/v/requests.svg?cacheSeconds=soon")
    assert error.headers["cache-control"] == "public, max-age=30, s-maxage=30"
    assert "x-pypins-package" not in error.headers


@pytest.mark.parametrize(
    "package",
    sorted(
        p.stem
        for p in (Path(__file__).parents[1] / "fixtures" / "pypi").glob("*.json")
        if not p.stem.startswith("_")
    ),
)
async def test_every_recorded_package_renders(client: httpx.AsyncClient, package: str) -> None:
    """Every badge kind answers for every recorded real package without a server error."""
    for segment in SHIELDS_SEGMENTS:
        response = await client.get(f"/pypi/{segment}/{package}.json")
        data = badge_json(response)
        assert data["message"] not in {"invalid response data", "error"}, (segment, data)
    for segment in sorted(LEGACY_KINDS):
        badge_json(await client.get(f"/{segment}/{package}/badge.json"))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/d/requests/badge.json?period=day", "/day"),
        ("/d/requests/badge.json?period=week", "/week"),
        ("/download/requests/badge.json", "/month"),
    ],
)
async def test_legacy_download_periods(client: httpx.AsyncClient, path: str, message: str) -> None:
    """pypip.in's download badge reads ``?period=``, month by default."""
    assert badge_json(await client.get(path))["message"].endswith(message)


async def test_legacy_version_text(client: httpx.AsyncClient) -> None:
    """pypip.in's version badge picks its label with ``?text=``."""
    assert badge_json(await client.get("/v/requests/badge.json?text=version"))["label"] == "version"
    assert badge_json(await client.get("/version/requests/badge.json"))["label"] == "pypi"


async def test_stale_record_is_revalidated_conditionally(
    client: httpx.AsyncClient, upstream: Upstream, clock: FakeClock, app: PypinsApp
) -> None:
    """A stale record is refreshed with If-None-Match; a 304 keeps it without a new body."""
    first = badge_json(await client.get("/pypi/v/requests.json"))
    entry = app.service.sources.facts.memory.peek("|requests|")
    assert entry is not None
    assert entry.validators.etag
    clock.advance(601)
    assert badge_json(await client.get("/pypi/v/requests.json")) == first
    await app.service.sources.facts.drain()
    refreshed = app.service.sources.facts.memory.peek("|requests|")
    assert refreshed is not None
    assert refreshed.fetched_at == clock.now
    assert refreshed.value is entry.value  # not re-parsed
    assert upstream.count("/pypi/requests/json") == 2


async def test_the_default_client_and_registries_use_their_own_pools() -> None:
    """PyPI's requests go over the default pool; a registry's over the guarded one,
    which checks every address before it is dialled."""
    config = ServiceConfig(allowed_registries=("https://registry.example/simple",))
    service = BadgeService(config)
    default = service.upstreams.client()
    registry = service.upstreams.client("https://registry.example/simple")
    assert default._pool() is service.upstreams.pool()
    assert registry._pool() is service.upstreams.registry_pool()
    assert registry.policy.check_url is not None
    assert default.policy.check_url is None
    await service.stop()
