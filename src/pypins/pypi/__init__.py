"""PyPI's answers, read: typed records and the one reader of each API's documents. No I/O.

The JSON API's document is read by ``ProjectDocument`` (``parse_package`` builds the
client's ``Package`` from it, ``pypins.badges.facts_from_json`` the badges' facts), the
Simple API's page by ``parse_simple_project``, the Integrity API's provenance by
``parse_provenance``, pypistats' counts by ``parse_stats``, the RSS feeds by the
``parse_*`` feed readers; names and versions are checked by ``validate_name`` and
``validate_version`` before they go into a URL. Pure: the client (``pypins.client``)
fetches, this package reads, and the pure badge layer can import it without an HTTP
library.

```python
from pypins.pypi import ProjectDocument, load_json

document = ProjectDocument(load_json(body))
document.name, document.version, document.highest_live_release()
```
"""

from pypins.pypi._feeds import (
    parse_latest_updates,
    parse_newest_packages,
    parse_project_releases,
)
from pypins.pypi._models import (
    PROJECT_STATUSES,
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
from pypins.pypi._names import (
    MAX_NAME_LENGTH,
    MAX_VERSION_LENGTH,
    normalize_name,
    validate_name,
    validate_version,
)
from pypins.pypi._parse import (
    INTEGRITY_JSON,
    SIMPLE_JSON,
    ProjectDocument,
    check_project_answer,
    highest_version,
    holds_huge_number,
    json2package,
    load_json,
    load_object,
    max_number_digits,
    parse_package,
    parse_provenance,
    parse_simple_project,
    parse_stats,
    releases_from_simple,
    same_version,
)

__all__ = [
    "INTEGRITY_JSON",
    "MAX_NAME_LENGTH",
    "MAX_VERSION_LENGTH",
    "PROJECT_STATUSES",
    "SIMPLE_JSON",
    "Author",
    "Downloads",
    "FeedEntry",
    "JSONDocument",
    "Maintainer",
    "Package",
    "ProjectDocument",
    "Provenance",
    "Publisher",
    "Release",
    "SimpleFile",
    "SimpleProject",
    "Validators",
    "Vulnerability",
    "check_project_answer",
    "highest_version",
    "holds_huge_number",
    "json2package",
    "load_json",
    "load_object",
    "max_number_digits",
    "normalize_name",
    "parse_latest_updates",
    "parse_newest_packages",
    "parse_package",
    "parse_project_releases",
    "parse_provenance",
    "parse_simple_project",
    "parse_stats",
    "releases_from_simple",
    "same_version",
    "validate_name",
    "validate_version",
]
