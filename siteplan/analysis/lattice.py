"""When a tier's integer optimum is implied: shortfalls that can only take whole steps.

Why: a tier such as "workers per 10,000 urban residents" measures a shortfall of whole
workers. Its optimum lies on a lattice {0} ∪ {φ + kδ}: once a plan and a bound are less
than one step δ apart (and no lattice value lies between them), the plan is proven optimal.
That proof needs a gap of almost δ instead of the 0.1% the tier solves use otherwise, and
often comes from the LP relaxation alone, without a MIP: the solve that used to take most
of an explanation's time.

A shortfall column s is on a lattice when it appears in one row, and every other column
of that row is integer with an integer coefficient and the row's finite bound is a whole
number away from an integer combination: then s = (bound − integers)/|coef| at the optimum
(the tier minimises s), a multiple of 1/|coef| offset by frac(bound)/|coef|.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from siteplan.model.ir import Model

#: relative tolerance for comparing steps and for integrality of coefficients and bounds
EPS = 1e-9


@dataclass(frozen=True)
class Lattice:
    """Tier values a plan with integer columns can take: {0} ∪ {offset + k·step, k ≥ 0}."""

    step: float
    offset: float  # in [0, step): the smallest positive value is offset, or step when 0

    def first(self) -> float:
        """The smallest positive value."""
        return self.offset if self.offset > EPS * self.step else self.step

    def ceil(self, value: float, tol: float = 1e-7) -> float:
        """The smallest lattice value >= value − tol."""
        if value <= tol:
            return 0.0
        if value <= self.first() + tol:
            return self.first()
        base = self.offset if self.offset > EPS * self.step else 0.0
        return base + math.ceil((value - base - tol) / self.step) * self.step

    def proves(self, value: float, bound: float, tol: float = 1e-7) -> bool:
        """No lattice value lies in [bound, value) (with tolerance): `value` is optimal."""
        return value <= self.ceil(bound, tol * max(1.0, abs(bound))) + tol * max(1.0, abs(value))


def _frac(v: float) -> float:
    return v - math.floor(v)


def _whole(v: np.ndarray) -> bool:
    return bool(np.all(np.abs(v - np.round(v)) <= EPS * np.maximum(1.0, np.abs(v))))


def column_step(model: Model, j: int, cost: float) -> tuple[float, float] | None:
    """(weighted step, offset) of shortfall column j, or None when it is not on a lattice."""
    A = model.A.tocsc()
    rows = A.indices[A.indptr[j]:A.indptr[j + 1]]
    coefs = A.data[A.indptr[j]:A.indptr[j + 1]]
    if len(rows) != 1 or coefs[0] == 0:
        return None
    i, a = int(rows[0]), float(coefs[0])
    row = model.A.getrow(i)
    others = row.indices != j
    cols, vals = row.indices[others], row.data[others]
    if not np.all(model.integer[cols]) or not _whole(vals):
        return None
    # the bound the shortfall meets: lower for a +coef (>= row), upper for a -coef (<= row)
    bound = model.row_lb[i] if a > 0 else model.row_ub[i]
    if not np.isfinite(bound):
        return None
    # integer columns fixed at non-integers would break the lattice
    fixed = model.lb[cols] == model.ub[cols]
    if fixed.any() and not _whole(model.lb[cols][fixed]):
        return None
    step = cost / abs(a)
    # s = (bound - integers)/a for a >= row, (integers - bound)/|a| for a <= row
    return step, _frac(bound if a > 0 else -bound) * step


def tier_lattice(model: Model, cost: np.ndarray) -> Lattice | None:
    """The lattice of a tier with objective `cost` (its shortfall columns), or None.

    One column: any offset. Several: all with the same step and offset 0, so that sums stay
    on the lattice; otherwise None (the tier is solved to the usual gap).
    """
    cols = np.flatnonzero(cost)
    if not len(cols) or len(cols) > 50_000:
        return None
    steps = []
    for j in cols:
        s = column_step(model, int(j), float(cost[j]))
        if s is None:
            return None
        steps.append(s)
    step = steps[0][0]
    if any(abs(s - step) > EPS * step for s, _ in steps):
        return None
    if len(steps) == 1:
        return Lattice(step, steps[0][1])
    if any(min(o, step - o) > 1e-7 * step for _, o in steps):
        return None
    return Lattice(step, 0.0)
