"""Rows a solver asks for while it runs: the neutral lazy-constraint / user-cut callback.

Why: a decomposition (Benders) keeps most of its rows out of the model and adds the ones the
current point violates. Model code writes a `Separator`; a backend that can call it from
inside its branch and bound (`Backend.supports_cut_callback`) does so at every LP point it
asks about, and model code never learns which solver ran.

Contract of `Separator.separate(x, integral)`:
  * `x` is a point of the model's columns (the node LP optimum, or a candidate solution);
  * `integral=True`: x satisfies the model's rows and integrality. Return the rows x
    violates, or None if x is feasible for the full problem. These are lazy constraints:
    the backend rejects x whenever a returned row is violated.
  * `integral=False`: x is a fractional LP point. Returned rows are user cuts (optional,
    only to tighten the bound); None is always allowed.
  * every returned row must be valid for the whole problem (global, not node-local).
Optional attribute `lean_search = True`: the rows carry the bound and the caller's warm
start is strong, so a backend may skip its own primal heuristics, strong branching and
general-purpose cut families (SCIP does; see `backends/scip_cuts.py`).
Optional attribute `stop_requested`: once True after a call, the backend ends its search as
an interrupt (the best solution so far, status FEASIBLE), so the caller can restart it with
what it learned (a better plan that fixes more columns).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from siteplan.model.ir import Model
    from siteplan.result import SolveOptions, SolveResult


@dataclass(frozen=True)
class CutRows:
    """Rows lb <= A x <= ub over the model's columns, A in CSR arrays."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    lb: np.ndarray
    ub: np.ndarray

    @property
    def n_rows(self) -> int:
        return int(self.lb.shape[0])

    def activity(self, x: np.ndarray) -> np.ndarray:
        """A @ x, row by row."""
        row = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
        return np.bincount(row, weights=self.data * x[self.indices], minlength=self.n_rows)

    def violated(self, x: np.ndarray, tol: float = 1e-6) -> np.ndarray:
        """Boolean mask of the rows x violates by more than `tol` (relative to the side)."""
        act = self.activity(x)
        lo = self.lb - act > tol * np.maximum(1.0, np.abs(self.lb))
        hi = act - self.ub > tol * np.maximum(1.0, np.abs(self.ub))
        return lo | hi

    def subset(self, keep: np.ndarray) -> CutRows:
        """The rows where `keep` is True."""
        rows = np.flatnonzero(keep)
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        take = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)]) if rows.size \
            else np.zeros(0, dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(ends - starts)])
        return CutRows(indptr, self.indices[take], self.data[take], self.lb[rows], self.ub[rows])


class Separator(Protocol):
    """Model code's half of the callback (see the module docstring for the contract)."""

    def separate(self, x: np.ndarray, integral: bool) -> CutRows | None: ...


class CutSolver(Protocol):
    """A route whose backend calls a `Separator` (`RouteSolver.cut_solver()` hands one out):
    what model code needs to run a branch-and-cut without importing the backends."""

    @property
    def name(self) -> str: ...

    def version(self) -> str: ...

    def with_cuts(self, model: Model, options: SolveOptions, separator: Separator) -> SolveResult: ...
