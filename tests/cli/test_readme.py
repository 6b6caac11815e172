"""The README's command-line section works as written right after the quick start."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from pypins.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _cli_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## Command line\n", 1)[1].split("\n## ", 1)[0]


def _commands() -> list[list[str]]:
    """Every ``pypins ...`` line of the section's code block, comments left off."""
    block = re.search(r"```sh\n(.*?)```", _cli_section(), re.DOTALL)
    assert block is not None
    lines = [line.split("#", 1)[0].strip() for line in block[1].splitlines()]
    return [shlex.split(line) for line in lines if line.startswith("pypins ")]


def test_the_section_puts_pypins_on_the_path() -> None:
    """The quick start installs into .venv: the section activates it before ``pypins``."""
    assert ". .venv/bin/activate" in _cli_section()


def test_make_serve_installs_only_what_serving_needs() -> None:
    """``make serve`` installs the package without its test or bench extras, and the
    fonts PNG badges are drawn with, but none of the test suite's servers."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nserve: fonts $(SERVE_STAMP)\n" in makefile
    assert "\nfonts:\n\tsh scripts/system-deps.sh fonts\n" in makefile
    recipe = makefile.split("$(SERVE_STAMP): pyproject.toml\n", 1)[1].split("\n\n", 1)[0]
    assert "pip install --quiet -e .\n" in recipe + "\n"
    assert "[" not in recipe


@pytest.mark.parametrize("argv", _commands(), ids=lambda argv: " ".join(argv[:2]))
def test_each_command_parses_as_written(argv: list[str], tmp_path: Path) -> None:
    """Each line names a real command with options it takes (parsed, not run); a shell
    pattern stands for a file the shell would have found."""
    assert argv[0] == "pypins"
    found = tmp_path / "access.log"
    found.touch()
    name, *args = [str(found) if "*" in arg else arg for arg in argv[1:]]
    with click.Context(main, info_name="pypins") as context:
        command = main.get_command(context, name)
        assert command is not None, name
        with command.make_context(name, args, parent=context):
            pass


def test_the_section_lists_every_command() -> None:
    """No command of the CLI is missing from the section."""
    assert isinstance(main, click.Group)
    listed = {argv[1] for argv in _commands()}
    with click.Context(main) as context:
        assert listed == set(main.list_commands(context))
