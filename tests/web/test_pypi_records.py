"""The records badges read beside the JSON API's: the Simple API's release list and
PEP 792 status, a file's PEP 740 provenance; and answers that describe another package."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from pypins.badges import KINDS, LEGACY_KINDS
from pypins.config import ServiceConfig
from pypins.render import STYLES
from pypins.web.asgi import PypinsApp
from tests.support.upstream import Upstream, iter_fixture_names

FIXTURES = list(iter_fixture_names())

#: Every badge that reads PyPI, as a JSON URL template (download counts read pypistats).
PYPI_BADGES = [
    *(
        f"/pypi/{segment}/{{name}}.json"
        for segment, kind in sorted(KINDS.items())
        if kind.source != "stats" and not kind.path_params and segment != "djversions"
    ),
    "/pypi/v/{name}.json?include_prereleases",
    "/pypi/frameworkversions/django/{name}.json",
    *(
        f"/{segment}/{{name}}/badge.json"
        for segment, kind in sorted(LEGACY_KINDS.items())
        if kind.source != "stats"
    ),
]


async def badges(client: httpx.AsyncClient, name: str) -> dict[str, tuple[str, str]]:
    """Every PyPI badge of ``name``: URL to (message, colour)."""
    found = {}
    for template in PYPI_BADGES:
        url = template.format(name=name)
        response = await client.get(url)
        assert response.status_code == 200, url
        data = json.loads(response.content)
        found[url] = (data["message"], data["color"])
    return found


def asgi_client(app: PypinsApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pypins.test")


@pytest.mark.parametrize("name", FIXTURES)
async def test_without_releases_every_badge_says_the_same(
    name: str,
    upstream: Upstream,
    config: ServiceConfig,
    make_app: Callable[[ServiceConfig], PypinsApp],
) -> None:
    """With every recorded document stripped of ``releases``, every badge is unchanged,
    and the Simple API's page (read by the project status too) is asked for once."""
    # The stand-in renders a page once and keeps it: rendered beforehand, so that the
    # largest (boto3's, numpy's) never meet the service's 2 s timeout on a busy machine.
    await asyncio.to_thread(upstream.answer, f"/simple/{name}/")
    async with asgi_client(make_app(config)) as client:
        before = await badges(client, name)
    upstream.reset_counts()
    upstream.strip_releases = True
    await asyncio.to_thread(upstream.answer, f"/simple/{name}/")
    async with asgi_client(make_app(config)) as client:
        after = await badges(client, name)
    assert after == before
    counts = upstream.counts()
    simple = {path: count for path, count in counts.items() if path.startswith("/simple/")}
    assert simple == {f"/simple/{name}/": 1}


async def test_wagtail_prerelease_without_releases(
    client: httpx.AsyncClient, upstream: Upstream
) -> None:
    """wagtail's 8.1rc1 shows with ``include_prereleases`` when ``releases`` is gone, at
    two requests (the JSON API's, then the Simple API's), and the plain badge at one."""
    upstream.strip_releases = True
    plain = json.loads((await client.get("/pypi/v/wagtail.json")).content)
    assert plain["message"] == "v8.0.1"
    assert upstream.counts() == {"/pypi/wagtail/json": 1}
    response = await client.get("/pypi/v/wagtail.json?include_prereleases")
    assert json.loads(response.content)["message"] == "v8.1rc1"
    assert upstream.counts() == {"/pypi/wagtail/json": 1, "/simple/wagtail/": 1}
    for _ in range(3):
        await client.get("/pypi/v/wagtail.svg?include_prereleases&style=flat-square")
    assert upstream.total() == 2


async def test_with_releases_a_package_costs_one_request(
    client: httpx.AsyncClient, upstream: Upstream
) -> None:
    """While ``releases`` is there, no badge but the project status asks the Simple API."""
    for url in ("/pypi/v/wagtail.json?include_prereleases", "/pypi/l/wagtail.json"):
        assert (await client.get(url)).status_code == 200
    assert upstream.counts() == {"/pypi/wagtail/json": 1}


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/pypi/attestations/sampleproject", b"github pypa/sampleproject"),
        ("/pypi/project-status/django", b"active"),
    ],
)
async def test_the_new_badges_in_every_style_and_format(
    client: httpx.AsyncClient, style: str, path: str, text: bytes
) -> None:
    """The attestations and project-status badges in every style, as SVG, PNG and JSON."""
    for extension, content_type in (
        ("svg", "image/svg+xml;charset=utf-8"),
        ("png", "image/png"),
        ("json", "application/json"),
    ):
        response = await client.get(f"{path}.{extension}?style={style}")
        assert response.status_code == 200
        assert response.headers["content-type"] == content_type
        if extension == "json":
            assert text in response.content
        elif extension == "svg":
            # for-the-badge draws its texts in capitals, as shields does
            assert (text.upper() if style == "for-the-badge" else text) in response.content
        else:
            assert response.content.startswith(b"\x89PNG")


# PEP 792: the project status


@pytest.mark.parametrize(
    ("status", "color"),
    [
        (None, "brightgreen"),
        ("archived", "orange"),
        ("deprecated", "orange"),
        ("quarantined", "red"),
    ],
)
async def test_project_status(
    client: httpx.AsyncClient, upstream: Upstream, status: str | None, color: str
) -> None:
    """The Simple API's status, one request, whatever the JSON API says (a quarantined
    project is a 404 there)."""
    if status is not None:
        upstream.set_project_status("django", status)
    for style in ("flat", "plastic"):
        response = await client.get(f"/pypi/project-status/Django.json?style={style}")
        assert json.loads(response.content) | {"style": None} == {
            "schemaVersion": 1,
            "label": "status",
            "message": status or "active",
            "color": color,
            "style": None,
        }
    assert upstream.counts() == {"/simple/django/": 1}
    if status == "quarantined":
        version = json.loads((await client.get("/pypi/v/django.json")).content)
        assert version["message"] == "package or version not found"


async def test_project_status_of_an_unknown_package(client: httpx.AsyncClient) -> None:
    """An unknown project is "package not found", in red."""
    data = json.loads((await client.get("/pypi/project-status/no-such-package.json")).content)
    assert (data["message"], data["color"]) == ("package not found", "red")


async def test_project_status_refuses_another_projects_page(
    client: httpx.AsyncClient, app: PypinsApp, upstream: Upstream
) -> None:
    """A Simple API page of another project is invalid response data, not cached."""
    upstream.inject("/simple/six/", body=(upstream.fixtures / "pypi/flask.json").read_bytes())
    data = json.loads((await client.get("/pypi/project-status/six.json")).content)
    assert data["message"] == "invalid response data"
    upstream.clear_faults()
    app.service.sources.index._failures.clear()  # the failure back-off, waited out
    app.hot.clear()
    data = json.loads((await client.get("/pypi/project-status/six.json")).content)
    assert data["message"] == "active"


# PEP 740: attestations


async def test_attestations_name_the_trusted_publisher(
    client: httpx.AsyncClient, upstream: Upstream
) -> None:
    """sampleproject's sdist was published from GitHub; one Integrity API request, asked
    only for this badge, and kept."""
    for _ in range(3):
        data = json.loads((await client.get("/pypi/attestations/sampleproject.json")).content)
        assert (data["message"], data["color"]) == ("github pypa/sampleproject", "green")
    assert upstream.counts() == {
        "/pypi/sampleproject/json": 1,
        "/integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz/provenance": 1,
    }
    pinned = await client.get("/pypi/attestations/sampleproject/4.0.0.json")
    assert json.loads(pinned.content)["message"] == "github pypa/sampleproject"


@pytest.mark.parametrize(
    ("name", "message", "color"),
    [
        ("docopt", "none", "lightgrey"),
        ("no-such-package", "package or version not found", "red"),
    ],
)
async def test_attestations_without_provenance(
    client: httpx.AsyncClient, name: str, message: str, color: str
) -> None:
    """A file without provenance (the Integrity API's 404) is ``none``; an unknown
    package is not found."""
    data = json.loads((await client.get(f"/pypi/attestations/{name}.json")).content)
    assert (data["message"], data["color"]) == (message, color)


async def test_attestations_of_a_release_without_files(
    client: httpx.AsyncClient, upstream: Upstream
) -> None:
    """A release without files attests nothing, and asks the Integrity API nothing."""
    upstream.set_json("/pypi/bare/json", {"info": {"name": "bare", "version": "1.0"}, "urls": []})
    data = json.loads((await client.get("/pypi/attestations/bare.json")).content)
    assert data["message"] == "none"
    assert not any(path.startswith("/integrity/") for path in upstream.counts())


async def test_attestations_refuse_another_files_provenance(
    client: httpx.AsyncClient, upstream: Upstream
) -> None:
    """Provenance attesting another file is invalid response data."""
    wheel = "sampleproject-4.0.0-py3-none-any.whl"
    path = "/integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz/provenance"
    other = upstream.fixtures / f"integrity/sampleproject/4.0.0/{wheel}.provenance.json"
    upstream.inject(path, body=other.read_bytes())
    data = json.loads((await client.get("/pypi/attestations/sampleproject.json")).content)
    assert data["message"] == "invalid response data"


# An answer must answer the question


async def test_another_packages_document_is_never_cached(
    client: httpx.AsyncClient, app: PypinsApp, upstream: Upstream
) -> None:
    """A JSON API answer describing another project is an error badge and leaves no
    record: once the upstream answers rightly, the right badge shows."""
    upstream.inject("/pypi/six/json", body=(upstream.fixtures / "pypi/flask.json").read_bytes())
    data = json.loads((await client.get("/pypi/v/six.json")).content)
    assert data["message"] == "invalid response data"
    assert app.service.sources.facts.memory.peek("|six|") is None
    upstream.clear_faults()
    app.service.sources.facts._failures.clear()  # the failure back-off, waited out
    app.hot.clear()
    data = json.loads((await client.get("/pypi/v/six.json")).content)
    assert data["message"] == "v1.17.0"
