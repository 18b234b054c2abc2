"""mypy over siteplan/ with the project's configuration ([tool.mypy] in pyproject.toml):
every module checked, the backend contract and the neutral types strictly. Part of the
ordinary test run, so CI runs it (README: the test command)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_is_clean():
    proc = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", "/dev/null", "--config-file",
                           str(REPO / "pyproject.toml")], cwd=REPO, capture_output=True, text=True,
                          timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
