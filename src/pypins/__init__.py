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
    Provenance,
    Publisher,
    PyPIClient,
    Release,
    SimpleFile,
    SimpleProject,
    Vulnerability,
    get,
    json2package,
    latest_updated_packages,
    newest_packages,
    project_releases,
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
    UpstreamPendingError,
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
