"""The ``pypins`` command line: a thin layer over the library.

Subcommands live in their own modules and are imported only when used, so that
``pypins info`` does not pay for the web server and ``pypins serve`` does not pay for
the renderer's command-line options.
"""

from __future__ import annotations

import importlib

import click

from pypins._version import __version__

#: Subcommand name -> "module:attribute" of its ``click.Command``.
COMMANDS: dict[str, str] = {
    "badge": "pypins.cli._badge:badge",
    "info": "pypins.cli._info:info",
    "serve": "pypins.cli._serve:serve",
    "top": "pypins.cli._top:top",
}


class _LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pypins")
def main() -> None:
    """pypins: badges for PyPI packages, and a small PyPI client."""
