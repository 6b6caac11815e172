"""``pypins badge``: write a static badge (SVG, PNG or JSON) to a file or stdout."""

from __future__ import annotations

import os

import click

from pypins.render import STYLES, normalize_color, render_json, render_png, render_svg

#: Output formats, by file extension.
FORMATS = ("svg", "png", "json")


def _format_of(output: str | None, forced: str | None) -> str:
    """The output format: ``--format``, else the output's extension, else SVG."""
    if forced is not None:
        return forced
    if output is None or output == "-":
        return "svg"
    extension = os.path.splitext(output)[1].lower().lstrip(".")
    if extension not in FORMATS:
        raise click.UsageError(
            f"cannot tell the format of {output!r} from its extension; "
            "use .svg, .png or .json, or --format"
        )
    return extension


def _warn_color(option: str, value: str | None) -> None:
    """Say on stderr that an invalid colour falls back to the default."""
    if value is not None and normalize_color(value) is None:
        click.echo(f"warning: invalid {option} {value!r}, using the default", err=True)


@click.command("badge")
@click.option("-l", "--label", default="", help="Left-hand text; empty for a message-only badge.")
@click.option("-m", "--message", required=True, help="Right-hand text.")
@click.option("-c", "--color", default="blue", show_default=True, help="Message background.")
@click.option("--label-color", default=None, help="Label background [default: grey].")
@click.option(
    "-s", "--style", type=click.Choice(STYLES), default=None, help="Badge style [default: flat]."
)
@click.option(
    "-f", "--format", "format_", type=click.Choice(FORMATS), default=None,
    help="Output format [default: from the output's extension, else svg].",
)  # fmt: skip
@click.option("--scale", type=click.IntRange(1, 2), default=1, show_default=True, help="PNG scale.")
@click.option("-o", "--output", default=None, metavar="PATH", help="Output file [default: stdout].")
def badge(
    *,
    label: str,
    message: str,
    color: str,
    label_color: str | None,
    style: str | None,
    format_: str | None,
    scale: int,
    output: str | None,
) -> None:
    """Write a static badge (SVG, PNG or JSON) to a file or stdout.

    \b
    Example:
      pypins badge -l build -m passing -c green -s flat-square -o b.svg
    """
    kind = _format_of(output, format_)
    _warn_color("color", color)
    _warn_color("label color", label_color)
    data: bytes
    if kind == "json":
        data = (
            render_json(label, message, color, label_color=label_color, style=style) + "\n"
        ).encode()
    elif kind == "png":
        data = render_png(
            label, message, color, label_color=label_color, style=style or "flat", scale=scale
        )
    else:
        svg = render_svg(label, message, color, label_color=label_color, style=style or "flat")
        data = (svg + "\n").encode()
    try:
        with click.open_file(output or "-", "wb") as file:
            file.write(data)
    except OSError as error:
        raise click.FileError(output or "-", hint=error.strerror) from error
