"""``pypins info`` against the loopback upstream, through ``pypins.cli.main``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pypins.cli import main
from pypins.cli._info import info
from tests.support.upstream import Upstream


def _run(upstream: Upstream, *args: str, **env: str) -> Result:
    runner = CliRunner()
    if "PYPINS_PYPI_URL" not in env:
        args = (*args, "--pypi-url", upstream.pypi_url)
    return runner.invoke(main, ["info", *args], env=env)


def test_text_summary(upstream: Upstream) -> None:
    """The text form names the package, its licence, Pythons, formats and links."""
    result = _run(upstream, "requests")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "requests 2.34.2"
    assert lines[1] == "  Python HTTP for Humans."
    text = result.stdout
    assert "License:         Apache-2.0" in text
    assert "Python versions: 3.10, 3.11, 3.12, 3.13, 3.14, 3.15" in text
    assert "Implementations: CPython, PyPy" in text
    assert "Latest release:  wheel, source" in text
    assert "PyPI:            https://pypi.org/project/requests/" in text
    assert "Source:          https://github.com/psf/requests" in text
    assert result.stderr == ""


def test_json_summary(upstream: Upstream) -> None:
    """``--json`` prints one JSON object with the same facts."""
    result = _run(upstream, "ecdsa", "--json")
    assert result.exit_code == 0, result.output
    facts: dict[str, Any] = json.loads(result.stdout)
    assert facts["name"] == "ecdsa"
    assert facts["version"] == "0.19.2"
    assert facts["license"] == "MIT"
    assert facts["python_versions"][:3] == ["2.6", "2.7", "3.6"]
    assert facts["formats"] == ["wheel", "source"]
    assert "GHSA-wj6h-64fc-37mp" in facts["vulnerabilities"]
    assert facts["links"]["PyPI"] == "https://pypi.org/project/ecdsa/"
    assert facts["uploaded"].startswith("20")
    assert facts["yanked"] is False


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pillow", "MIT-CMU"),
        ("django-filter", "BSD License"),
        ("pythonslm", "GNU LESSER GENERAL PUBLIC LICENSE..."),
        ("sklearn", "-"),
    ],
)
def test_licence_shown(upstream: Upstream, name: str, expected: str) -> None:
    """Expression first, then a short licence field, then the classifiers."""
    result = _run(upstream, name)
    assert result.exit_code == 0, result.output
    (line,) = [row for row in result.stdout.splitlines() if row.startswith("License:")]
    assert line.split(":", 1)[1].strip() == expected


@pytest.mark.parametrize(
    ("name", "author", "maintainer"),
    [
        (
            "requests",
            "Kenneth Reitz <me@kennethreitz.org>",
            (
                "Ian Stapleton Cordasco, Nate Prewitt "
                "(graffatcolmingov@gmail.com, nate.prewitt@gmail.com)"
            ),
        ),
        ("six", "Benjamin Peterson <benjamin@python.org>", None),
        ("flask", "-", "Pallets <contact@palletsprojects.com>"),
        ("yarg", "Kura <kura@kura.io>", None),
    ],
)
def test_author_and_maintainer_shown(
    upstream: Upstream, name: str, author: str, maintainer: str | None
) -> None:
    """The author always, the maintainer when there is one other than the author."""
    result = _run(upstream, name)
    assert result.exit_code == 0, result.output
    rows = {
        label: value.strip()
        for label, _, value in (row.partition(":") for row in result.stdout.splitlines())
        if label in {"Author", "Maintainer"}
    }
    assert rows.get("Author") == author
    assert rows.get("Maintainer") == maintainer


def test_json_has_author_and_maintainer(upstream: Upstream) -> None:
    facts = json.loads(_run(upstream, "httpx", "--json").stdout)
    assert facts["author"] == {"name": "Tom Christie", "email": "tom@tomchristie.com"}
    assert facts["maintainer"] == {"name": None, "email": None}


def test_long_free_text_licence_is_cut(upstream: Upstream, pypi_document: Any) -> None:
    """A licence field holding a whole licence text is cut to one short line."""
    document = pypi_document("six")
    document["info"]["license"] = "Permission is hereby granted, free of charge,\n" * 20
    document["info"]["classifiers"] = []
    upstream.set_json("/pypi/six/json", document)
    result = _run(upstream, "six")
    (line,) = [row for row in result.stdout.splitlines() if row.startswith("License:")]
    assert line.endswith("...")
    assert len(line) < 80


def test_yanked_and_egg_only(upstream: Upstream, pypi_document: Any) -> None:
    """Yanked latest releases and other formats are shown."""
    document = pypi_document("pypins-egg-only")
    for entry in document["urls"]:
        entry["yanked"] = True
    upstream.set_json("/pypi/pypins-egg-only/json", document)
    result = _run(upstream, "pypins-egg-only")
    assert "Latest release:  egg" in result.stdout
    assert "Yanked:          yes" in result.stdout


def test_unusual_formats_and_no_files(upstream: Upstream, pypi_document: Any) -> None:
    """Unknown file types are listed after the usual ones; no files shows '-'."""
    document = pypi_document("six")
    document["urls"][0]["packagetype"] = "bdist_msi"
    upstream.set_json("/pypi/six/json", document)
    assert "Latest release:  wheel, bdist_msi" in _run(upstream, "six").stdout
    upstream.set_json("/pypi/bare/json", {"info": {"name": "bare", "version": "1"}})
    result = _run(upstream, "bare")
    assert result.exit_code == 0, result.output
    assert "Latest release:  -" in result.stdout
    assert "Uploaded:        -" in result.stdout


def test_environment_variable_sets_the_index(upstream: Upstream) -> None:
    """PYPINS_PYPI_URL is used when --pypi-url is not given."""
    result = _run(upstream, "six", PYPINS_PYPI_URL=upstream.pypi_url + "/")
    assert result.exit_code == 0, result.output
    assert upstream.count("/pypi/six/json") == 1


def test_unknown_package(upstream: Upstream) -> None:
    """An unknown package is one line on stderr and exit status 1."""
    result = _run(upstream, "no-such-package")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"pypins: package 'no-such-package' not found on {upstream.pypi_url}\n"


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"status": 503}, "answered 503 Service Unavailable"),
        ({"body": b"nope"}, "is not valid JSON"),
        ({"reset": True}, "could not be reached"),
    ],
)
def test_upstream_failures(upstream: Upstream, fault: dict[str, Any], message: str) -> None:
    """Other failures are one line on stderr and exit status 1."""
    upstream.inject("*", **fault)
    result = _run(upstream, "six")
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["../six", "a b", "-x"])
def test_invalid_name_is_a_usage_error(upstream: Upstream, name: str) -> None:
    """A name that cannot exist is a usage error (exit status 2), with no request."""
    result = CliRunner().invoke(info, ["--pypi-url", upstream.pypi_url, "--", name])
    assert result.exit_code == 2
    assert "invalid package name" in result.stderr
    assert upstream.total() == 0


def test_help_lists_the_options() -> None:
    """``pypins info --help`` documents --json, --pypi-url and the variable."""
    result = CliRunner().invoke(main, ["info", "--help"])
    assert result.exit_code == 0
    for text in ("--json", "--pypi-url", "PYPINS_PYPI_URL", "--timeout"):
        assert text in result.stdout


def test_vulnerabilities_in_the_text_summary(upstream: Upstream) -> None:
    """Known vulnerabilities of the latest release are listed by id."""
    result = _run(upstream, "ecdsa")
    assert "Vulnerabilities: PYSEC-2026-1325, GHSA-wj6h-64fc-37mp" in result.stdout


def test_the_group_lists_info() -> None:
    """``pypins --help`` lists the info subcommand; unknown subcommands are usage errors."""
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "info" in result.stdout
    assert CliRunner().invoke(main, ["no-such-command"]).exit_code == 2
