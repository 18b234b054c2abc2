"""Shared fixtures: paths to shipped scenarios and a helper to run the CLI in-process."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
TINY = SCENARIOS / "tiny"

# A shell starts a background job (`cmd &` in a script, nohup) with SIGINT ignored, and an
# ignored signal stays ignored across fork and exec: the siteplan processes that the interrupt
# tests start would then never see their Ctrl-C. Give this run and its children the ordinary
# disposition, as on a terminal, so those tests test siteplan and not how pytest was started.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def private_run_store(tmp_path, monkeypatch):
    """Runs recorded by tests go to a temporary store, never to the working folder's out/."""
    if "SITEPLAN_STORE" not in os.environ:
        monkeypatch.setenv("SITEPLAN_STORE", str(tmp_path / "runs.sqlite"))


@pytest.fixture
def tiny_dir(tmp_path) -> Path:
    """A private copy of the tiny scenario that a test may edit."""
    dst = tmp_path / "tiny"
    shutil.copytree(TINY, dst)
    return dst


@pytest.fixture
def run_cli(capsys):
    """Run `siteplan ARGS` in-process; returns (exit code, stdout, stderr)."""
    from siteplan.cli import main

    def run(*args):
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
