"""Benchmark: SVG badges per second from pypins, google's pybadges and anybadge.

Renders one fixed, deterministic list of 2,000 (label, message, colour) triples with
each library, back to back in one process, and prints renders per second and ratios.
Nothing is memoised per badge: every triple is rendered afresh on every pass. pypins
keeps its per-text caches (escaped text and width of each label or message); the
"cold" figure empties them before every pass, so it counts each distinct text's
measuring and escaping once per 2,000 badges.

Usage::

    pip install -e '.[bench]'
    python bench/render.py [--repeat 5] [--count 2000]
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable

from pypins.render import _colors, _text, normalize_color, render_svg

Triple = tuple[str, str, str]

LABELS = (
    "pypi", "python", "pyversions", "license", "downloads", "wheel", "format", "status",
    "implementation", "build", "coverage", "docs", "version", "tests", "code style",
    "dependencies", "security", "maintained", "platform", "types", "ci", "release",
)  # fmt: skip
WORDS = (
    "passing", "failing", "stable", "beta", "alpha", "yes", "no", "unknown", "MIT",
    "BSD-3-Clause", "Apache-2.0", "GPLv3+", "cpython", "pypy", "black", "ruff", "typed",
    "Production/Stable", "Development Status", "up to date", "outdated", "wheel", "sdist",
    "linux", "windows", "macos", "none", "n/a", "inactive", "insecure", "ok", "latest",
)  # fmt: skip
COLORS = (
    "brightgreen", "green", "yellowgreen", "yellow", "orange", "red", "blue", "lightgrey",
    "grey", "success", "important", "critical", "informational", "inactive", "4c1",
    "#007ec6", "#e05d44", "9f9f9f", "rgb(20,120,200)", "hsl(120,60%,40%)", "teal",
    "rebeccapurple", "#fe7d37", "abc",
)  # fmt: skip


def message(rng: random.Random) -> str:
    """One realistic, varied message."""
    kind = rng.randrange(8)
    if kind == 0:
        return f"v{rng.randrange(30)}.{rng.randrange(40)}.{rng.randrange(100)}"
    if kind == 1:
        versions = [f"3.{minor}" for minor in range(rng.randrange(5, 10), rng.randrange(10, 15))]
        return " | ".join(versions)
    if kind == 2:
        return f"{rng.randrange(1, 999)}{rng.choice('kM')}/{rng.choice(('day', 'week', 'month'))}"
    if kind == 3:
        return f"{rng.randrange(101)}%"
    if kind == 4:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 8)))
    if kind == 5:
        return rng.choice(WORDS)
    if kind == 6:
        return f"{rng.randrange(10**6):,} stars"
    return rng.choice(("été ✓", "ÄÖÜ ß", "Ελληνικά", "русский", "日本語", "→ 1.0 ≥ 0.9"))


def triples(count: int = 2000, seed: int = 2024) -> list[Triple]:
    """The fixed benchmark input: ``count`` deterministic triples."""
    rng = random.Random(seed)
    return [(rng.choice(LABELS), message(rng), rng.choice(COLORS)) for _ in range(count)]


def rate(render: Callable[[str, str, str], object], data: list[Triple], repeat: int,
         before: Callable[[], None] | None = None) -> float:  # fmt: skip
    """Best renders per second over ``repeat`` passes over ``data``."""
    best = float("inf")
    for _ in range(repeat):
        if before is not None:
            before()
        gc.collect()
        start = time.perf_counter()
        for label, text, color in data:
            render(label, text, color)
        best = min(best, time.perf_counter() - start)
    return len(data) / best


#: Hex forms of the colours ``normalize_color`` leaves in CSS notation.
CSS_HEX = {
    "rgb(20,120,200)": "#1478c8",
    "hsl(120,60%,40%)": "#29a329",
    "teal": "#008080",
    "rebeccapurple": "#663399",
}


def as_hex(color: str) -> str:
    """``color`` as the hex colour all three libraries accept."""
    svg = normalize_color(color) or "#007ec6"
    return CSS_HEX.get(svg, svg)


def clear_pypins_caches() -> None:
    """Empty pypins' per-text and per-colour caches."""
    _text.clear_caches()
    _colors.clear_cache()


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="passes per library (best kept)")
    parser.add_argument("--count", type=int, default=2000, help="triples in the list")
    args = parser.parse_args()
    try:
        import anybadge
        import pybadges
    except ImportError as error:
        print(f"missing benchmark dependency ({error.name}): run  pip install -e '.[bench]'")
        return 1

    data = triples(args.count)
    # The other libraries get hex colours: parsing shields.io names is pypins' extra work.
    hex_data = [(label, text, as_hex(color)) for label, text, color in data]

    def with_pybadges(label: str, text: str, color: str) -> object:
        return pybadges.badge(left_text=label, right_text=text, right_color=color)

    def with_anybadge(label: str, text: str, color: str) -> object:
        return anybadge.Badge(label, text, default_color=color).badge_svg_text

    results = {
        "pypins": rate(render_svg, data, args.repeat),
        "pypins (cold text caches)": rate(render_svg, data, args.repeat, clear_pypins_caches),
        "pybadges": rate(with_pybadges, hex_data, args.repeat),
        "anybadge": rate(with_anybadge, hex_data, args.repeat),
    }
    python = sys.version.split()[0]
    print(f"{len(data):,} flat SVG badges, best of {args.repeat} passes, Python {python}")
    print(f"{'renderer':<28}{'renders/s':>12}{'vs pybadges':>14}{'vs anybadge':>14}")
    for name, value in results.items():
        print(
            f"{name:<28}{value:>12,.0f}{value / results['pybadges']:>13.1f}x"
            f"{value / results['anybadge']:>13.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
