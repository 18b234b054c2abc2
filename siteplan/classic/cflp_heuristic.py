"""Local search on the sites of a CFLP plan, moves ranked by the Lagrangian site values.

Why: reduced-cost fixing closes a site only when its flip lifts the Lagrangian bound above
the best plan's cost, so a plan 0.2% above the optimum (capb@6000) leaves half the sites
open to the exact master, and the master then needs minutes. The Lagrangian plans are
close but not always optimal; close/open/swap moves fix most of the rest.

Each move is priced exactly by one transportation LP over a fixed pool of sites (the
plan's and the ones the Lagrangian likes best), kept warm between moves (`Transport`).
Moves are tried in the order of their Lagrangian estimate w_j = f_j + g_j(u) (what site j
adds to the relaxed cost), first improvement taken, at most `MOVES_PER_ROUND` per round.
That cap was 12: on capb@7000 and capc@5000 the first 12 or 30 moves of a round found
nothing while a later one led to a plan that lets fixing close 60 and 76 sites instead of
37 and 64 (60 moves: 150 LPs, 1.2 CPU s; the whole neighbourhood reaches the same plans
with ~320 LPs, 3 CPU s, and costs its full time share on capa, whose plans are optimal).
"""

from __future__ import annotations

import time

import numpy as np

from siteplan.classic.transport import Transport

#: the pool: the plan's sites plus this many more, lowest w first
POOL = 25
#: moves priced per round before giving up on the plan
MOVES_PER_ROUND = 60


def improve(plan: np.ndarray, w: np.ndarray, cost: np.ndarray, demand: np.ndarray,
            capacity: np.ndarray, fixed: np.ndarray, time_limit: float) -> tuple[float, np.ndarray, int]:
    """(cost, plan, LPs solved): the best plan found from `plan` by close/open/swap moves."""
    t0 = time.perf_counter()
    total = float(demand.sum())
    others = np.flatnonzero(plan == 0.0)
    pool = np.union1d(np.flatnonzero(plan > 0.0), others[np.argsort(w[others])[:POOL]])
    lp = Transport(cost, demand, capacity, pool)

    def price(y: np.ndarray) -> float:
        return float(fixed @ y) + lp.solve(y)[0]

    best_y = (plan > 0.0).astype(float)
    best = price(best_y)
    while time.perf_counter() - t0 < time_limit:
        opened = np.flatnonzero(best_y[pool] > 0.0)
        opened, closed = pool[opened], np.setdiff1d(pool, pool[opened])
        spare = float(capacity @ best_y) - total
        moves: list[tuple[float, int, int]] = []  # (estimate, site to close, site to open)
        moves += [(float(-w[j]), int(j), -1) for j in opened if spare >= capacity[j]]
        moves += [(float(w[k]), -1, int(k)) for k in closed]
        moves += [(float(w[k] - w[j]), int(j), int(k)) for j in opened for k in closed
                  if spare - capacity[j] + capacity[k] >= 0.0]
        moves.sort()
        found = False
        for _, j, k in moves[:MOVES_PER_ROUND]:
            y = best_y.copy()
            if j >= 0:
                y[j] = 0.0
            if k >= 0:
                y[k] = 1.0
            value = price(y)
            if value < best - 1e-9 * abs(best):
                best, best_y, found = value, y, True
                break
            if time.perf_counter() - t0 >= time_limit:
                break
        if not found:
            break
    return best, best_y, lp.solves
