"""Tiny models with known optima, built through `ModelBuilder` like every real model.

Each case says what a correct backend must answer. Optima come from brute force where the
model is small enough to enumerate (knapsack, assignment) and from hand derivation otherwise
(comments give the argument), never from one of the solvers under test.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from siteplan.model.ir import INF, Model, ModelBuilder
from siteplan.result import Termination


@dataclass
class Case:
    name: str
    model: Model
    status: Termination
    objective: float | None = None  # in the model's (minimisation) sense, offset included


KNAP_V = np.array([10, 13, 7, 8, 9, 4], dtype=float)
KNAP_W = np.array([4, 6, 3, 5, 4, 2], dtype=float)
KNAP_CAP = 12.0


def _knapsack_best() -> float:
    best = 0.0
    for pick in itertools.product((0, 1), repeat=len(KNAP_V)):
        p = np.array(pick)
        if p @ KNAP_W <= KNAP_CAP:
            best = max(best, float(p @ KNAP_V))
    return best


def knapsack(offset: float = 0.0) -> Model:
    b = ModelBuilder("knapsack")
    x = b.add_vars("take", len(KNAP_V), ub=1, integer=True, cost=-KNAP_V)
    b.add_rows("weight", 1, np.zeros(len(x)), x, KNAP_W, ub=KNAP_CAP)
    b.offset = offset
    return b.finish(sense="max")


ASSIGN_C = np.array([[9, 2, 7, 8], [6, 4, 3, 7], [5, 8, 1, 8], [7, 6, 9, 4]], dtype=float)


def assignment() -> Model:
    n = ASSIGN_C.shape[0]
    b = ModelBuilder("assignment")
    x = b.add_vars("x", n * n, ub=1, integer=True, cost=ASSIGN_C.ravel())
    i, j = np.divmod(np.arange(n * n), n)
    b.add_rows("worker", n, i, x, 1.0, lb=1, ub=1)
    b.add_rows("job", n, j, x, 1.0, lb=1, ub=1)
    return b.finish()


def _assignment_best() -> float:
    n = ASSIGN_C.shape[0]
    return min(sum(ASSIGN_C[i, p[i]] for i in range(n)) for p in itertools.permutations(range(n)))


# capacitated facility location, splittable demand (continuous shares)
CFL_OPEN = np.array([10.0, 12.0, 9.0])
CFL_CAP = np.array([5.0, 7.0, 4.0])
CFL_DEM = np.array([2.0, 3.0, 1.5, 2.5, 2.0])
CFL_COST = np.array([  # per unit shipped, facility x customer
    [1.0, 4.0, 2.0, 6.0, 5.0],
    [5.0, 1.0, 3.0, 2.0, 4.0],
    [3.0, 5.0, 1.0, 4.0, 1.0],
])


def cflp() -> Model:
    f, c = CFL_COST.shape
    b = ModelBuilder("cflp")
    y = b.add_vars("open", f, ub=1, integer=True, cost=CFL_OPEN)
    x = b.add_vars("ship", f * c, ub=INF, cost=CFL_COST.ravel())  # units, continuous
    fi, ci = np.divmod(np.arange(f * c), c)
    b.add_rows("demand", c, ci, x, 1.0, lb=CFL_DEM, ub=CFL_DEM)
    rows = np.r_[fi, np.arange(f)]
    b.add_rows("capacity", f, rows, np.r_[x, y], np.r_[np.ones(f * c), -CFL_CAP], ub=0)
    return b.finish()


def _cflp_best() -> float:
    """Enumerate open sets; for each, the transport LP is solved greedily-exactly by scipy."""
    from scipy.optimize import linprog  # independent of every backend under test

    f, c = CFL_COST.shape
    best = np.inf
    for pick in itertools.product((0, 1), repeat=f):
        p = np.array(pick, dtype=bool)
        if CFL_CAP[p].sum() < CFL_DEM.sum():
            continue
        idx = np.flatnonzero(p)
        k = len(idx)
        cost = CFL_COST[idx].ravel()
        a_eq = np.zeros((c, k * c))
        a_ub = np.zeros((k, k * c))
        for r in range(k):
            for j in range(c):
                a_eq[j, r * c + j] = 1
                a_ub[r, r * c + j] = 1
        lp = linprog(cost, A_ub=a_ub, b_ub=CFL_CAP[idx], A_eq=a_eq, b_eq=CFL_DEM,
                     bounds=(0, None), method="highs")
        if lp.status == 0:
            best = min(best, lp.fun + CFL_OPEN[idx].sum())
    return float(best)


def infeasible() -> Model:
    b = ModelBuilder("infeasible")
    x = b.add_vars("x", 2, ub=10, integer=True, cost=1.0)
    b.add_rows("atleast", 1, [0, 0], x, 1.0, lb=3)
    b.add_rows("atmost", 1, [0, 0], x, 1.0, ub=2)
    return b.finish()


def unbounded() -> Model:
    b = ModelBuilder("unbounded")
    x = b.add_vars("x", 1, cost=-1.0)  # continuous, no upper bound
    y = b.add_vars("y", 1, ub=5, integer=True, cost=1.0)
    b.add_rows("link", 1, [0, 0], np.r_[x, y], [1.0, -1.0], lb=1)
    return b.finish()


def lp() -> Model:
    """max x + y, 2x + y <= 4, x + 3y <= 6: vertex (1.2, 1.6), value 2.8."""
    b = ModelBuilder("lp")
    x = b.add_vars("x", 2, cost=-1.0)
    b.add_rows("r", 2, [0, 0, 1, 1], np.r_[x, x], [2, 1, 1, 3], ub=[4, 6])
    return b.finish(sense="max")


def equality() -> Model:
    """x+y+z = 10, x-y = 2: cost 3x+2y+4z = 44-3x, x <= 6, so 26 at (6, 4, 0)."""
    b = ModelBuilder("equality")
    v = b.add_vars("v", 3, integer=True, cost=[3, 2, 4])
    b.add_rows("sum", 1, [0, 0, 0], v, 1.0, lb=10, ub=10)
    b.add_rows("diff", 1, [0, 0], v[:2], [1, -1], lb=2, ub=2)
    return b.finish()


def free_vars() -> Model:
    """x, y free: x+y = -5, x-y = 1 fix (-2, -3); z >= x + 4.5 = 2.5, z integer: 3. Sum -5."""
    b = ModelBuilder("free_vars")
    xy = b.add_vars("xy", 2, lb=-INF, ub=INF, cost=[1, 2])
    z = b.add_vars("z", 1, ub=10, integer=True, cost=1.0)
    b.add_rows("sum", 1, [0, 0], xy, 1.0, lb=-5, ub=-5)
    b.add_rows("diff", 1, [0, 0], xy, [1, -1], lb=1, ub=1)
    b.add_rows("z", 1, [0, 0], np.r_[z, xy[0]], [1, -1], lb=4.5)
    return b.finish()


def negative_bounds() -> Model:
    """x in [-7.5, -1] integer, y in [-3, 4]: min x+y with x+y >= -9.5 gives -9.5 (x=-7)."""
    b = ModelBuilder("negative_bounds")
    x = b.add_vars("x", 1, lb=-7.5, ub=-1, integer=True, cost=1.0)
    y = b.add_vars("y", 1, lb=-3, ub=4, cost=1.0)
    b.add_rows("floor", 1, [0, 0], np.r_[x, y], 1.0, lb=-9.5)
    return b.finish()


def ranged() -> Model:
    """max x+2y, 2 <= x+y <= 5, -1 <= x-y <= 1, integers: (2, 3) gives 8."""
    b = ModelBuilder("ranged")
    v = b.add_vars("v", 2, ub=10, integer=True, cost=[-1, -2])
    b.add_rows("sum", 1, [0, 0], v, 1.0, lb=2, ub=5)
    b.add_rows("diff", 1, [0, 0], v, [1, -1], lb=-1, ub=1)
    return b.finish(sense="max")


def empty_parts() -> Model:
    """An unused column (cost 2, bounds [1, 3]) and an empty row; x >= 1.5 integer: 2+2 = 4."""
    b = ModelBuilder("empty_parts")
    x = b.add_vars("x", 1, ub=10, integer=True, cost=1.0)
    b.add_vars("z", 1, lb=1, ub=3, cost=2.0)
    b.add_rows("floor", 1, [0], x, 1.0, lb=1.5)
    b.add_rows("empty", 1, [], [], [], lb=-1, ub=1)
    return b.finish()


def with_start(model: Model, start: np.ndarray) -> Model:
    """The same model carrying a warm start (NaN = unknown entry)."""
    return model.replace(warm_start=np.asarray(start, dtype=float))


def upper_only() -> Model:
    """x in (-inf, 5] continuous, y in [0, 10] integer: max x+y, x+2y <= 12 gives 8."""
    b = ModelBuilder("upper_only")
    x = b.add_vars("x", 1, lb=-INF, ub=5, cost=-1.0)
    y = b.add_vars("y", 1, ub=10, integer=True, cost=-1.0)
    b.add_rows("cap", 1, [0, 0], np.r_[x, y], [1, 2], ub=12)
    return b.finish(sense="max")


def precision() -> Model:
    """max x, 3x <= 1000.1: x = 333.3666..., which 8 printed digits would push past the row."""
    b = ModelBuilder("precision")
    x = b.add_vars("x", 1, cost=-1.0)
    b.add_rows("cap", 1, [0], x, 3.0, ub=1000.1)
    return b.finish(sense="max")


def cases() -> list[Case]:
    best_knap = _knapsack_best()
    partial = np.full(len(KNAP_V), np.nan)
    partial[:2] = 1.0  # items 0 and 1 fit (weight 10); the rest unknown
    return [
        Case("knapsack_warm_full", with_start(knapsack(), np.zeros(len(KNAP_V))),
             Termination.OPTIMAL, -best_knap),
        Case("knapsack_warm_partial", with_start(knapsack(), partial), Termination.OPTIMAL,
             -best_knap),
        Case("knapsack", knapsack(), Termination.OPTIMAL, -best_knap),
        Case("knapsack_offset", knapsack(offset=100.0), Termination.OPTIMAL, 100.0 - best_knap),
        Case("assignment", assignment(), Termination.OPTIMAL, _assignment_best()),
        Case("cflp", cflp(), Termination.OPTIMAL, _cflp_best()),
        Case("infeasible", infeasible(), Termination.INFEASIBLE),
        Case("unbounded", unbounded(), Termination.UNBOUNDED),
        Case("lp", lp(), Termination.OPTIMAL, -2.8),
        Case("equality", equality(), Termination.OPTIMAL, 26.0),
        Case("free_vars", free_vars(), Termination.OPTIMAL, -5.0),
        Case("negative_bounds", negative_bounds(), Termination.OPTIMAL, -9.5),
        Case("ranged", ranged(), Termination.OPTIMAL, -8.0),
        Case("empty_parts", empty_parts(), Termination.OPTIMAL, 4.0),
        Case("upper_only", upper_only(), Termination.OPTIMAL, -8.0),
        Case("precision", precision(), Termination.OPTIMAL, -1000.1 / 3),
    ]


def market_split(m: int = 4, n: int = 30, seed: int = 7) -> Model:
    """Cornuejols-Dawande market split: tiny, and famously hard to prove optimal."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 100, size=(m, n)).astype(float)
    d = np.floor(a.sum(axis=1) / 2)
    b = ModelBuilder("market_split")
    x = b.add_vars("x", n, ub=1, integer=True)
    s = b.add_vars("slack", 2 * m, ub=INF, integer=True, cost=1.0)
    rows = np.r_[np.repeat(np.arange(m), n), np.arange(m), np.arange(m)]
    cols = np.r_[np.tile(x, m), s[:m], s[m:]]
    vals = np.r_[a.ravel(), np.ones(m), -np.ones(m)]
    b.add_rows("split", m, rows, cols, vals, lb=d, ub=d)
    return b.finish()


def big_knapsack(n: int = 60, seed: int = 3) -> Model:
    """A knapsack with a tight LP bound: any decent heuristic lands within a few percent."""
    rng = np.random.default_rng(seed)
    w = rng.integers(20, 100, size=n).astype(float)
    v = w + rng.integers(0, 10, size=n)
    b = ModelBuilder("big_knapsack")
    x = b.add_vars("take", n, ub=1, integer=True, cost=-v)
    b.add_rows("weight", 1, np.zeros(n), x, w, ub=float(np.floor(w.sum() / 2)) + 0.5)
    return b.finish(sense="max")
