"""Render pypins' golden badges with badge-maker itself, and compare widths with it.

badge-maker is shields.io's renderer (npm, MIT or Apache-2.0). This script installs the
pinned versions below with the machine's npm client into a temporary directory (nothing
is added to the repository or the runtime), runs ``scripts/badge_maker.mjs`` over a list
of cases, and either writes the SVGs as golden files or compares their widths with
pypins' own.

Usage::

    python scripts/badge_maker_golden.py golden     # rewrite tests/render/golden/*.svg
    python scripts/badge_maker_golden.py compare    # widths on bench/render.py's 2,000 triples

``--node-modules DIR`` reuses an existing install of the same versions.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "render" / "golden"
#: What the golden files are rendered with; tests/render/golden/README.md names them too.
PACKAGES = ("badge-maker@6.0.0", "anafanafo@2.0.0", "simple-icons@16.36.0")
STYLES = ("flat", "flat-square", "plastic", "for-the-badge", "social")
_WIDTH = re.compile(r'<svg [^>]*?width="([^"]+)"')


@contextmanager
def node_modules(existing: Path | None) -> Iterator[Path]:
    """A ``node_modules`` directory holding ``PACKAGES`` (installed in a temporary one)."""
    if existing is not None:
        yield existing
        return
    with tempfile.TemporaryDirectory(prefix="pypins-badge-maker-") as temporary:
        subprocess.run(
            [
                "npm",
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                temporary,
                *PACKAGES,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        yield Path(temporary) / "node_modules"


def check_versions(modules: Path) -> None:
    """Fail unless ``modules`` holds exactly the pinned versions."""
    for spec in PACKAGES:
        name, _, version = spec.rpartition("@")
        found = json.loads((modules / name / "package.json").read_text("utf-8"))["version"]
        if found != version:
            raise SystemExit(f"{name} {found} found, {version} expected")


def badge_maker(cases: list[dict[str, Any]], modules: Path) -> list[str]:
    """The SVG badge-maker renders for each case (pypins' spec keys, see ``to_node``)."""
    script = ROOT / "scripts" / "badge_maker.mjs"
    result = subprocess.run(
        ["node", str(script), str(modules)],
        input=json.dumps([to_node(case) for case in cases]),
        capture_output=True,
        text=True,
        check=True,
    )
    svgs: list[str] = json.loads(result.stdout)
    return svgs


def to_node(case: dict[str, Any]) -> dict[str, Any]:
    """A golden case (``render_svg``'s argument names) in badge-maker's terms."""
    logo = case.get("logo")
    return {
        "style": case.get("style", "flat"),
        "label": case.get("label", ""),
        "message": case["message"],
        "color": case.get("color", "blue"),
        "labelColor": case.get("label_color"),
        "logo": logo if logo and logo.startswith("data:") else None,
        "namedLogo": logo if logo and not logo.startswith("data:") else None,
        "logoColor": case.get("logo_color"),
        "logoWidth": case.get("logo_width"),
        "links": case.get("links", []),
    }


def svg_width(svg: str) -> str:
    """The ``width`` attribute of an SVG document's root."""
    match = _WIDTH.match(svg)
    if match is None:  # pragma: no cover - not a badge
        raise ValueError(svg[:80])
    return match.group(1)


def write_golden(modules: Path) -> None:
    """Render every case of ``golden/spec.json`` and write ``golden/<name>.svg``."""
    cases: list[dict[str, Any]] = json.loads((GOLDEN / "spec.json").read_text("utf-8"))
    wanted = set()
    for case, svg in zip(cases, badge_maker(cases, modules), strict=True):
        path = GOLDEN / f"{case['name']}.svg"
        path.write_text(svg + "\n", encoding="utf-8")
        wanted.add(path)
    for stale in set(GOLDEN.glob("*.svg")) - wanted:
        stale.unlink()
    print(f"wrote {len(wanted)} golden files to {GOLDEN.relative_to(ROOT)}")


def compare(modules: Path, count: int) -> None:
    """Print, per style, how many of bench/render.py's triples get badge-maker's width."""
    sys.path.insert(0, str(ROOT / "bench"))
    from render import triples

    from pypins.render import render_svg

    data = triples(count)
    print(f"{'style':<15}{'equal widths':>14}{'largest gap (px)':>18}")
    for style in STYLES:
        cases = [
            {"style": style, "label": label, "message": message, "color": color}
            for label, message, color in data
        ]
        theirs = [float(svg_width(svg)) for svg in badge_maker(cases, modules)]
        ours = [
            float(svg_width(render_svg(label, message, color, style=style)))
            for label, message, color in data
        ]
        equal = sum(a == b for a, b in zip(ours, theirs, strict=True))
        gap = max(abs(a - b) for a, b in zip(ours, theirs, strict=True))
        print(f"{style:<15}{equal / len(data):>13.1%}{gap:>18g}")


def main() -> None:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("golden", "compare"))
    parser.add_argument("--node-modules", type=Path, help="an existing install of PACKAGES")
    parser.add_argument("--count", type=int, default=2000, help="triples to compare")
    args = parser.parse_args()
    with node_modules(args.node_modules) as modules:
        check_versions(modules)
        if args.command == "golden":
            write_golden(modules)
        else:
            compare(modules, args.count)


if __name__ == "__main__":
    main()
