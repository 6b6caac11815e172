"""A PyPI client with the interface of the classic ``yarg``, sync and async.

```python
from pypins import client

package = client.get("requests")
package.latest_release_id, package.has_wheel, package.python_versions
```
"""

from pypins.client._async import AsyncPyPIClient, client_session
from pypins.client._models import (
    Author,
    Downloads,
    FeedEntry,
    JSONDocument,
    Maintainer,
    Package,
    Provenance,
    Publisher,
    Release,
    SimpleFile,
    SimpleProject,
    Validators,
    Vulnerability,
)
from pypins.client._names import normalize_name, validate_name, validate_version
from pypins.client._parse import json2package, parse_package
from pypins.client._sync import (
    PyPIClient,
    get,
    latest_updated_packages,
    newest_packages,
    project_releases,
)
from pypins.errors import HTTPError

__all__ = [
    "AsyncPyPIClient",
    "Author",
    "Downloads",
    "FeedEntry",
    "HTTPError",
    "JSONDocument",
    "Maintainer",
    "Package",
    "Provenance",
    "Publisher",
    "PyPIClient",
    "Release",
    "SimpleFile",
    "SimpleProject",
    "Validators",
    "Vulnerability",
    "client_session",
    "get",
    "json2package",
    "latest_updated_packages",
    "newest_packages",
    "normalize_name",
    "parse_package",
    "project_releases",
    "validate_name",
    "validate_version",
]
