"""Branch-and-Benders-cut for the p-median: the same optimum as one direct MIP."""

from __future__ import annotations

import numpy as np
import pytest

from siteplan.backends import SolveOptions, solver_for
from siteplan.backends.registry import cut_callback_backend
from siteplan.classic import pmedian_bbc
from siteplan.classic.models import PMedian
from siteplan.classic.pmedian_benders import BendersPMedian
from siteplan.result import Termination

OPTS = SolveOptions(time_limit=60)
CUT_ROUTE = cut_callback_backend()
needs_cuts = pytest.mark.skipif(CUT_ROUTE is None, reason="no backend with a cut callback")


def _instance(seed: int, n: int = 45):
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2)) * 100
    d = np.floor(np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1)))
    return d, rng.integers(1, 5, n).astype(float)


@needs_cuts
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_bbc_equals_the_direct_mip(seed):
    d, w = _instance(seed)
    pm = PMedian.from_cost_matrix(d, p=3, demand=w)
    direct = pm.solve(solver_for("highs"), OPTS, method="compact")
    bbc = pm.solve(solver_for("highs"), OPTS, method="bbc")
    assert direct.status == bbc.status == Termination.OPTIMAL
    assert bbc.objective == pytest.approx(direct.objective)
    assert bbc.check.ok and bbc.check.objective == pytest.approx(direct.objective)


@needs_cuts
def test_the_cut_loop_alone_finds_the_optimum_from_a_bad_start():
    """No LP phase, no fixing, a poor incumbent: every cut comes from the callback."""
    d, w = _instance(7, n=40)
    p = 4
    direct = PMedian.from_cost_matrix(d, p=p, demand=w).solve(solver_for("highs"), OPTS,
                                                                method="compact")
    sites = np.arange(d.shape[1])
    bd = BendersPMedian(d, w, p, sites, np.zeros(0, dtype=np.int64), sites[:p], step=1.0)
    assert bd.best > direct.objective + 1  # the start is not already optimal
    cut_solver = solver_for("highs").cut_solver()
    assert cut_solver is not None
    status, bound, stats = pmedian_bbc.solve(bd, cut_solver, "highs",
                                             SolveOptions(time_limit=60, abs_gap=0.5), None,
                                             -np.inf)
    assert status == Termination.OPTIMAL
    assert bd.best == pytest.approx(direct.objective) and bound == pytest.approx(bd.best)
    assert stats["cuts_added"] > 0
    assert float(w @ d[:, bd.best_sites].min(axis=1)) == pytest.approx(direct.objective)


@needs_cuts
def test_auto_uses_the_cut_route_when_the_bound_does_not_close():
    d, w = _instance(2, n=60)
    r = PMedian.from_cost_matrix(d, p=3, demand=w).solve(solver_for("highs"), OPTS)
    assert r.status == Termination.OPTIMAL
    assert r.method in ("bbc", "reduce")  # 'reduce' when the Lagrangian bound proves it
    if r.method == "bbc":
        assert r.backend == CUT_ROUTE


def test_separator_cut_is_tight_at_an_integer_point():
    d, w = _instance(5, n=20)
    sites = np.arange(20)
    bd = BendersPMedian(d, w, 3, sites, np.zeros(0, dtype=np.int64), sites[:3], step=1.0)
    sep = pmedian_bbc.PMedianCuts(bd)
    y = np.zeros(20)
    y[[2, 9, 15]] = 1
    x = np.r_[y, np.zeros(20)]  # theta = 0: the cut of every client away from a site is violated
    rows = sep.separate(x, integral=True)
    far = int(np.sum(d[:, [2, 9, 15]].min(axis=1) > 0))
    assert rows is not None and rows.n_rows == far
    # at theta = true distance every cut holds with equality
    x[20:] = d[:, [2, 9, 15]].min(axis=1)
    np.testing.assert_allclose(rows.activity(x), rows.lb)
    assert sep.separate(x, integral=True) is None


def test_fractional_separation_keeps_the_most_violated_valid_cuts(monkeypatch):
    """Capped at a fractional point: the `FRACTIONAL_CUTS` most violated (relative) of all
    violated clients, and none cuts off any plan (checked on all 190 plans with p = 2)."""
    from itertools import combinations

    d, w = _instance(6, n=20)
    sites = np.arange(20)
    bd = BendersPMedian(d, w, 2, sites, np.zeros(0, dtype=np.int64), sites[:2], step=1.0)
    sep = pmedian_bbc.PMedianCuts(bd)
    y = np.zeros(20)
    y[[1, 4, 8, 13]] = 0.5
    x = np.r_[y, np.zeros(20)]
    D = bd.deepest(y)
    viol = bd.cut_value(np.arange(20), D, y)
    n_bad = int(np.sum(viol > 1e-6 * np.maximum(1.0, D)))
    monkeypatch.setattr(pmedian_bbc, "FRACTIONAL_CUTS", 5)
    assert n_bad > 5
    rows = sep.separate(x, integral=False)
    assert rows is not None and rows.n_rows == 5
    kept = rows.indices[rows.indptr[:-1]] - 20  # theta comes first in every row
    rel = viol / np.maximum(1.0, D)
    assert rel[kept].min() >= np.sort(rel)[-5] - 1e-12
    for plan in combinations(range(20), 2):
        yi = np.zeros(20)
        yi[list(plan)] = 1
        xi = np.r_[yi, d[:, list(plan)].min(axis=1)]
        assert np.all(rows.activity(xi) >= rows.lb - 1e-9)
