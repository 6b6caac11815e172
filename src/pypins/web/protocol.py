"""The HTTP/1.1 protocol ``pypins serve`` runs: uvicorn's, answering cached badges itself.

:class:`PypinsProtocol` is uvicorn's httptools protocol (llhttp's parser on uvloop)
with one addition. When a request's headers are complete and it is a ``GET`` or
``HEAD`` for a fresh entry of the app's hot index (:meth:`PypinsApp.lookup`), the
protocol writes the prepared bytes at once, in one ``write``. No ASGI scope, task or
message is made for it. The tallies, metrics and access log are the same as on the
ASGI path.

Every other request goes the ASGI way unchanged: a miss, another method, HTTP/1.0, an
upgrade, a request pipelined behind one still being answered, and a client that does
not read what it was sent (uvicorn then waits for the socket to drain). Its ASGI scope
is made only then, once its headers are in.

Answered in the parser callback, a cached badge costs no ASGI scope, task or message,
which are most of its cost behind an ASGI server; ``bench/servers.py`` measures it
against uvicorn's and granian's ASGI paths.
It extends uvicorn's protocol class, which is not a public API, so ``pyproject.toml``
pins uvicorn's minor version, and ``tests/web/test_protocol.py`` tests both paths.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import unquote

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from pypins.web.asgi import PypinsApp
from pypins.web.http import header_lines, not_modified

__all__ = ["PypinsProtocol"]

#: Request methods answered from the hot index, as httptools gives them.
_READ_METHODS = frozenset({b"GET", b"HEAD"})


class _Answered:
    """What ``cycle`` holds after a request answered here.

    uvicorn's parser callbacks (a body arriving, the message ending, the connection
    lost, a shutdown) ask the current cycle whether its response is complete; this one
    always is, and nothing waits on its event.
    """

    response_complete = True
    keep_alive = True
    message_event = asyncio.Event()


_ANSWERED: Any = _Answered()


class PypinsProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, with cached badges answered in the parser callback."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.pypins = find_app(self.app)
        self._defaults: list[tuple[bytes, bytes]] | None = None
        self._default_lines = b""

    def on_message_begin(self) -> None:
        """Start a request: its URL and headers; the ASGI scope is made only if needed."""
        self.url = b""
        self.headers = []
        self.expect_100_continue = False

    def on_headers_complete(self) -> None:
        """Answer a cached badge here, or hand the request to uvicorn's ASGI path."""
        if self._answer_cached():
            return
        # A hot answer just before, in the same packet, armed the keep-alive timer: no
        # timer may run while this request is answered.
        self._unset_keepalive_if_required()
        # uvicorn's own start of a request (the scope), with what was parsed since.
        url, headers, expect = self.url, self.headers, self.expect_100_continue
        super().on_message_begin()
        self.url, self.expect_100_continue = url, expect
        self.headers = self.scope["headers"] = headers
        super().on_headers_complete()

    def _answer_cached(self) -> bool:
        """Write the hot index's answer to the request just parsed; whether it had one."""
        app = self.pypins
        parser = self.parser
        method = parser.get_method()
        if (
            app is None
            or method not in _READ_METHODS
            or parser.get_http_version() != "1.1"
            or not parser.should_keep_alive()
            or parser.should_upgrade()
            or (self.cycle is not None and not self.cycle.response_complete)
            or self.flow.write_paused
        ):
            return False
        url = self.url
        if url[:1] != b"/" or b"#" in url:
            return False  # absolute-form, or a fragment: uvicorn's URL parser decides
        started = time.perf_counter() if app.access_log is not None else 0.0
        raw_path, _, query = url.partition(b"?")
        served = app.lookup(raw_path, query)
        if served is None:
            return False
        response = served.response
        etag = response.etag
        if etag is not None and not_modified(self.headers, etag):
            head = response.not_modified_head()
            body = b""
            tag = served.tag.not_modified
        else:
            head = response.head()
            body = b"" if method == b"HEAD" else response.body
            tag = served.tag
        self.transport.write(b"".join((head, self._server_lines(), b"\r\n", body)))
        app.count(tag)
        if app.access_log is not None:
            app.log(
                method.decode("ascii"),
                _decoded_path(raw_path),
                query,
                served=served,
                tag=tag,
                cache="hot",
                took=time.perf_counter() - started,
            )
        self.cycle = _ANSWERED
        self.on_response_complete()
        return True

    def _server_lines(self) -> bytes:
        """uvicorn's default header lines (``date``), rebuilt when uvicorn renews them."""
        defaults = self.server_state.default_headers
        if defaults is not self._defaults:
            self._defaults = defaults
            self._default_lines = header_lines(defaults)
        return self._default_lines


def find_app(app: object) -> PypinsApp | None:
    """The :class:`PypinsApp` under uvicorn's middleware (``app.app`` chains), if any."""
    for _ in range(8):
        if isinstance(app, PypinsApp):
            return app
        app = getattr(app, "app", None)
        if app is None:
            break
    return None


def _decoded_path(raw_path: bytes) -> str:
    """The path as uvicorn puts it in the ASGI scope (percent-decoded)."""
    return unquote(raw_path.decode("latin-1"))
