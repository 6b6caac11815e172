"""pypins: a fast, self-hostable badge service for PyPI packages, and a PyPI client.

The public API is re-exported here; everything in underscore modules is private.
"""

from pypins._version import __version__
from pypins.errors import (
    HTTPError,
    InvalidNameError,
    InvalidResponseError,
    PypinsError,
    UpstreamUnavailableError,
)

__all__ = [
    "HTTPError",
    "InvalidNameError",
    "InvalidResponseError",
    "PypinsError",
    "UpstreamUnavailableError",
    "__version__",
]
