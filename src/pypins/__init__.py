"""pypins: a fast, self-hostable badge service for PyPI packages, and a PyPI client.

The public API is re-exported here; everything in underscore modules is private::

    import pypins

    package = pypins.get("requests")          # yarg's interface
    svg = pypins.render_svg("pypi", "v2.32.3")  # a badge, in-process
"""

from pypins._version import __version__
from pypins.client import (
    AsyncPyPIClient,
    Author,
    Downloads,
    FeedEntry,
    Maintainer,
    Package,
    PyPIClient,
    Release,
    Vulnerability,
    get,
    json2package,
    latest_updated_packages,
    newest_packages,
)
from pypins.errors import (
    CircuitOpenError,
    HTTPError,
    InvalidFactsError,
    InvalidNameError,
    InvalidParameterError,
    InvalidResponseError,
    PypinsError,
    UpstreamBusyError,
    UpstreamUnavailableError,
)
from pypins.render import render_json, render_png, render_svg

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
    "PyPIClient",
    "PypinsError",
    "Release",
    "UpstreamBusyError",
    "UpstreamUnavailableError",
    "Vulnerability",
    "__version__",
    "get",
    "json2package",
    "latest_updated_packages",
    "newest_packages",
    "render_json",
    "render_png",
    "render_svg",
]
