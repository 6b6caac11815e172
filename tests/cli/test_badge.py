"""``pypins badge``: static badges to files or stdout, with usage errors for bad options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from defusedxml.ElementTree import fromstring

from pypins.cli import main
from pypins.cli._badge import badge

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner."""
    return CliRunner()


def test_svg_to_stdout_by_default(runner: CliRunner) -> None:
    """Without ``-o`` the SVG goes to stdout."""
    result = runner.invoke(main, ["badge", "--label", "build", "--message", "passing"])
    assert result.exit_code == 0, result.output
    root = fromstring(result.stdout_bytes)
    assert root.get("aria-label") == "build: passing"


def test_example_from_the_issue(runner: CliRunner, tmp_path: Path) -> None:
    """``--label build --message passing --color green --style flat-square -o b.svg``."""
    out = tmp_path / "b.svg"
    args = ["-l", "build", "-m", "passing", "-c", "green", "-s", "flat-square", "-o", str(out)]
    result = runner.invoke(badge, args)
    assert result.exit_code == 0, result.output
    svg = out.read_text("utf-8")
    assert 'shape-rendering="crispEdges"' in svg
    assert 'fill="#67ac09"' in svg  # badge-maker 6.0.0's green
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("name", "magic"),
    [("b.svg", b"<svg "), ("b.SVG", b"<svg "), ("b.png", PNG), ("b.json", b'{"schemaVersion"')],
)
def test_format_from_extension(runner: CliRunner, tmp_path: Path, name: str, magic: bytes) -> None:
    """The output's extension picks the format."""
    out = tmp_path / name
    result = runner.invoke(badge, ["-m", "x", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize(
    ("fmt", "magic"), [("svg", b"<svg "), ("png", PNG), ("json", b'{"schemaVersion"')]
)
def test_forced_format_to_stdout(runner: CliRunner, fmt: str, magic: bytes) -> None:
    """``--format`` wins, also on stdout (PNG bytes are written as bytes)."""
    result = runner.invoke(badge, ["-m", "x", "--format", fmt])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(magic)


def test_forced_format_overrides_extension(runner: CliRunner, tmp_path: Path) -> None:
    """``--format json -o badge.svg`` writes JSON."""
    out = tmp_path / "badge.svg"
    assert runner.invoke(badge, ["-m", "x", "-f", "json", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text("utf-8"))["message"] == "x"


def test_dash_means_stdout(runner: CliRunner) -> None:
    """``-o -`` writes to stdout."""
    result = runner.invoke(badge, ["-m", "x", "-o", "-"])
    assert result.stdout.startswith("<svg ")


def test_png_scale(runner: CliRunner, tmp_path: Path) -> None:
    """``--scale 2`` doubles the PNG's height."""
    out = tmp_path / "b.png"
    assert runner.invoke(badge, ["-m", "x", "--scale", "2", "-o", str(out)]).exit_code == 0
    assert int.from_bytes(out.read_bytes()[20:24], "big") == 40


def test_json_options(runner: CliRunner) -> None:
    """The JSON carries ``labelColor`` and ``style`` only when given."""
    result = runner.invoke(badge, ["-l", "a", "-m", "b", "-f", "json", "--label-color", "red"])
    assert json.loads(result.stdout) == {
        "schemaVersion": 1,
        "label": "a",
        "message": "b",
        "color": "blue",
        "labelColor": "red",
    }
    result = runner.invoke(badge, ["-m", "b", "-f", "json", "-s", "social"])
    assert json.loads(result.stdout)["style"] == "social"


def test_label_colour_and_style_reach_the_svg(runner: CliRunner) -> None:
    """``--label-color`` and ``--style`` are applied."""
    result = runner.invoke(badge, ["-l", "a", "-m", "b", "--label-color", "abc", "-s", "plastic"])
    assert 'fill="#abc"' in result.stdout
    assert 'height="18"' in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-m", "x", "-s", "bogus"], "Invalid value for '-s' / '--style'"),
        (["-m", "x", "-f", "gif"], "Invalid value for '-f' / '--format'"),
        (["-m", "x", "-o", "badge.gif"], "cannot tell the format of 'badge.gif'"),
        (["-m", "x", "-o", "badge"], "cannot tell the format"),
        (["-m", "x", "--scale", "3"], "Invalid value for '--scale'"),
        (["-l", "x"], "Missing option '-m' / '--message'"),
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    """Bad styles, formats and scales are usage errors (exit status 2)."""
    result = runner.invoke(main, ["badge", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_unwritable_output_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    """A file that cannot be written is a clear error, not a traceback."""
    result = runner.invoke(badge, ["-m", "x", "-o", str(tmp_path / "missing" / "b.svg")])
    assert result.exit_code == 1
    assert "Could not open file" in result.stderr


def test_invalid_colours_warn_and_fall_back(runner: CliRunner) -> None:
    """An invalid colour is reported on stderr and the default is used."""
    result = runner.invoke(badge, ["-m", "x", "-c", "nope", "--label-color", "nah", "-l", "l"])
    assert result.exit_code == 0
    assert "invalid color 'nope'" in result.stderr
    assert "invalid label color 'nah'" in result.stderr
    assert 'fill="#007ec6"' in result.stdout


def test_help_lists_the_styles(runner: CliRunner) -> None:
    """``pypins badge --help`` documents the options and styles."""
    result = runner.invoke(main, ["badge", "--help"])
    assert result.exit_code == 0
    for word in ("--label", "--message", "--label-color", "for-the-badge", "--scale"):
        assert word in result.stdout
