"""``setting_option``: the options of ``info`` and ``top`` that are ServiceConfig settings
read the settings' declarations, as ``serve``'s do."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from pypins.cli import main, setting_option
from pypins.cli._info import info
from pypins.cli._top import top
from pypins.config import SETTINGS


def _option(command: click.Command, name: str) -> click.Option:
    """``command``'s option whose parameter is ``name``."""
    (option,) = (p for p in command.params if isinstance(p, click.Option) and p.name == name)
    return option


@pytest.mark.parametrize(
    ("command", "name", "flag", "default"),
    [
        (info, "pypi_url", "--pypi-url", SETTINGS["pypi_url"].default),
        (top, "redis_url", "--redis-url", None),
        (top, "usage_db", "--usage-db", None),
    ],
    ids=["info --pypi-url", "top --redis-url", "top --usage-db"],
)
def test_shared_settings_read_the_declaration(
    command: click.Command, name: str, flag: str, default: object
) -> None:
    """The option has the setting's variable (shown in ``--help``) and default."""
    option = _option(command, name)
    assert option.opts == [flag]
    assert option.envvar == SETTINGS[name].env
    assert option.show_envvar
    assert option.default == default


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("info", "[env var: PYPINS_PYPI_URL; default: https://pypi.org/pypi]"),
        ("top", "[env var: PYPINS_REDIS_URL; default: (none)]"),
        ("top", "[env var: PYPINS_USAGE_DB; default: ($XDG_STATE_HOME/pypins/usage.sqlite3)]"),
    ],
)
def test_help_shows_the_variable_and_default(command: str, shown: str) -> None:
    """``--help`` shows the setting's variable and default."""
    result = CliRunner().invoke(main, [command, "--help"], env={})
    assert result.exit_code == 0
    assert shown in " ".join(result.output.split())


def test_a_setting_without_a_flag_needs_one() -> None:
    """An env-only setting gets an option only where the command names its flag."""
    with pytest.raises(AssertionError, match="timeout has no flag"):
        setting_option(SETTINGS["timeout"])
    option = _option(
        setting_option(SETTINGS["timeout"], flag="--timeout")(click.Command("x")), "timeout"
    )
    assert option.opts == ["--timeout"]
    assert option.envvar == "PYPINS_TIMEOUT"
