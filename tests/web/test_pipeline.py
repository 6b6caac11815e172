"""The badge pipeline: any exception is an error badge, PNG badges are drawn off the loop."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from pypins.badges import KINDS, Badge
from pypins.errors import UpstreamBusyError
from pypins.render import normalize_color
from pypins.web import pipeline
from pypins.web.asgi import PypinsApp
from pypins.web.pipeline import ERROR_RECHECK, CommonParams, PNGRenderer
from tests.support.clock import FakeClock
from tests.support.upstream import Upstream

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FORMATS = ["svg", "png", "json"]
#: Generous: a wait for an event, never a judgement of speed.
PATIENCE = 30.0


def check_badge(response: httpx.Response, fmt: str) -> str:
    """A well-formed badge in ``fmt`` with HTTP 200; its message where it can be read."""
    assert response.status_code == 200, response.text
    if fmt == "png":
        assert response.headers["content-type"] == "image/png"
        assert response.content.startswith(PNG_SIGNATURE)
        return ""
    if fmt == "json":
        assert response.headers["content-type"] == "application/json"
        data = json.loads(response.content)
        assert data["schemaVersion"] == 1
        message: str = data["message"]
        return message
    assert response.headers["content-type"] == "image/svg+xml;charset=utf-8"
    root = ElementTree.fromstring(response.content)
    return "".join(root.itertext())


def unexpected(app: PypinsApp, stage: str, kind: str) -> float:
    """``pypins_unexpected_errors_total`` of ``stage`` and ``kind`` in ``app``'s metrics."""
    value = app.service.metrics.registry.get_sample_value(
        "pypins_unexpected_errors_total", {"stage": stage, "kind": kind}
    )
    return value or 0.0


def failing(error: BaseException) -> Callable[..., Any]:
    """A function that raises ``error`` whatever it is given."""

    def fail(*args: object, **kwargs: object) -> Any:
        raise error

    return fail


ERRORS = [ValueError("1e5000"), KeyError("info"), RecursionError(), ZeroDivisionError()]


@pytest.fixture
def broken_kind(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Callable[..., Any]], None]:
    """Replace the renderer of a badge kind (``KINDS`` entry) for the test."""

    def replace(segment: str, renderer: Callable[..., Any]) -> None:
        kind = dataclasses.replace(KINDS[segment], renderer=renderer)
        monkeypatch.setitem(KINDS, segment, kind)

    return replace


# Any exception, at any stage, is an error badge


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("error", ERRORS, ids=lambda error: type(error).__name__)
async def test_a_kind_that_raises_is_an_error_badge(
    *,
    app: PypinsApp,
    client: httpx.AsyncClient,
    broken_kind: Callable[[str, Callable[..., Any]], None],
    caplog: pytest.LogCaptureFixture,
    fmt: str,
    error: BaseException,
) -> None:
    """An exception from a kind's renderer is an error badge in the format asked for, a
    short lifetime, a counter and one log line with the traceback; never a 500."""
    broken_kind("v", failing(error))
    with caplog.at_level(logging.ERROR, logger="pypins.web.pipeline"):
        response = await client.get(f"/pypi/v/requests.{fmt}")
    message = check_badge(response, fmt)
    if fmt != "png":
        assert "error" in message
    assert response.headers["cache-control"] == "public, max-age=30, s-maxage=30"
    assert unexpected(app, "badge", "pypi/v") == 1
    (record,) = [record for record in caplog.records if record.name == pipeline.log.name]
    assert record.exc_info is not None
    assert record.exc_info[1] is error
    assert "stage badge of pypi/v for requests" in record.getMessage()
    assert len(app.service.pipeline.rendered) == 0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("target", "stage"),
    [
        ("sources.for_kind", "record"),
        ("common_params", "query"),
        ("validate_name", "query"),
        ("usage_kind", "pipeline"),
    ],
)
async def test_every_stage_answers_with_an_error_badge(
    *,
    app: PypinsApp,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    stage: str,
    fmt: str,
) -> None:
    """The query, the record, the badge and its rendering: whatever raises, the answer is
    an error badge, counted under that stage."""
    if target == "sources.for_kind":

        async def broken(*args: object) -> None:
            raise LookupError("odd record")

        monkeypatch.setattr(app.service.sources, "for_kind", broken)
    else:
        monkeypatch.setattr(pipeline, target, failing(TypeError("odd")))
    response = await client.get(f"/pypi/v/requests.{fmt}")
    check_badge(response, fmt)
    assert unexpected(app, stage, "pypi/v") == 1


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_failing_renderer_is_an_error_badge(
    app: PypinsApp, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """The renderer failing on one badge (not on the error badge) gives the error badge."""
    originals = {name: getattr(pipeline, name) for name in ("render_svg", "render_png")}

    def only_errors(name: str) -> Callable[..., Any]:
        def draw(label: str, message: str, *args: Any, **kwargs: Any) -> Any:
            if message != "error":
                raise RecursionError("maximum recursion depth exceeded")
            return originals[name](label, message, *args, **kwargs)

        return draw

    for name in originals:
        monkeypatch.setattr(pipeline, name, only_errors(name))
    monkeypatch.setattr(pipeline, "render_json", failing(RecursionError()))
    response = await client.get(f"/pypi/v/requests.{fmt}")
    check_badge(response, fmt)
    if fmt == "json":  # the JSON renderer fails on everything: the fixed badge
        assert response.content == pipeline.FALLBACK_JSON
    assert unexpected(app, "render", "pypi/v") == 1


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", ["/pypi/v/requests", "/badge/a-b-blue", "/pypi/v/-nope-"])
async def test_a_renderer_that_always_fails_gives_the_fixed_badge(
    app: PypinsApp, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, fmt: str, path: str
) -> None:
    """Even with nothing drawable, package, static and error badges are well-formed badges
    (the fixed fallback), never kept by pypins."""
    for name in ("render_svg", "render_png", "render_json"):
        monkeypatch.setattr(pipeline, name, failing(MemoryError()))
    response = await client.get(f"{path}.{fmt}")
    check_badge(response, fmt)
    assert response.content == pipeline.fallback_body(fmt)
    assert response.headers["cache-control"] == "public, max-age=30, s-maxage=30"
    assert len(app.hot) == 0


def test_the_fallback_png_is_a_valid_png() -> None:
    """The fixed PNG's chunks have their CRCs, and its pixels fill 37 x 20."""
    png = pipeline.fallback_body("png")
    assert png.startswith(PNG_SIGNATURE)
    position, chunks = len(PNG_SIGNATURE), {}
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + data)
        chunks[kind] = data
        position += 12 + length
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 3 * width)


async def test_the_static_badge_answers_any_exception(
    app: PypinsApp, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A static badge whose parsing raises unexpectedly is an error badge, counted."""
    monkeypatch.setattr(pipeline, "parse_static_path", failing(IndexError()))
    check_badge(await client.get("/badge/a-b-blue.svg"), "svg")
    assert unexpected(app, "query", "static") == 1


async def test_tracebacks_are_logged_once_a_minute_per_cause(
    app: PypinsApp,
    client: httpx.AsyncClient,
    broken_kind: Callable[[str, Callable[..., Any]], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One-off URLs over one failing kind count every time and log one traceback; after
    the interval the next line says how many were left out."""
    broken_kind("v", failing(ValueError("odd")))
    with caplog.at_level(logging.ERROR, logger="pypins.web.pipeline"):
        for n in range(5):
            check_badge(await client.get(f"/pypi/v/requests.svg?label=x{n}"), "svg")
        app.service.pipeline.unexpected.log_interval = 0.0
        check_badge(await client.get("/pypi/v/requests.svg?label=last"), "svg")
    records = [record for record in caplog.records if record.name == pipeline.log.name]
    assert len(records) == 2
    assert unexpected(app, "badge", "pypi/v") == 6
    assert "(4 more since the last report)" in records[-1].getMessage()


async def test_an_unexpected_error_never_stops_a_record_from_being_refreshed(
    *,
    app: PypinsApp,
    client: httpx.AsyncClient,
    upstream: Upstream,
    clock: FakeClock,
    broken_kind: Callable[[str, Callable[..., Any]], None],
    pypi_document: Callable[[str], dict[str, Any]],
) -> None:
    """A record that a kind cannot render gives error badges, kept briefly; the record is
    still refreshed when it goes stale, and the new one's badge is served."""
    render = KINDS["v"].renderer
    document = pypi_document("requests")
    odd_version = document["info"]["version"]

    def odd(facts: Any, params: Any, now: Any) -> Badge:
        if facts.version == odd_version:
            raise ValueError("this release is odd")
        return render(facts, params, now)

    broken_kind("v", odd)
    first = await client.get("/pypi/v/requests.json")
    assert check_badge(first, "json") == "error"
    document["info"]["version"] = "9.0.0"
    upstream.set_json("/pypi/requests/json", document)
    clock.advance(app.service.config.cache_ttl + 1)  # stale: served, refreshed behind
    assert check_badge(await client.get("/pypi/v/requests.json"), "json") == "error"
    await app.service.sources.facts.drain()
    clock.advance(ERROR_RECHECK)
    assert check_badge(await client.get("/pypi/v/requests.json"), "json") == "v9.0.0"
    assert upstream.count("/pypi/requests/json") == 2


ODD_DOCUMENTS: dict[str, Callable[[dict[str, Any]], None]] = {
    "huge version": lambda doc: doc["info"].update(version="1." + "9" * 5000),
    "huge classifier": lambda doc: doc["info"]["classifiers"].append(
        "Programming Language :: Python :: 3." + "1" * 5000
    ),
    "huge requires_python": lambda doc: doc["info"].update(requires_python=">=3." + "9" * 5000),
    "huge framework": lambda doc: doc["info"]["classifiers"].append(
        "Framework :: Django :: " + "4" * 5000
    ),
    "info a list": lambda doc: doc.update(info=[]),
    "classifiers a string": lambda doc: doc["info"].update(classifiers="Python"),
    "urls a number": lambda doc: doc.update(urls=7),
    "file a string": lambda doc: doc.update(urls=["requests.whl"]),
    "huge wheel tag": lambda doc: doc["urls"].append(
        {**doc["urls"][0], "filename": "requests-2.32.3-py" + "3" * 5000 + "-none-any.whl"}
    ),
    "nested deeply": lambda doc: doc["info"].update(license=[[[[[[[[[["MIT"]]]]]]]]]]),
}


@pytest.mark.parametrize("change", sorted(ODD_DOCUMENTS))
@pytest.mark.parametrize(
    "kind",
    [
        "v",
        "pyversions",
        "l",
        "wheel",
        "format",
        "implementation",
        "status",
        "frameworkversions/django",
        "requires-python",
        "platforms",
    ],
)
async def test_odd_upstream_documents_never_give_a_500(
    client: httpx.AsyncClient,
    upstream: Upstream,
    pypi_document: Callable[[str], dict[str, Any]],
    change: str,
    kind: str,
) -> None:
    """Real PyPI documents made odd in one field: every badge is a well-formed badge."""
    document = pypi_document("requests")
    ODD_DOCUMENTS[change](document)
    upstream.set_json("/pypi/requests/json", document)
    for fmt in FORMATS:
        check_badge(await client.get(f"/pypi/{kind}/requests.{fmt}"), fmt)


# PNG badges off the event loop, with a bound


@pytest.fixture
def drawing_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads PNG badges are drawn in, as they are drawn."""
    threads: list[str] = []
    render_png = pipeline.render_png

    def recorded(*args: Any, **kwargs: Any) -> bytes:
        threads.append(threading.current_thread().name)
        return render_png(*args, **kwargs)

    monkeypatch.setattr(pipeline, "render_png", recorded)
    return threads


@pytest.mark.parametrize(
    "path",
    [
        "/pypi/v/requests.png",
        "/badge/build-passing-green.png",
        "/static/v1.png?label=a&message=b",
        "/pypi/v/no-such-package-here.png",
        "/pypi/v/requests.png?style=nonsense",
        "/badge/---.png",
    ],
)
async def test_every_png_is_drawn_off_the_event_loop(
    client: httpx.AsyncClient, drawing_threads: list[str], path: str
) -> None:
    """Package, static and error PNG badges are all drawn in the render thread."""
    check_badge(await client.get(path), "png")
    assert drawing_threads
    assert all(name.startswith("pypins-png") for name in drawing_threads)


class Gate:
    """Holds PNG drawings in their thread until opened; tells when one has started."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.open = threading.Event()
        self.drawn = 0

    def draw(self, badge: Badge, fmt: str, common: CommonParams) -> bytes:
        self.started.set()
        self.open.wait(PATIENCE)
        self.drawn += 1
        return f"{badge.message}".encode()

    async def wait_started(self) -> None:
        assert await asyncio.to_thread(self.started.wait, PATIENCE)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """Every PNG drawing held at a gate the test opens."""
    held = Gate()
    monkeypatch.setattr(pipeline, "draw_badge", held.draw)
    yield held
    held.open.set()


async def test_draws_wait_their_turn_and_the_queue_is_bounded(gate: Gate) -> None:
    """One drawing at a time; ``max_waiting`` more wait; one more is refused at once."""
    renderer = PNGRenderer(renders=1, max_waiting=2)
    badges = [Badge("l", str(n), "blue") for n in range(4)]
    first = asyncio.create_task(renderer.draw(badges[0], CommonParams()))
    await gate.wait_started()
    waiting = [asyncio.create_task(renderer.draw(b, CommonParams())) for b in badges[1:3]]
    while renderer.waiting < 2:
        await asyncio.sleep(0)
    with pytest.raises(UpstreamBusyError):
        await renderer.draw(badges[3], CommonParams())
    assert gate.drawn == 0
    gate.open.set()
    assert await asyncio.gather(first, *waiting) == [b"0", b"1", b"2"]
    assert renderer.waiting == 0
    renderer.close()


async def test_a_cancelled_draw_keeps_its_turn_until_it_is_drawn(gate: Gate) -> None:
    """A request gone while its badge is drawn does not let another drawing start."""
    renderer = PNGRenderer(renders=1, max_waiting=4)
    gone = asyncio.create_task(renderer.draw(Badge("l", "gone", "blue"), CommonParams()))
    await gate.wait_started()
    gone.cancel()
    next_one = asyncio.create_task(renderer.draw(Badge("l", "next", "blue"), CommonParams()))
    while renderer.waiting < 1:
        await asyncio.sleep(0)
    gate.open.set()
    assert await next_one == b"next"
    assert gate.drawn == 2
    renderer.close()


async def test_a_full_queue_is_the_busy_badge(
    app: PypinsApp, client: httpx.AsyncClient, gate: Gate
) -> None:
    """Past the bound a PNG request, badge or error badge, is the busy badge, drawn once
    and never kept."""
    app.service.pipeline.png = PNGRenderer(renders=1, max_waiting=0)
    held = asyncio.create_task(client.get("/badge/held-badge-blue.png"))
    await gate.wait_started()
    refused = [
        asyncio.create_task(client.get(f"/badge/flood-{n}-blue.png?style=flat-square"))
        for n in range(3)
    ]
    # An error badge finds the queue full too: the same busy badge.
    refused.append(asyncio.create_task(client.get("/badge/---.png?style=flat-square")))
    gate.open.set()
    assert (await held).content == b"badge"
    for answer in await asyncio.gather(*refused):
        assert answer.status_code == 200
        assert answer.content == b"busy, retry shortly"
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["retry-after"] == "1"
    assert gate.drawn == 2  # the held badge, and the busy badge once for all four
    assert len(app.hot) == 1


async def test_a_busy_badge_that_fails_to_draw_is_drawn_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failed drawing of the busy badge is not kept: the next busy answer draws it."""
    renderer = PNGRenderer()
    badge = Badge("pypi", "busy, retry shortly", "lightgrey", True)
    monkeypatch.setattr(pipeline, "draw_badge", failing(OSError("no fonts")))
    with pytest.raises(OSError, match="no fonts"):
        await renderer.draw_busy(badge, "flat")
    monkeypatch.undo()
    assert (await renderer.draw_busy(badge, "flat")).startswith(PNG_SIGNATURE)
    assert await renderer.draw_busy(badge, "flat") is await renderer.draw_busy(badge, "flat")
    renderer.close()


# -- the query parameters every badge takes --------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (b"", CommonParams()),
        (b"style=social", CommonParams(style="social")),
        (b"style=popout", CommonParams()),
        (b"style=nope", CommonParams()),
        (b"color=notacolor", CommonParams()),
        (b"color=GREEN", CommonParams(color=normalize_color("green"))),
        (b"colorB=4c1&color=red", CommonParams(color=normalize_color("red"))),
        (b"colorB=4c1", CommonParams(color=normalize_color("4c1"))),
        (b"colorA=blue", CommonParams(label_color=normalize_color("blue"))),
        (b"labelColor=notacolor", CommonParams()),
        (b"maxAge=600", CommonParams(cache_seconds=600)),
        (b"logo=python", CommonParams(logo="python")),
        (b"logo=", CommonParams()),
        (b"logoColor=white", CommonParams(logo_color=normalize_color("white"))),
        (b"logoColor=nope", CommonParams()),
        (b"logoSize=auto", CommonParams(logo_size="auto")),
        (b"logoSize=AUTO", CommonParams()),
        (b"logoWidth=20", CommonParams(logo_width=20)),
        (b"logoWidth=12.5", CommonParams(logo_width=12.5)),
        (b"logoWidth=128", CommonParams(logo_width=128)),
        (b"logoWidth=129", CommonParams()),
        (b"logoWidth=0", CommonParams()),
        (b"logoWidth=-1", CommonParams()),
        (b"logoWidth=1e3", CommonParams()),
        (b"logoWidth=nan", CommonParams()),
        (b"logoWidth=%EF%BC%95", CommonParams()),
        (b"logoWidth=" + b"1" * 40, CommonParams()),
        (b"scale=2", CommonParams(scale=2)),
        (b"scale=3", CommonParams(scale=3)),
        (b"scale=4", CommonParams()),
        (b"scale=%C2%B2", CommonParams()),
        (b"scale=", CommonParams()),
        (b"link=https://a", CommonParams(links=("https://a",))),
        (b"link=https://a&link=https://b", CommonParams(links=("https://a", "https://b"))),
        (b"link=a&link=b&link=c", CommonParams(links=("a", "b"))),
        (b"link=&link=b", CommonParams(links=("b",))),
        (b"link=https://a/" + b"x" * 3000, CommonParams()),
    ],
)
def test_common_params(query: bytes, expected: CommonParams) -> None:
    """Each parameter is read as shields.io reads it: what cannot be used is ignored."""
    assert pipeline.common_params(pipeline.parse_query(query)) == expected


@pytest.mark.parametrize(
    ("query", "name"),
    [
        (b"label=" + b"x" * 300, "label"),
        (b"cacheSeconds=soon", "cacheSeconds"),
        (b"maxAge=-1", "cacheSeconds"),
    ],
)
def test_common_params_refused(query: bytes, name: str) -> None:
    with pytest.raises(pipeline.InvalidParameterError) as raised:
        pipeline.common_params(pipeline.parse_query(query))
    assert raised.value.parameter == name


def test_a_plain_mapping_gives_one_link() -> None:
    """A mapping that is not a parsed query still gives its ``link``."""
    assert pipeline.common_params({"link": "https://a"}).links == ("https://a",)


def test_links_are_bounded_however_many_are_sent() -> None:
    query = b"&".join(b"link=https://a/%d" % i for i in range(60))
    values = pipeline.parse_query(query)
    assert isinstance(values, pipeline.QueryValues)
    assert values.links == ("https://a/0", "https://a/1")


@pytest.mark.parametrize(
    "field",
    [field.name for field in dataclasses.fields(CommonParams)],
)
def test_every_parameter_is_in_the_key(field: str) -> None:
    """Two parameter sets that differ in any field have different keys."""
    changed: dict[str, object] = {
        "style": "social",
        "label": "x",
        "color": "red",
        "label_color": "blue",
        "cache_seconds": 600,
        "registry": "https://r.example/pypi",
        "logo": "python",
        "logo_color": "white",
        "logo_size": "auto",
        "logo_width": 20,
        "links": ("https://a",),
        "scale": 2,
    }
    assert CommonParams().key() != CommonParams(**{field: changed[field]}).key()  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_not_found_badge(fmt: str) -> None:
    """One prepared 404 badge per format, drawn once."""
    response = pipeline.not_found_badge(fmt)
    assert response.status == 404
    assert pipeline.not_found_badge(fmt) is response
    assert b"badge not found" in response.body or fmt == "png"
