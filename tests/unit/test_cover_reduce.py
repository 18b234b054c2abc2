"""Set-cover reductions keep the optimum; the reduced p-center search matches one MIP per probe."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from siteplan.backends import SolveOptions, solver_for
from siteplan.classic import cover_reduce
from siteplan.classic.models import PCenter, SetCover
from siteplan.errors import InfeasibleError
from siteplan.result import Termination

OPTS = SolveOptions(time_limit=60, threads=1)
HIGHS = solver_for("highs")


def _csr(rows):
    return sp.csr_matrix(np.array(rows, dtype=np.int32))


def test_duplicate_columns_keep_one_and_the_cheaper():
    A = _csr([[1, 1, 0], [1, 1, 1], [0, 0, 1]])  # columns 0 and 1 identical
    core = cover_reduce.reduce(A, np.ones(3))
    kept = set(core.cols) | set(core.fixed)
    assert len({0, 1} & kept) == 1 and 2 in kept
    core = cover_reduce.reduce(A, np.array([5.0, 2.0, 1.0]))
    kept = set(core.cols) | set(core.fixed)
    assert 0 not in kept and 1 in kept


def test_dominated_column_and_row_and_essential_site():
    # site 0 covers {0}, site 1 covers {0, 1}: site 0 is dominated (same cost)
    # client 2 has one coverer (site 2): essential, and it also covers client 3
    A = _csr([[1, 1, 0], [0, 1, 0], [0, 0, 1], [0, 1, 1]])
    core = cover_reduce.reduce(A, np.ones(3))
    assert 2 in core.fixed and 1 in core.fixed  # after site 0 goes, client 1 needs site 1
    assert core.rows.size == 0
    # an expensive superset does not dominate a cheap subset
    core = cover_reduce.reduce(_csr([[1, 1], [0, 1]]), np.array([1.0, 10.0]))
    assert set(core.fixed) == {1} and core.rows.size == 0  # client 1 forces site 1 anyway
    core = cover_reduce.reduce(_csr([[1, 1, 0], [1, 1, 1], [0, 1, 1]]), np.array([1.0, 3.0, 1.0]))
    assert 1 in core.cols  # not dominated: the cheaper ones cover less
    # row 1 covers a superset of row 0's coverers: dropped
    assert 1 not in core.rows


def test_greedy_is_a_cover():
    rng = np.random.default_rng(0)
    A = sp.csr_matrix((rng.random((60, 40)) < 0.1).astype(np.int32))
    A = A[np.diff(A.indptr) > 0]
    f = rng.integers(1, 5, 40).astype(float)
    g = cover_reduce.greedy(A, f)
    assert np.all(np.asarray(A[:, g].sum(axis=1)).ravel() >= 1)


def _instance(seed, n=60, m=45, dup=True):
    rng = np.random.default_rng(seed)
    pc, ps = rng.random((n, 2)) * 100, rng.random((m, 2)) * 100
    d = np.floor(np.sqrt(((pc[:, None] - ps[None]) ** 2).sum(-1)))
    if dup:  # exact duplicate sites and clients, so the duplicate rules fire
        d = np.c_[d, d[:, :5]]
        d = np.r_[d, d[:4]]
    return d


@pytest.mark.parametrize("seed", range(6))
def test_reduced_lscp_equals_plain_mip(seed):
    d = _instance(seed)
    rng = np.random.default_rng(100 + seed)
    radius = float(d.min(axis=1).max()) + 4 * seed
    costs = [None, rng.integers(1, 4, d.shape[1]).astype(float)]
    costs[1][rng.integers(0, d.shape[1])] = 0.0  # a free site is opened by the reduction
    for f in costs:
        red = SetCover.from_cost_matrix(d, radius=radius, fixed_cost=f).solve(HIGHS, OPTS)
        plain = SetCover.from_cost_matrix(d, radius=radius, fixed_cost=f).solve(
            HIGHS, OPTS, method="compact")
        assert red.status == plain.status == Termination.OPTIMAL
        assert red.method == "reduce" and red.check.ok
        assert red.objective == pytest.approx(plain.objective)
        assert red.bound == pytest.approx(red.objective)


def test_reduced_lscp_reports_the_reduction_and_infeasibility():
    d = _instance(7)
    r = SetCover.from_cost_matrix(d, radius=30).solve(HIGHS, OPTS)
    assert r.stats["core_clients"] < d.shape[0] and r.stats["core_sites"] < d.shape[1]
    with pytest.raises(InfeasibleError, match="no site within"):
        SetCover.from_cost_matrix(d, radius=0.5).solve(HIGHS, OPTS)


@pytest.mark.parametrize("seed,p", [(0, 2), (1, 3), (2, 5), (3, 4), (4, 8)])
def test_pcenter_search_equals_one_mip_per_probe(seed, p):
    d = _instance(seed, n=40, m=30, dup=seed % 2 == 0)
    new = PCenter.from_cost_matrix(d, p=p).solve(HIGHS, OPTS)
    old = PCenter.from_cost_matrix(d, p=p).solve(HIGHS, OPTS, method="probe")
    assert new.status == old.status == Termination.OPTIMAL
    assert new.method == "reduce-search" and new.check.ok
    assert new.objective == pytest.approx(old.objective)
    assert new.bound == pytest.approx(new.objective)
    assert len(new.solution.open_sites) <= p


def test_packing_rows_have_disjoint_coverers():
    from siteplan.classic.pcenter_search import _packing

    d = _instance(9, dup=False)
    A = cover_reduce.coverage(d, 25.0)
    rows = _packing(A)
    assert rows.size >= 2
    assert np.asarray(A[rows].sum(axis=0)).max() == 1  # no site covers two of them


@pytest.mark.parametrize("seed,p", [(0, 1), (1, 3), (2, 6)])
def test_improve_fills_to_p_and_never_raises_the_radius(seed, p):
    from siteplan.classic.pcenter_search import _improve, _plan_radius

    d = _instance(seed, dup=False)
    start = np.array([seed])
    out = _improve(d, start, p)
    assert out.size == p == np.unique(out).size
    assert _plan_radius(d, out) <= _plan_radius(d, start)
    again = _improve(d, out, p)
    assert _plan_radius(d, again) <= _plan_radius(d, out)


def test_covering_options_only_for_highs_and_the_user_setting_wins():
    from siteplan.backends.highs import HighsBackend
    from siteplan.classic.models import covering_options

    assert covering_options(HIGHS, OPTS).extra == HighsBackend.covering_extra != {}
    mine = SolveOptions(extra={"mip_allow_restart": True})
    assert covering_options(HIGHS, mine).extra["mip_allow_restart"] is True
    assert covering_options(solver_for("scip"), OPTS).extra == {}


@pytest.mark.parametrize("seed", range(10, 16))
def test_pcenter_search_equals_compact_on_random_instances(seed):
    rng = np.random.default_rng(seed)
    pts = rng.random((35, 2)) * 100
    d = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
    p = int(rng.integers(2, 7))
    new = PCenter.from_cost_matrix(d, p=p).solve(HIGHS, OPTS)
    old = PCenter.from_cost_matrix(d, p=p).solve(HIGHS, OPTS, method="probe")
    assert new.status == old.status == Termination.OPTIMAL and new.check.ok
    assert new.objective == pytest.approx(old.objective)


@pytest.mark.parametrize("seed", range(8))
def test_dense_gram_updates_give_the_same_core_as_sparse_products(seed):
    rng = np.random.default_rng(seed)
    A = sp.csr_matrix((rng.random((80, 70)) < 0.08 + 0.03 * seed).astype(np.int32))
    A = A[np.diff(A.indptr) > 0]
    f = rng.integers(1, 4, 70).astype(float) if seed % 2 else np.ones(70)
    a = cover_reduce.reduce(A, f, dense=True)
    b = cover_reduce.reduce(A, f, dense=False)
    assert np.array_equal(a.rows, b.rows) and np.array_equal(a.cols, b.cols)
    assert np.array_equal(a.fixed, b.fixed) and a.rounds == b.rounds
