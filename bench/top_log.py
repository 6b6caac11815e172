"""Benchmark: ``pypins top --log`` on a large generated access log, speed and memory.

Writes a synthetic log of about ``--size`` MB (nginx ``combined`` lines with pypins'
JSON lines, noise and garbage mixed in, 5,000 packages) and one a tenth of that size
to a temporary directory, then runs ``pypins top --log FILE --json --no-progress`` on
each in a fresh process and prints lines per second and the peak resident memory
(``resource.getrusage``), also above the process's RSS once the command is imported.
Equal peaks for both sizes show that memory does not grow with the log. The counts
are checked against the generator's.

Usage::

    python bench/top_log.py [--size 200] [--gzip] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.stats.logfiles import Row, synthetic_log  # noqa: E402


def measure(path: str) -> dict[str, object]:
    """Run ``pypins top --log path`` in this process; its figures (called in a child)."""
    from pypins.cli import main

    main.get_command(None, "top")  # type: ignore[arg-type]  # import what the command needs
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    output = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(output):
        main(
            ["top", "--log", path, "--json", "--no-progress", "--limit", "20"],
            standalone_mode=False,
        )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "baseline_kib": baseline,
        "peak_kib": peak,
        "report": json.loads(output.getvalue()),
    }


def run_child(path: Path) -> dict[str, object]:
    """``measure(path)`` in a fresh interpreter, so that each peak RSS is its own."""
    completed = subprocess.run(
        [sys.executable, __file__, "--measure", str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    figures: dict[str, object] = json.loads(completed.stdout)
    return figures


def check(report: dict[str, object], expected: Counter[Row]) -> None:
    """The command's total and top rows are the generator's."""
    assert report["total"] == sum(expected.values()), (report["total"], sum(expected.values()))
    top = report["top"]
    assert isinstance(top, list)
    want = sorted(expected.items(), key=lambda item: (-item[1], item[0]))[: len(top)]
    got = [((row["package"], row["kind"]), row["requests"]) for row in top]
    assert got == want, (got[:3], want[:3])


def main() -> int:
    """Generate the logs, measure each, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200, help="MB of the large log")
    parser.add_argument("--gzip", action="store_true", help="also measure the large log gzipped")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    directory = Path(tempfile.mkdtemp(prefix="pypins-top-bench-"))
    now = datetime.now(UTC)
    try:
        files: list[tuple[Path, Counter[Row]]] = []
        for name, megabytes in (("small.log", max(1, args.size // 10)), ("large.log", args.size)):
            start = time.perf_counter()
            path = directory / name
            expected = synthetic_log(path, megabytes * 1_000_000, now=now)
            print(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in "
                  f"{time.perf_counter() - start:.1f} s", file=sys.stderr)  # fmt: skip
            files.append((path, expected))
        if args.gzip:
            large, expected = files[-1]
            packed = large.with_suffix(".log.gz")
            with large.open("rb") as source, gzip.open(packed, "wb", compresslevel=6) as target:
                shutil.copyfileobj(source, target, 1 << 20)
            files.append((packed, expected))
        print(f"{'file':<14}{'MB':>8}{'lines':>12}{'seconds':>9}{'lines/s':>11}"
              f"{'peak RSS':>11}{'over import':>13}")  # fmt: skip
        for path, expected in files:
            figures = run_child(path)
            report = figures["report"]
            assert isinstance(report, dict)
            check(report, expected)
            lines = report["logs"]["lines"]
            seconds = float(figures["seconds"])  # type: ignore[arg-type]
            peak = int(figures["peak_kib"])  # type: ignore[call-overload]
            baseline = int(figures["baseline_kib"])  # type: ignore[call-overload]
            size = path.stat().st_size / 1e6
            print(f"{path.name:<14}{size:>8.0f}{lines:>12,}{seconds:>9.1f}{lines / seconds:>11,.0f}"
                  f"{peak / 1024:>9.0f}MB{(peak - baseline) / 1024:>11.1f}MB")  # fmt: skip
    finally:
        if args.keep:
            print(f"kept {directory}", file=sys.stderr)
        else:
            shutil.rmtree(directory)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
