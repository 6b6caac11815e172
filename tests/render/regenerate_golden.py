"""Regenerate the golden SVG files listed in ``golden/spec.json``.

Run after an intended change to the renderer, then review the diff (and the images)::

    python -m tests.render.regenerate_golden
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pypins.render import render_svg

GOLDEN = Path(__file__).with_name("golden")


def cases() -> list[dict[str, Any]]:
    """The golden cases: name, label, message and the optional arguments."""
    cases: list[dict[str, Any]] = json.loads((GOLDEN / "spec.json").read_text("utf-8"))
    return cases


def render(case: dict[str, Any]) -> str:
    """The SVG of one case."""
    return render_svg(
        case["label"],
        case["message"],
        case.get("color", "blue"),
        label_color=case.get("label_color"),
        style=case["style"],
    )


def main() -> None:
    """Write every golden file and remove the stale ones."""
    wanted = set()
    for case in cases():
        path = GOLDEN / f"{case['name']}.svg"
        path.write_text(render(case) + "\n", encoding="utf-8")
        wanted.add(path)
    for stale in set(GOLDEN.glob("*.svg")) - wanted:
        stale.unlink()
    print(f"wrote {len(wanted)} golden files to {GOLDEN}")  # noqa: T201


if __name__ == "__main__":
    main()
