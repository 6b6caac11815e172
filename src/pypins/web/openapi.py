"""The OpenAPI description of the service, published at ``/openapi.json``."""

from __future__ import annotations

import json

from pypins._version import __version__


def document() -> bytes:
    """The OpenAPI 3.1 document describing every route pypins serves."""
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "pypins", "version": __version__},
        "paths": {},
    }
    return json.dumps(spec).encode()
