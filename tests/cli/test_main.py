"""The ``pypins`` command group: version, help, and lazily imported subcommands."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from pypins._version import __version__
from pypins.cli import COMMANDS, _LazyGroup, main


def test_version() -> None:
    """``--version`` prints the program name and version."""
    result = CliRunner().invoke(main, ["--version"], prog_name="pypins")
    assert result.exit_code == 0
    assert result.output == f"pypins, version {__version__}\n"


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_the_commands(flag: str) -> None:
    """Help lists the four subcommands with their summaries."""
    result = CliRunner().invoke(main, [flag], prog_name="pypins")
    assert result.exit_code == 0
    lines = result.output.split("Commands:\n")[1].splitlines()
    assert [line.split()[0] for line in lines if line.startswith("  ")] == [
        "badge",
        "info",
        "serve",
        "top",
    ]
    assert "Serve PyPI badges over HTTP." in result.output


def test_no_command_shows_usage() -> None:
    """Without a subcommand the group shows its usage."""
    result = CliRunner().invoke(main, [], prog_name="pypins")
    assert result.exit_code in {0, 2}
    assert "Usage: pypins" in result.output


@pytest.mark.parametrize("name", ["nope", "serves", "Serve"])
def test_unknown_command(name: str) -> None:
    """An unknown subcommand is a usage error (exit code 2)."""
    result = CliRunner().invoke(main, [name], prog_name="pypins")
    assert result.exit_code == 2
    assert f"No such command '{name}'" in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_commands_resolve(name: str) -> None:
    """Every listed command imports to a click command with its own help."""
    group = main
    assert isinstance(group, _LazyGroup)
    with click.Context(group) as ctx:
        command = group.get_command(ctx, name)
        assert isinstance(command, click.Command)
        assert group.list_commands(ctx) == ["badge", "info", "serve", "top"]
    result = CliRunner().invoke(main, [name, "--help"], prog_name="pypins")
    assert result.exit_code == 0
    assert f"Usage: pypins {name}" in result.output
