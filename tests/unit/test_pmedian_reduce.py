"""The vectorised p-median front end against plain reference computations on random data."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siteplan.classic import pmedian_reduce as red


def _instance(seed: int, n: int = 40, m: int = 30):
    rng = np.random.default_rng(seed)
    d = np.floor(rng.random((n, m)) * 100)
    return d, rng.integers(1, 5, n).astype(float)


@pytest.mark.parametrize("seed,p", [(0, 1), (1, 3), (2, 7), (3, 12)])
def test_swap_deltas_equal_the_recomputed_cost_of_every_swap(seed, p):
    d, w = _instance(seed)
    open_ = np.random.default_rng(seed).choice(d.shape[1], p, replace=False)
    delta = red.swap_deltas(d, w, open_)
    base = red.assignment_cost(d, w, open_)
    for j in range(d.shape[1]):
        for r in range(p):
            if j in open_:
                assert delta[j, r] == np.inf
                continue
            swapped = open_.copy()
            swapped[r] = j
            assert delta[j, r] == pytest.approx(red.assignment_cost(d, w, swapped) - base)


@pytest.mark.parametrize("seed,p", [(4, 2), (5, 5), (6, 10)])
def test_heuristic_ends_in_a_swap_local_optimum(seed, p):
    d, w = _instance(seed, n=80, m=60)
    sites = red.heuristic(d, w, p)
    assert np.unique(sites).size == p
    assert red.swap_deltas(d, w, sites).min() >= -1e-9


def test_greedy_opens_the_best_site_at_every_step():
    d, w = _instance(7)
    order = red.greedy(d, w, 6)
    for k in range(1, 7):
        costs = [red.assignment_cost(d, w, np.r_[order[: k - 1], j]) if j not in order[: k - 1]
                 else np.inf for j in range(d.shape[1])]
        assert red.assignment_cost(d, w, order[:k]) == pytest.approx(min(costs))


def _reference_value(d, w, lam, p):
    rho = np.array([sum(min(0.0, w[i] * d[i, j] - lam[i]) for i in range(d.shape[0]))
                    for j in range(d.shape[1])])
    return lam.sum() + np.sort(rho)[:p].sum(), rho


def test_lagrangian_value_matches_the_definition():
    d, w = _instance(8, n=25, m=15)
    lam = np.random.default_rng(8).random(25) * 60
    val, rho = red.lagrangian_value(np.ascontiguousarray((d * w[:, None]).T), lam, 4)
    ref_val, ref_rho = _reference_value(d, w, lam, 4)
    assert val == pytest.approx(ref_val)
    np.testing.assert_allclose(rho, ref_rho)


@pytest.mark.parametrize("seed", [9, 10, 11])
def test_bound_fixing_and_incumbent_are_consistent_with_enumeration(seed):
    d, w = _instance(seed, n=30, m=12)
    p = 3
    best = min(red.assignment_cost(d, w, np.array(c)) for c in itertools.combinations(range(12), p))
    sites, ub, bound, rho, _ = red.bound_and_incumbent(d, w, p, step=1.0)
    assert red.assignment_cost(d, w, sites) == ub >= best
    assert bound <= best + 1e-9
    closed, opened = red.fix_sites(rho, bound, p, ub, 1.0)
    # every plan better than ub keeps the closed sites closed and the opened ones open
    for c in itertools.combinations(range(12), p):
        if red.assignment_cost(d, w, np.array(c)) <= ub - 1.0:
            assert not closed[list(c)].any()
            assert opened[np.flatnonzero(opened)].all() and set(np.flatnonzero(opened)) <= set(c)


@pytest.mark.parametrize("seed", [12, 13])
def test_deepest_cut_distance_equals_the_full_sort(seed):
    from siteplan.classic.pmedian_benders import BendersPMedian

    d, w = _instance(seed, n=50, m=35)
    sites = np.arange(35)
    bd = BendersPMedian(d, w, 4, sites, np.zeros(0, dtype=np.int64), np.arange(4), 1.0)
    rng = np.random.default_rng(seed)
    for _ in range(20):
        y = np.zeros(35)
        sup = rng.choice(35, rng.integers(4, 15), replace=False)
        y[sup] = rng.random(sup.size)
        y *= 4 / y.sum()
        y = np.minimum(y, 1.0)
        cum = np.cumsum(y[bd.order], axis=1)  # the plain definition, over every site
        k = np.argmax(cum >= 1 - 1e-9, axis=1)
        ref = np.where(cum[:, -1] >= 1 - 1e-9, bd.ds[np.arange(50), k], bd.ds[:, -1])
        np.testing.assert_array_equal(bd.deepest(y), ref)
    # a point whose mass stays below one for every client: the farthest site's distance,
    # found after the window has grown to every site
    bd.window = 2
    np.testing.assert_array_equal(bd.deepest(np.full(35, 0.5 / 35)), bd.ds[:, -1])
    # an integral plan: the distance to the nearest open site, from any window
    for start in (1, 8, 35):
        bd.window = start
        y = np.zeros(35)
        y[[3, 17, 30]] = 1
        np.testing.assert_array_equal(bd.deepest(y), d[:, [3, 17, 30]].min(axis=1))


def test_sorted_window_gives_the_dense_rho_and_survives_dropping_sites():
    d, w = _instance(14, n=60, m=48)
    work = np.ascontiguousarray((d * w[:, None]).T).astype(np.float32)
    lam32 = np.random.default_rng(14).random(60).astype(np.float32) * 40
    near = red._Near(work)
    keep = np.ones(48, dtype=bool)
    keep[::3] = False
    near.restrict(keep)
    work = work[keep]
    near.k = near.m  # the whole row: the estimate must equal the dense pass exactly
    mask, ids = near.below(lam32)
    dense = np.minimum(work, lam32).astype(float).sum(axis=1) - lam32.astype(float).sum()
    np.testing.assert_allclose(near.rho(mask, ids, lam32), dense, rtol=1e-5, atol=1e-3)


def test_order_within_is_the_sort_of_the_subset():
    d, _ = _instance(21, n=40, m=30)  # floor distances: many ties, broken by site index
    order = red.client_order(d)
    for cols in (np.arange(30), np.array([0, 4, 5, 11, 12, 29]), np.arange(1, 30, 2)):
        np.testing.assert_array_equal(red.order_within(order, cols),
                                      np.argsort(d[:, cols], axis=1, kind="stable"))


@pytest.mark.parametrize("seed", [0, 5])
def test_shared_order_gives_the_same_bound_and_benders_order(seed):
    from siteplan.classic.pmedian_benders import BendersPMedian

    d, w = _instance(seed, n=60, m=45)
    order = red.client_order(d)
    ub = red.assignment_cost(d, w, red.heuristic(d, w, 6))
    for cols in (None, np.arange(0, 45, 2)):
        a = red.lagrangian(d, w, 6, ub, iters=200, step=1.0, cols=cols, shrink=True)
        b = red.lagrangian(d, w, 6, ub, iters=200, step=1.0, cols=cols, shrink=True, order=order)
        assert a[0] == b[0]
        np.testing.assert_array_equal(a[2], b[2])
    cand = np.arange(3, 45, 3)
    own = BendersPMedian(d, w, 6, cand, np.zeros(0, dtype=np.int64), cand[:6], 1.0)
    shared = BendersPMedian(d, w, 6, cand, np.zeros(0, dtype=np.int64), cand[:6], 1.0, order)
    np.testing.assert_array_equal(own.order, shared.order)


@pytest.mark.parametrize("seed", [2, 9])
def test_windowed_cut_value_equals_the_cut_over_every_site(seed):
    from siteplan.classic.pmedian_benders import BendersPMedian

    d, w = _instance(seed, n=50, m=35)
    bd = BendersPMedian(d, w, 4, np.arange(35), np.zeros(0, dtype=np.int64), np.arange(4), 1.0)
    rng = np.random.default_rng(seed)
    clients = np.arange(50)
    points = [np.full(35, 0.5 / 35)]  # mass below one: the window grows to every site
    for _ in range(15):
        y = np.zeros(35)
        sup = rng.choice(35, rng.integers(4, 15), replace=False)
        y[sup] = rng.random(sup.size)
        points.append(np.minimum(y * 4 / y.sum(), 1.0))
    y = np.zeros(35)
    y[[3, 17, 30, 31]] = 1
    points.append(y)
    for y in points:
        bd.window = int(rng.integers(1, 9))
        D, value = bd.deepest_cut(y)
        np.testing.assert_allclose(value, bd.cut_value(clients, D, y), rtol=0, atol=1e-9)
    # at an integral plan the cut is tight: its value is the distance to the nearest open site
    np.testing.assert_allclose(value, d[:, [3, 17, 30, 31]].min(axis=1), atol=1e-9)


@pytest.mark.parametrize("seed,p", [(3, 4), (8, 9), (11, 15)])
def test_swap_search_from_a_choice_never_returns_a_worse_plan(seed, p):
    d, w = _instance(seed, n=60, m=45)
    heur = red.heuristic(d, w, p)
    ub = red.assignment_cost(d, w, heur)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        rho = rng.random(45)
        h, u = red._from_choice(d, w, p, rho, heur, ub)
        assert u <= ub and u == red.assignment_cost(d, w, h) and np.unique(h).size == p
    # a worse given plan is replaced by the search's own
    worst = np.argsort(w @ d)[-p:]
    h, u = red._from_choice(d, w, p, rng.random(45), worst, red.assignment_cost(d, w, worst))
    assert u < red.assignment_cost(d, w, worst)
    heur2, ub2, bound, _, _ = red.bound_and_incumbent(d, w, p, 1.0)
    assert ub2 <= ub and ub2 == red.assignment_cost(d, w, heur2) and bound <= ub2 + 1e-9
