"""stdout belongs to siteplan.

Every test runs the real CLI in a subprocess: a solver library writes to file descriptor 1
directly, which in-process capture never sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from siteplan.backends.registry import ROUTES, get_backend

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny" / "tiny.yaml"
#: text a solver library prints when it is let at stdout (banners, log headers)
BANNERS = ("Running HiGHS", "Copyright", "Welcome to the CBC", "CBC MILP", "SCIP version",
           "presolving:", "Solving MIP", "Coin0")


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def siteplan(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "siteplan.cli", *map(str, args)], capture_output=True,
                          text=True, env=_env(), cwd=ROOT, timeout=timeout, stdin=subprocess.DEVNULL,
                          check=False)


def available(name: str) -> bool:
    return get_backend(name).available()[0]


BACKENDS = [pytest.param(b, marks=pytest.mark.skipif(not available(b), reason=f"{b} unavailable"))
            for b in ROUTES]


def assert_pure_json(stdout: str) -> dict:
    for banner in BANNERS:
        assert banner not in stdout, f"solver output on stdout: {stdout[:300]!r}"
    return json.loads(stdout)  # nothing but the document


def profile(tmp_path: Path, **keys) -> Path:
    path = tmp_path / f"profile-{'-'.join(f'{k}-{v}' for k, v in keys.items())}.yaml"
    path.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in keys.items()), encoding="utf-8")
    return path


# ---- item 5: no solver library writes to siteplan's stdout ------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_solve_json_stdout_is_only_json(backend, tmp_path):
    r = siteplan("solve", TINY, "--solver", backend, "--out", tmp_path / "out", "--no-store", "--json")
    assert r.returncode == 0, r.stderr
    doc = assert_pure_json(r.stdout)
    assert doc["status"] in ("optimal", "feasible") and doc["solver"]["backend"] == backend  # cpsat: gridded


@pytest.mark.parametrize("backend", BACKENDS)
def test_explain_json_stdout_is_only_json(backend, tmp_path):
    # 1.0M capex cannot buy the floor area tiny needs (see tests/unit/test_explain.py): exit 4
    r = siteplan("explain", TINY, "--set", "budget.capex=1e6", "--solver", backend, "--out", tmp_path / "out",
                 "--json")
    assert r.returncode == 4, r.stderr
    doc = assert_pure_json(r.stdout)
    assert doc["feasible"] is False and doc["shortfalls"]


@pytest.mark.parametrize("isolation", ["inline", "process"])
def test_solve_json_stays_clean_in_both_isolations(isolation, tmp_path):
    prof = profile(tmp_path, backend="highs", isolation=isolation)
    r = siteplan("solve", TINY, "--solver", prof, "--out", tmp_path / "out", "--no-store", "--json")
    assert r.returncode == 0, r.stderr
    assert assert_pure_json(r.stdout)["solver"]["isolation"] == isolation


@pytest.mark.parametrize("backend", [b for b in ("highs", "scip", "ortools-scip") if available(b)])
def test_asked_for_solver_log_goes_to_stderr(backend, tmp_path):
    prof = profile(tmp_path, backend=backend, log=True)
    r = siteplan("solve", TINY, "--solver", prof, "--out", tmp_path / "out", "--no-store", "--json")
    assert r.returncode == 0, r.stderr
    assert_pure_json(r.stdout)
    assert len(r.stderr.splitlines()) > 5, "the solver log was asked for: it belongs on stderr"


@pytest.mark.parametrize("backend", BACKENDS)
def test_classic_json_stdout_is_only_json(backend, tmp_path):
    pos = np.array([0.0, 1.0, 10.0, 11.0])
    f = tmp_path / "line.csv"
    np.savetxt(f, np.abs(pos[:, None] - pos[None]), delimiter=",")
    r = siteplan("classic", "pmedian", f, "--p", "2", "--json", "--solver", backend)
    assert r.returncode == 0, r.stderr
    assert assert_pure_json(r.stdout)["objective"] == pytest.approx(2)
