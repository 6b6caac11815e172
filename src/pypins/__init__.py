"""pypins: a fast, self-hostable badge service for PyPI packages, and a PyPI client.

The public API is re-exported here; everything in underscore modules is private::

    import pypins

    package = pypins.get("requests")          # yarg's interface
    svg = pypins.render_svg("pypi", "v2.32.3")  # a badge, in-process
"""

import importlib
import typing

from pypins._version import __version__
from pypins.errors import (
    CircuitOpenError,
    HTTPError,
    InvalidFactsError,
    InvalidNameError,
    InvalidParameterError,
    InvalidResponseError,
    PypinsError,
    UpstreamBusyError,
    UpstreamPendingError,
    UpstreamUnavailableError,
)
from pypins.pypi import (
    Author,
    Downloads,
    FeedEntry,
    Maintainer,
    Package,
    Provenance,
    Publisher,
    Release,
    SimpleFile,
    SimpleProject,
    Vulnerability,
    json2package,
)
from pypins.render import render_json, render_png, render_svg

if typing.TYPE_CHECKING:
    from pypins.client import (
        AsyncPyPIClient,
        PyPIClient,
        get,
        latest_updated_packages,
        newest_packages,
        project_releases,
    )

# The client's own names are imported on first use: the client loads aiohttp, and
# ``import pypins`` runs before every submodule's import (``pypins.badges``, the pure
# layers, must not load an HTTP library).
_CLIENT_NAMES = frozenset(
    {
        "AsyncPyPIClient",
        "PyPIClient",
        "get",
        "latest_updated_packages",
        "newest_packages",
        "project_releases",
    }
)

__all__ = [
    "AsyncPyPIClient",
    "Author",
    "CircuitOpenError",
    "Downloads",
    "FeedEntry",
    "HTTPError",
    "InvalidFactsError",
    "InvalidNameError",
    "InvalidParameterError",
    "InvalidResponseError",
    "Maintainer",
    "Package",
    "Provenance",
    "Publisher",
    "PyPIClient",
    "PypinsError",
    "Release",
    "SimpleFile",
    "SimpleProject",
    "UpstreamBusyError",
    "UpstreamPendingError",
    "UpstreamUnavailableError",
    "Vulnerability",
    "__version__",
    "get",
    "json2package",
    "latest_updated_packages",
    "newest_packages",
    "project_releases",
    "render_json",
    "render_png",
    "render_svg",
]


def __getattr__(name: str) -> object:
    """The client's names (and ``pypins.client`` itself, which ``import pypins`` used to
    load), imported from ``pypins.client`` on first use."""
    if name not in _CLIENT_NAMES and name != "client":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    client = importlib.import_module("pypins.client")  # loads aiohttp: only when asked for
    value = client if name == "client" else getattr(client, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_CLIENT_NAMES, "client"})
