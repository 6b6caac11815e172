"""A loopback listener that counts the connections made to it: it stands for a host no
request may reach (a Redis next to PyPI, a private registry), and a test asserts it saw
none."""

from __future__ import annotations

import socket
import threading


class Trap:
    """A loopback TCP listener counting the connections made to it (there should be none)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.port: int = self.socket.getsockname()[1]
        self.connections = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        """Stop listening."""
        self._stopping.set()
        self._thread.join()
        self.socket.close()
