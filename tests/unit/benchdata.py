"""Where the public benchmark instances are ($SITEPLAN_BENCH_DATA, else ../shared/bench
beside the project), and a marker that skips a test when they are not there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

BENCH = Path(os.environ.get("SITEPLAN_BENCH_DATA",
                            Path(__file__).resolve().parents[3] / "shared" / "bench"))
needs_bench = pytest.mark.skipif(not BENCH.is_dir(), reason=f"benchmark data not found at {BENCH}")
