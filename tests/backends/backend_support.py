"""Helpers for the backend tests: availability gates and the one-process battery runner.

`SITEPLAN_REQUIRE_BACKENDS=highs,pulp-cbc,...` (CI sets all five) turns such a skip into a
failure, so a broken install cannot pass as "skipped".
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from siteplan.backends.registry import get_backend
from siteplan.errors import SolverError

HERE = Path(__file__).resolve().parent


def required() -> set[str]:
    raw = os.environ.get("SITEPLAN_REQUIRE_BACKENDS", "")
    return {name.strip() for name in raw.split(",") if name.strip()}


def require_or_skip(name: str) -> None:
    """Skip (or fail, if CI requires it) when backend `name` cannot run here."""
    try:
        ok, why = get_backend(name).available()
    except SolverError as exc:
        ok, why = False, exc.message
    if ok:
        return
    if name in required():
        pytest.fail(f"backend {name!r} is required (SITEPLAN_REQUIRE_BACKENDS) but unavailable: {why}")
    pytest.skip(f"backend {name!r} unavailable: {why}")


_BATTERY_CACHE: dict[str, dict] = {}


def battery_results(name: str, tmp_root: Path) -> dict:
    """Every battery case solved by `name` in ONE fresh process (fast, and free of clashes)."""
    if name not in _BATTERY_CACHE:
        out = tmp_root / f"battery-{name}.pkl"
        proc = subprocess.run(
            [sys.executable, str(HERE / "backend_battery_child.py"), name, str(out)],
            capture_output=True, text=True, timeout=300, check=False,
        )
        if proc.returncode != 0 or not out.exists():
            pytest.fail(f"battery child for {name} failed:\n{proc.stdout}\n{proc.stderr}")
        with open(out, "rb") as fh:
            _BATTERY_CACHE[name] = pickle.load(fh)  # written by our own child just now
    return _BATTERY_CACHE[name]
