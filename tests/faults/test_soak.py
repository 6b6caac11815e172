"""The soak benchmark in a short, bounded form: ``bench/soak.py`` for a few seconds.

The full run (``.venv/bin/python bench/soak.py --duration 600``) is documented in
``docs/reliability.md``. Here the caches are small enough to fill in the warm-up and the
steady mix lasts 8 s; memory growth over so short a run is noise, so the bound is
looser than the full run's 10%.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.faults.conftest import Figures
from tests.support.binaries import require_binary

pytestmark = [pytest.mark.slow, pytest.mark.redis]

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def load_soak() -> ModuleType:
    """``bench/soak.py`` as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("soak", SOAK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("soak", module)
    spec.loader.exec_module(module)
    return module


def test_short_soak(tmp_path: Path, figures: Figures) -> None:
    """A short steady mix has no error responses, bounded memory and fast busy answers."""
    require_binary("redis-server")
    soak = load_soak()
    options = soak.parse_options(
        [
            "--duration", "8", "--warmup", "1", "--timeout", "3",
            "--working-set", "40", "--cold", "400",
            "--connections", "16", "--burst", "160", "--max-upstream", "8", "--max-queued", "32",
            "--sample", "1", "--max-growth", "50",
            "--report", str(tmp_path / "soak.json"),
        ]
    )  # fmt: skip
    report = soak.run(options)
    figures.requests = report.requests
    figures.errors = report.error_responses
    figures.slowest_answer = report.max_ms / 1000
    figures.metrics = {
        "p50_ms": report.p50_ms,
        "p99_ms": report.p99_ms,
        "rss_growth_percent": report.rss_growth_percent,
        "burst_busy": report.burst_busy,
        "burst_busy_p99_ms": report.burst_busy_p99_ms,
    }
    figures.notes.append("bench/soak.py --duration 8 (short form); see soak.json")
    assert report.error_responses == 0, report.examples
    assert report.unexpected_answers == 0, report.examples
    assert report.requests > 0
    assert report.rss_growth_percent < 50
    assert report.burst_busy >= options.burst - report.queue_cap
    assert report.burst_busy_p99_ms < soak.BURST_DELAY * 1000
    assert report.burst_inflight_max <= report.inflight_cap
    assert report.targets_met
