"""``pypins info``: a readable (or JSON) summary of a package on PyPI.

Exit status: 0 on success; 1 when the package is unknown or the upstream fails
(one line on stderr); 2 for a name that cannot be a PyPI name (a usage error).
"""

from __future__ import annotations

import json
from typing import Any

import click

from pypins.cli import setting_option
from pypins.client import Package, PyPIClient
from pypins.config import SETTINGS
from pypins.errors import HTTPError, InvalidNameError, PypinsError
from pypins.settings import DEFAULT_TIMEOUT

#: The formats shown for the latest release, in this order.
_FORMATS = ("wheel", "source", "egg")


def _formats(package: Package) -> list[str]:
    """The kinds of files in the latest release (wheel, source, egg, then others)."""
    found = {file.package_type for file in package.latest_release}
    return [kind for kind in _FORMATS if kind in found] + sorted(found - set(_FORMATS))


def _links(package: Package) -> dict[str, str]:
    """The package's links: PyPI page, homepage, docs, bug tracker and project URLs."""
    links: dict[str, str] = {}
    for label, url in (
        ("PyPI", package.pypi_url),
        ("Homepage", package.homepage),
        ("Documentation", package.docs),
        ("Bug tracker", package.bugtracker),
    ):
        if url:
            links[label] = url
    for label, url in package.project_urls.items():
        if url not in links.values():
            links.setdefault(label, url)
    return links


def _version_key(version: str) -> tuple[int, ...]:
    """``3.9`` before ``3.10``."""
    return tuple(int(part) for part in version.split("."))


def _person(name: str | None, email: str | None) -> str | None:
    """``Name <email>`` (or whichever of the two the package gives)."""
    if name and email:
        return f"{name} <{email}>" if "," not in email else f"{name} ({email})"
    return name or email or None


def _license(package: Package) -> str | None:
    """The licence to show: the PEP 639 expression, a short licence field, or a classifier."""
    text = package.license
    short = text if text and len(text) <= 40 and "\n" not in text else None
    return package.license_expression or short or package.license_from_classifiers or text


def summary(package: Package) -> dict[str, Any]:
    """The facts ``pypins info`` shows, as a JSON-ready mapping."""
    latest = package.latest_release
    return {
        "name": package.name,
        "normalized_name": package.normalized_name,
        "version": package.latest_release_id,
        "summary": package.summary,
        "author": dict(package.author._asdict()),
        "maintainer": dict(package.maintainer._asdict()),
        "license": _license(package),
        "license_expression": package.license_expression,
        "requires_python": package.requires_python,
        "python_versions": sorted(package.python_versions, key=_version_key),
        "implementations": package.python_implementations,
        "formats": _formats(package),
        "uploaded": min(file.uploaded for file in latest).isoformat() if latest else None,
        "releases": len(package.release_ids),
        "yanked": package.yanked or package.release_yanked(package.latest_release_id),
        "vulnerabilities": [v.id for v in package.vulnerabilities],
        "links": _links(package),
    }


def _text(facts: dict[str, Any]) -> str:
    """The human-readable form of ``summary``."""

    def listed(values: list[str]) -> str:
        return ", ".join(values) if values else "-"

    license_text = facts["license"] or "-"
    if len(license_text) > 60 or "\n" in license_text:
        license_text = license_text.splitlines()[0][:57] + "..."
    rows = [
        ("Author", _person(**facts["author"]) or "-"),
    ]
    maintainer = _person(**facts["maintainer"])
    if maintainer and maintainer != rows[0][1]:
        rows.append(("Maintainer", maintainer))
    rows += [
        ("License", license_text),
        ("Requires Python", facts["requires_python"] or "-"),
        ("Python versions", listed(facts["python_versions"])),
        ("Implementations", listed(facts["implementations"])),
        ("Latest release", listed(facts["formats"])),
        ("Uploaded", (facts["uploaded"] or "-")[:10]),
        ("Releases", str(facts["releases"])),
    ]
    if facts["yanked"]:
        rows.append(("Yanked", "yes"))
    if facts["vulnerabilities"]:
        rows.append(("Vulnerabilities", listed(facts["vulnerabilities"])))
    rows.extend(facts["links"].items())
    width = max(len(label) for label, _ in rows) + 2
    lines = [f"{facts['name']} {facts['version']}"]
    if facts["summary"]:
        lines.append(f"  {facts['summary']}")
    lines.append("")
    lines.extend(f"{label + ':':<{width}}{value}" for label, value in rows)
    return "\n".join(lines)


@click.command("info")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@setting_option(SETTINGS["pypi_url"])
@click.option(
    "--timeout", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT, show_default=True
)
def info(name: str, as_json: bool, pypi_url: str, timeout: float) -> None:
    """Show a summary of package NAME on PyPI."""
    try:
        with PyPIClient(pypi_url, timeout=timeout) as client:
            package = client.get(name)
    except InvalidNameError as exc:
        raise click.UsageError(str(exc)) from None
    except HTTPError as exc:
        if exc.status_code == 404:
            message = f"pypins: package {name!r} not found on {pypi_url}"
        else:
            message = f"pypins: {pypi_url} answered {exc.status_code} {exc.reason}"
        click.echo(message, err=True)
        raise SystemExit(1) from None
    except PypinsError as exc:
        click.echo(f"pypins: {exc}", err=True)
        raise SystemExit(1) from None
    facts = summary(package)
    if as_json:
        click.echo(json.dumps(facts, indent=2, ensure_ascii=False))
    else:
        click.echo(_text(facts))
