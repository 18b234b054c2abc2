"""The racing portfolio (siteplan.backends.race): a checked plan, the better of two answers,
and no worker process left behind, whether the race ends by a win, a time limit or an error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from backend_support import require_or_skip
from processes import process_cmdlines

from siteplan.backends import SolveOptions, solve
from siteplan.backends.race import best_of
from siteplan.errors import SolverError
from siteplan.generate import CityShape, write_city
from siteplan.pipeline import solve_scenario
from siteplan.result import SolveResult, Termination

ROOT = Path(__file__).resolve().parents[2]
RACE = "race"


@pytest.fixture(autouse=True)
def _available():
    require_or_skip(RACE)


def workers_of(pid: int) -> list[str]:
    """Command lines of live worker processes whose parent is `pid` (zombies excluded)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmd = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z" and "siteplan.backends.worker" in cmd:
            found.append(cmd)
    return found


def test_race_returns_the_checked_optimum_of_tiny_and_leaves_no_worker():
    tiny = ROOT / "scenarios" / "tiny" / "tiny.yaml"
    alone = solve_scenario(tiny)
    raced = solve_scenario(tiny, backend=RACE)
    assert raced.evaluation.ok and raced.status == Termination.OPTIMAL
    assert raced.result.objective == pytest.approx(alone.result.objective, rel=1e-9)
    race = raced.result.extra["race"]
    assert race["winner"] in ("highs", "scip")
    time.sleep(0.5)  # a stopped loser is reaped by the race itself; give /proc a moment
    assert workers_of(os.getpid()) == []


def test_time_limit_returns_the_better_plan_and_the_better_bound(tmp_path):
    """A 300-committee city neither entrant proves in 3 s: both stop at the limit; the race
    keeps the lower plan and the higher bound, and the plan passes the checker."""
    path = write_city(tmp_path / "city", CityShape(300, 150, seed=4, reach_m=1000))
    t0 = time.perf_counter()
    out = solve_scenario(path, backend=RACE, options=SolveOptions(time_limit=3, mip_gap=0))
    took = time.perf_counter() - t0
    assert out.evaluation.ok
    entrants = out.result.extra["race"]["entrants"]
    plans = [e["objective"] for e in entrants.values() if e["objective"] is not None]
    bounds = [e["bound"] for e in entrants.values() if e["bound"] is not None]
    if out.status == Termination.FEASIBLE:  # on a fast machine one may still prove it
        assert out.result.objective == pytest.approx(min(plans))
        assert out.result.bound == pytest.approx(max(bounds))
    assert took < 60, "the race overran its time limit by far (hard deadline: limit x 1.1 + grace)"
    assert workers_of(os.getpid()) == []


def test_best_of_keeps_the_lower_plan_and_the_higher_bound():
    a = SolveResult(backend="highs", status=Termination.FEASIBLE, objective=10.0, bound=7.0, x=np.zeros(1))
    b = SolveResult(backend="scip", status=Termination.FEASIBLE, objective=9.0, bound=8.0, x=np.ones(1))
    best = best_of([a, b])
    assert best.backend == "scip" and best.objective == 9.0 and best.bound == 8.0
    none = SolveResult(backend="scip", status=Termination.NO_SOLUTION_FOUND)
    assert best_of([none, a]).objective == 10.0


def test_options_go_to_their_entrant_and_a_bad_one_is_named(tmp_path):
    from siteplan.errors import UnknownOptionError
    from siteplan.model.ir import ModelBuilder

    b = ModelBuilder("one")
    b.add_vars("x", 2, ub=1, integer=True, cost=-1.0)
    model = b.finish()
    with pytest.raises(UnknownOptionError, match="presolve"):  # a HiGHS name at the top level
        solve(model, RACE, SolveOptions(extra={"presolve": "off"}))
    with pytest.raises(SolverError, match="no_such_scip_param"):  # raised in the SCIP worker
        solve(model, RACE, SolveOptions(extra={"scip": {"no_such_scip_param": 1}}))
    ok = solve(model, RACE, SolveOptions(extra={"highs": {"presolve": "off"}, "scip": {"limits/nodes": 10}}))
    assert ok.status == Termination.OPTIMAL and ok.objective == pytest.approx(-2.0)
    assert workers_of(os.getpid()) == []


def using(tmp: Path) -> list[str]:
    """Command lines of processes whose arguments name a file under `tmp`."""
    return [cmd for cmd in process_cmdlines() if str(tmp) in cmd and "siteplan.backends.worker" in cmd]


@pytest.mark.slow
def test_ctrl_c_during_the_race_stops_both_workers(tmp_path):
    """SIGINT once both entrants run: exit 130, nothing saved, no worker left (whatever the
    machine's load: the signal is sent when the two workers are seen, not after a fixed wait)."""
    city = write_city(tmp_path / "city", CityShape(1000, 400, seed=11, reach_m=1000))
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "siteplan.cli", "solve", str(city), "--solver", RACE,
                             "--time-limit", "120", "--json", "--out", str(tmp_path / "out"), "--no-store"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                            env={**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)})
    t0 = time.monotonic()
    while len(using(tmp)) < 2 and proc.poll() is None and time.monotonic() - t0 < 120:
        time.sleep(0.2)
    assert len(using(tmp)) == 2, "the race's two workers never ran"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "nothing saved" in err and out == ""
    time.sleep(0.5)
    assert using(tmp) == [], "a worker outlived the interrupted race"
    assert not (tmp_path / "out").exists()
