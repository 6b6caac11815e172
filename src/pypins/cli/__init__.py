"""The ``pypins`` command line: a thin layer over the library.

Subcommands live in their own modules and are imported only when used, so that
``pypins info`` does not pay for the web server and ``pypins serve`` does not pay for
the renderer's command-line options.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pypins._version import __version__

if TYPE_CHECKING:
    from pypins.config import Setting

_F = TypeVar("_F", bound=Callable[..., Any])

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


def setting_option(
    setting: Setting,
    *,
    flag: str | None = None,
    help: str | None = None,
) -> Callable[[_F], _F]:
    """A click option generated from a ServiceConfig setting's declaration.

    Its flag (``flag`` for a command whose flag the setting does not declare), its
    environment variable (shown in ``--help``), its default and its help (or ``help``,
    in the command's own words). The value is the setting's text, as in the variable:
    ServiceConfig converts and validates it, so that an error names the setting.
    """
    option = flag or setting.flag
    assert option is not None, f"{setting.name} has no flag"
    return click.option(
        option,
        setting.name,
        envvar=setting.env,
        show_envvar=True,
        type=click.STRING,
        multiple=setting.multiple,
        default=None if setting.default_help is not None else setting.text(setting.default),
        show_default=True if setting.default_help is None else _plain(setting.default_help),
        metavar=setting.metavar or ("URL" if setting.url else _METAVARS.get(setting.kind, "TEXT")),
        help=_plain(help or setting.help),
    )


#: The metavar of a setting's value by its type, unless it declares its own.
_METAVARS: dict[type, str] = {int: "INTEGER", float: "FLOAT", bool: "BOOLEAN"}


def _plain(text: str) -> str:
    """Markdown text for the terminal: without its backticks."""
    return text.replace("`", "")
