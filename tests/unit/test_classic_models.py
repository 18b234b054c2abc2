"""Tiny classic models with hand-known optima, the independent checks, pmed1 and cap41."""

from __future__ import annotations

import numpy as np
import pytest
from benchdata import BENCH, needs_bench

from siteplan.backends import SolveOptions, solver_for
from siteplan.classic.models import (
    CFLP,
    UFLP,
    ClassicSolution,
    MaxCover,
    PCenter,
    PMedian,
    SetCover,
)
from siteplan.errors import InfeasibleError, InputError
from siteplan.result import Termination

# four clients/sites on a line at 0, 1, 10, 11
POS = np.array([0.0, 1.0, 10.0, 11.0])
LINE = np.abs(POS[:, None] - POS[None, :])
OPTS = SolveOptions(time_limit=60)
HIGHS = solver_for("highs")


@pytest.mark.parametrize("method", ["compact", "reduce", "benders", "auto"])
def test_pmedian_line(method):
    r = PMedian.from_cost_matrix(LINE, p=2).solve(HIGHS, OPTS, method=method)
    assert r.status == Termination.OPTIMAL
    assert r.objective == pytest.approx(2.0)
    assert r.check.ok and r.check.objective == pytest.approx(2.0)


def test_pmedian_weighted_and_gap_instance():
    # a random instance where bound and heuristic need not meet: compare methods
    rng = np.random.default_rng(3)
    pts = rng.random((40, 2)) * 100
    d = np.floor(np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1)))
    w = rng.integers(1, 5, 40).astype(float)
    vals = {m: PMedian.from_cost_matrix(d, p=4, demand=w).solve(HIGHS, OPTS, method=m)
            for m in ("compact", "benders", "reduce")}
    objs = {m: r.objective for m, r in vals.items()}
    assert len({round(v, 6) for v in objs.values()}) == 1, objs
    assert all(r.check.ok for r in vals.values())


def test_pmedian_levels_are_sparse():
    m = PMedian.from_cost_matrix(LINE, p=2).build()
    # client at 0: distances 0,1,10,11 -> with p=2 never beyond the 3rd closest (10)
    assert m.var_blocks["z"].stop - m.var_blocks["z"].start <= 4 * 2
    assert m.A.nnz < 4 * 4 + 4 * 2 * 2 + 4


def test_pmedian_check_catches_bad_plans():
    pm = PMedian.from_cost_matrix(LINE, p=2)
    bad = ClassicSolution(open_sites=np.array([0, 1, 2]), assign=np.array([0, 1, 2, 2]))
    rep = pm.check(bad)
    assert not rep.ok and "p = 2" in rep.problems[0]
    far = ClassicSolution(open_sites=np.array([0, 2]), assign=np.array([0, 0, 0, 2]))
    rep = pm.check(far)
    assert not rep.ok and rep.objective == pytest.approx(0 + 1 + 10 + 1)


def test_pmedian_bad_p():
    with pytest.raises(InputError, match="between 1 and"):
        PMedian.from_cost_matrix(LINE, p=9)
    with pytest.raises(InputError, match="needs p"):
        PMedian.from_cost_matrix(LINE)
    with pytest.raises(InputError, match="between 1 and") as err:
        PMedian.from_cost_matrix(LINE, p=0)
    assert "from 1 to" in err.value.render()  # not "choose a smaller p" for p = 0


@pytest.mark.parametrize("radius", [float("nan"), float("inf"), -1.0])
def test_cover_models_refuse_a_radius_that_is_not_a_finite_distance(radius):
    with pytest.raises(InputError, match="finite radius"):
        SetCover.from_cost_matrix(LINE, radius=radius)
    with pytest.raises(InputError, match="finite radius"):
        MaxCover.from_cost_matrix(LINE, radius=radius, p=1)


def test_pcenter_line():
    r = PCenter.from_cost_matrix(LINE, p=2).solve(HIGHS, OPTS)
    assert r.status == Termination.OPTIMAL and r.objective == 1.0 and r.check.ok
    r1 = PCenter.from_cost_matrix(LINE, p=1).solve(HIGHS, OPTS)
    assert r1.objective == 10.0


def test_lscp_line():
    assert SetCover.from_cost_matrix(LINE, radius=1).solve(HIGHS, OPTS).objective == 2
    assert SetCover.from_cost_matrix(LINE, radius=0).solve(HIGHS, OPTS).objective == 4
    r = SetCover.from_cost_matrix(LINE, radius=1, fixed_cost=[1, 5, 5, 1]).solve(HIGHS, OPTS)
    assert r.objective == 2 and set(r.solution.open_sites) == {0, 3}
    with pytest.raises(InfeasibleError, match="no site within"):
        SetCover.from_cost_matrix(LINE[:, :2], radius=1).build()


def test_mclp_line():
    r = MaxCover.from_cost_matrix(LINE, radius=1, p=1).solve(HIGHS, OPTS)
    assert r.objective == pytest.approx(2) and r.check.ok
    r = MaxCover.from_cost_matrix(LINE, radius=0, p=1, demand=[1, 1, 5, 1]).solve(HIGHS, OPTS)
    assert r.objective == pytest.approx(5) and list(r.solution.open_sites) == [2]


def test_uflp_line():
    r = UFLP.from_cost_matrix(LINE, fixed_cost=[10] * 4).solve(HIGHS, OPTS)
    assert r.objective == pytest.approx(22) and r.check.ok and r.check.objective == 22


CF = {"cost": [[1, 10], [1, 10], [10, 1]], "fixed_cost": [1, 1], "demand": [3, 3, 3],
          "capacity": [5, 7]}


@pytest.mark.parametrize("vub", ["all", "none", "lazy"])
def test_cflp_split(vub):
    r = CFLP.from_cost_matrix(vub=vub, **CF).solve(HIGHS, OPTS)
    assert r.objective == pytest.approx(8) and r.check.ok


def test_sscflp():
    r = CFLP.from_cost_matrix(single_source=True, **CF).solve(HIGHS, OPTS)
    assert r.objective == pytest.approx(14) and r.check.ok


def test_cflp_check_and_capacity_proof():
    prob = CFLP.from_cost_matrix(**CF)
    a = np.array([[1, 0], [1, 0], [0, 1.0]])  # 6 units on a 5-unit site
    rep = prob.check(ClassicSolution(open_sites=np.array([0, 1]), alloc=a))
    assert not rep.ok and "capacity" in rep.problems[0]
    with pytest.raises(InfeasibleError, match="below total demand"):
        CFLP.from_cost_matrix(**dict(CF, capacity=[1, 1]))


@needs_bench
def test_pmed1_optimum():
    pm = PMedian.from_file(BENCH / "orlib/pmed/pmed1.txt")
    r = pm.solve(HIGHS, OPTS)
    assert r.status == Termination.OPTIMAL and r.objective == 5819 and r.check.objective == 5819
    rc = pm.solve(HIGHS, OPTS, method="compact")
    assert rc.objective == pytest.approx(5819)


@needs_bench
def test_cap41_optimum():
    r = CFLP.from_file(BENCH / "orlib/cap/cap41.txt").solve(HIGHS, OPTS)
    assert r.status == Termination.OPTIMAL
    assert r.objective == pytest.approx(1040444.375, abs=1e-3)
    assert r.check.ok and r.check.objective == pytest.approx(1040444.375, abs=1e-3)


@needs_bench
def test_cap41_as_uflp():
    r = UFLP.from_file(BENCH / "orlib/cap/cap41.txt").solve(HIGHS, OPTS)
    assert r.objective == pytest.approx(932615.75, abs=1e-3)
