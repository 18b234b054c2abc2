"""A Highs object kept between solves of one model whose bounds, costs and right-hand sides
change (sweep points): the changed entries are passed, not the model.

What a kept instance keeps: the model (no new arrays, no new CSC copy, no new passModel),
and for an LP the last basis, which HiGHS's simplex starts from after bound changes. For a
MIP, HiGHS starts each run from presolve either way, so the solver state is cleared and the
run gets only the warm start the model carries, exactly as a fresh instance would: no plan
from an earlier point leaks into a later one.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from siteplan.backends.base import SolveOptions
from siteplan.backends.common import quiet_native
from siteplan.backends.highs import HighsBackend, ProgressHook, pass_model, progress_hook
from siteplan.model.ir import Model
from siteplan.result import SolveResult


def same_structure(a: Model, b: Model) -> bool:
    """True when `b` is `a` with other bounds, costs, row bounds or offset only: the same
    matrix entry for entry and the same integer columns (names of keys are not trusted)."""
    if a.A.shape != b.A.shape or not np.array_equal(a.integer, b.integer):
        return False
    A, B = a.A.tocsr(), b.A.tocsr()
    return (np.array_equal(A.indptr, B.indptr) and np.array_equal(A.indices, B.indices)
            and np.array_equal(A.data, B.data))


def _changed(old: np.ndarray, new: np.ndarray, *more: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Indices where `new` differs from `old` (or any further (old, new) pair does), as int32."""
    diff = old != new
    for o, n in more:
        diff |= o != n
    return np.flatnonzero(diff).astype(np.int32)


class KeptHighs:
    """One Highs object holding a model; `run` solves a model of the same structure in it."""

    def __init__(self, backend: HighsBackend, model: Model):
        import highspy

        self.backend = backend
        self.model = model
        self.h: Any = None
        self.hook: ProgressHook | None = None
        self._highspy = highspy
        self.solves = 0

    def fits(self, model: Model) -> bool:
        return same_structure(self.model, model)

    def _update(self, model: Model) -> None:
        """Pass what differs from the model `h` holds: costs, column and row bounds, offset."""
        old, h = self.model, self.h
        idx = _changed(old.c, model.c)
        if idx.size:
            h.changeColsCost(int(idx.size), idx, model.c[idx].astype(np.float64))
        idx = _changed(old.lb, model.lb, (old.ub, model.ub))
        if idx.size:
            h.changeColsBounds(int(idx.size), idx, model.lb[idx].astype(np.float64), model.ub[idx].astype(np.float64))
        idx = _changed(old.row_lb, model.row_lb, (old.row_ub, model.row_ub))
        if idx.size:
            h.changeRowsBounds(int(idx.size), idx, model.row_lb[idx].astype(np.float64),
                               model.row_ub[idx].astype(np.float64))
        if old.offset != model.offset:
            h.changeObjectiveOffset(float(model.offset))
        self.model = model

    @quiet_native  # the banner prints when Highs() is made
    def run(self, model: Model, options: SolveOptions) -> SolveResult:
        """Solve `model` (which `fits`) in the kept instance, with `options` set afresh."""
        t0 = time.perf_counter()
        if self.h is None:
            h = self._highspy.Highs()
            pass_model(h, model)  # kept only once it holds the model
            self.h, self.model = h, model
        else:
            self.h.resetOptions()
            self._update(model)
            if model.integer.any():
                self.h.clearSolver()  # no incumbent of the last point: only the model's warm start
        self.backend.configure(self.h, options)
        if options.progress is not None and self.hook is None:
            self.hook = progress_hook(self.h)
        self.solves += 1
        res = self.backend.solve_passed(self.h, model, options, t0, progress=self.hook)
        res.extra["model_reuse"] = "kept" if self.solves > 1 else "built"
        return res
