"""A PyPI client with the interface of the classic ``yarg``, sync and async.

```python
from pypins import client

package = client.get("requests")
package.latest_release_id, package.has_wheel, package.python_versions
```

This package fetches; reading the answers into records is ``pypins.pypi``'s, whose
records and readers are re-exported here.
"""

from pypins.client._async import AsyncPyPIClient, client_session
from pypins.client._guard import (
    MAX_REDIRECTS,
    NO_REGISTRIES,
    RegistryGuard,
    RegistryPolicy,
    guarded_session,
    parse_registry_url,
)
from pypins.client._http import URLCheck
from pypins.client._sync import (
    PyPIClient,
    get,
    latest_updated_packages,
    newest_packages,
    project_releases,
)
from pypins.errors import HTTPError
from pypins.pypi import (
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
    json2package,
    normalize_name,
    parse_package,
    validate_name,
    validate_version,
)

__all__ = [
    "MAX_REDIRECTS",
    "NO_REGISTRIES",
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
    "RegistryGuard",
    "RegistryPolicy",
    "Release",
    "SimpleFile",
    "SimpleProject",
    "URLCheck",
    "Validators",
    "Vulnerability",
    "client_session",
    "get",
    "guarded_session",
    "json2package",
    "latest_updated_packages",
    "newest_packages",
    "normalize_name",
    "parse_package",
    "parse_registry_url",
    "project_releases",
    "validate_name",
    "validate_version",
]
