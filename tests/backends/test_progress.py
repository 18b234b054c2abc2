"""Live progress of a running solve: HiGHS reports bound and incumbent while it works, in
this process or relayed from a worker process, and a failing receiver never stops a solve."""

from __future__ import annotations

from itertools import pairwise

import pytest
from backend_battery import market_split
from backend_support import require_or_skip

from siteplan.backends import SolveOptions, solve
from siteplan.generate import CityShape, write_city
from siteplan.pipeline import solve_scenario
from siteplan.result import Termination


@pytest.mark.parametrize("isolation", ["auto", "process"])
def test_highs_reports_bound_and_incumbent_while_solving(isolation):
    require_or_skip("highs")
    events: list[dict] = []
    model = market_split()  # hard to prove: the solve runs to its time limit
    res = solve(model, "highs", SolveOptions(time_limit=3.0, threads=1, isolation=isolation,
                                             progress=events.append))
    assert res.status == Termination.FEASIBLE and res.limit == "time"
    assert events, "no progress event during a 3 s solve"
    incumbents = [e["incumbent"] for e in events if e["incumbent"] is not None]
    bounds = [e["bound"] for e in events if e["bound"] is not None]
    assert incumbents
    assert all(b <= a + 1e-6 for a, b in pairwise(incumbents))  # plans only improve
    assert all(b >= a - 1e-6 for a, b in pairwise(bounds))  # the bound only rises
    for e in events:
        if e["incumbent"] is not None and e["bound"] is not None:
            assert e["bound"] <= e["incumbent"] + 1e-6
    assert res.objective <= incumbents[-1] + 1e-6  # the plan returned is at least the last reported


@pytest.mark.parametrize("isolation", ["auto", "process"])
def test_a_failing_progress_receiver_does_not_stop_the_solve(isolation):
    require_or_skip("highs")

    def broken(event):
        raise BrokenPipeError("the terminal went away")

    res = solve(market_split(), "highs", SolveOptions(time_limit=1.0, threads=1, isolation=isolation,
                                                      progress=broken))
    assert res.status == Termination.FEASIBLE


def test_options_with_a_progress_callback_still_store_and_ship():
    opts = SolveOptions(time_limit=5, progress=print)
    assert "progress" not in opts.as_dict()
    assert SolveOptions(**opts.as_dict()).progress is None


def test_solve_scenario_prints_facility_gap_lines(tmp_path):
    require_or_skip("highs")
    path = write_city(tmp_path / "city", CityShape(300, 120, seed=2))
    lines: list[str] = []
    out = solve_scenario(path, progress=lines.append, overrides={"solver.time_limit": 5, "solver.mip_gap": 1e-9})
    solver_lines = [s for s in lines if s.startswith("highs ")]
    assert solver_lines, lines
    assert any("best plan" in s and "bound" in s and "facility gap" in s for s in solver_lines), solver_lines
    assert out.evaluation.ok
