"""The solver-neutral model: variable blocks, a sparse constraint matrix, row bounds.

Every model siteplan solves (the planning model, the classic location models) is built into
this one shape, and every backend translates from it. A backend never mutates a `Model`.

    minimise   c @ x + offset
    subject to row_lb <= A @ x <= row_ub
               lb <= x <= ub,  x[j] integer where integer[j]

Always a minimisation: builders negate a maximisation objective and record it in `sense` so
that `user_objective()` can turn the solver's number back into the user's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

INF = float("inf")


@dataclass(frozen=True)
class Model:
    """A frozen MIP in arrays. Blocks name contiguous ranges of columns and rows.

    Frozen: no field can be re-assigned. A changed model is a new one, made by `replace`,
    the one way to copy a `Model` (so a field added here is never lost by a copy site).
    The arrays inside are still numpy arrays, which a frozen dataclass cannot protect: code
    that changes bounds or costs copies the array first and passes the copy to `replace`.
    """

    name: str
    c: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray
    A: sp.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    var_blocks: dict[str, slice]
    row_blocks: dict[str, slice]
    offset: float = 0.0
    sense: str = "min"  # the user's sense; the arrays always minimise
    warm_start: np.ndarray | None = None  # NaN where unknown
    meta: dict[str, Any] = field(default_factory=dict)

    def replace(self, **changes: Any) -> Model:
        """A copy with `changes` applied; every other field is carried over as it is (arrays
        are shared, not copied: pass a new array for any you change)."""
        return dataclasses.replace(self, **changes)

    @property
    def n_vars(self) -> int:
        return int(self.c.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.A.shape[0])

    def user_objective(self, value: float | None) -> float | None:
        """The objective in the user's sense (the arrays always minimise)."""
        if value is None:
            return None
        return -value if self.sense == "max" else value

    def var_name(self, j: int) -> str:
        for name, sl in self.var_blocks.items():
            if sl.start <= j < sl.stop:
                return f"{name}[{j - sl.start}]"
        raise IndexError(j)

    def row_name(self, i: int) -> str:
        for name, sl in self.row_blocks.items():
            if sl.start <= i < sl.stop:
                return f"{name}[{i - sl.start}]"
        raise IndexError(i)

    def block(self, x: np.ndarray, name: str) -> np.ndarray:
        """The part of a solution vector that belongs to variable block `name`."""
        return x[self.var_blocks[name]]

    def violation(self, x: np.ndarray, tol: float = 1e-6) -> float:
        """Largest bound, row or integrality violation of `x` (0 means feasible)."""
        ax = self.A @ x
        worst = max(
            float(np.max(self.lb - x, initial=0.0)),
            float(np.max(x - self.ub, initial=0.0)),
            float(np.max(self.row_lb - ax, initial=0.0)),
            float(np.max(ax - self.row_ub, initial=0.0)),
        )
        xi = x[self.integer]
        if xi.size:
            worst = max(worst, float(np.max(np.abs(xi - np.round(xi)))))
        return 0.0 if worst <= tol else worst

    def objective_value(self, x: np.ndarray) -> float:
        return float(self.c @ x + self.offset)


class ModelBuilder:
    """Collects variable and row blocks, then freezes them into a `Model`.

    Rows are given in coordinate form (local row index, column index, value) so that
    builders can write vectorised numpy code; no dense matrix is ever formed.
    """

    def __init__(self, name: str):
        self.name = name
        self._c: list[np.ndarray] = []
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self._var_blocks: dict[str, slice] = {}
        self._rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._rlb: list[np.ndarray] = []
        self._rub: list[np.ndarray] = []
        self._row_blocks: dict[str, slice] = {}
        self.n_vars = 0
        self.n_rows = 0
        self.offset = 0.0

    def add_vars(self, name: str, n: int, *, lb: ArrayLike = 0.0, ub: ArrayLike = INF,
                 integer: ArrayLike = False, cost: ArrayLike = 0.0) -> np.ndarray:
        """Add a block of `n` variables; returns their column indices."""
        if name in self._var_blocks:
            raise ValueError(f"variable block {name!r} added twice")
        self._c.append(np.broadcast_to(np.asarray(cost, dtype=float), (n,)).copy())
        self._lb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy())
        self._int.append(np.broadcast_to(np.asarray(integer, dtype=bool), (n,)).copy())
        idx = np.arange(self.n_vars, self.n_vars + n, dtype=np.int64)
        self._var_blocks[name] = slice(self.n_vars, self.n_vars + n)
        self.n_vars += n
        return idx

    def add_rows(self, name: str, n: int, rows: ArrayLike, cols: ArrayLike, vals: ArrayLike, *,
                 lb: ArrayLike = -INF, ub: ArrayLike = INF) -> np.ndarray:
        """Add `n` rows given as COO triplets with local row indices 0..n-1."""
        if name in self._row_blocks:
            raise ValueError(f"row block {name!r} added twice")
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        vals = np.broadcast_to(np.asarray(vals, dtype=float), rows.shape).copy()
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise ValueError(f"row block {name!r}: local row index out of range")
        self._rows.append((rows + self.n_rows, cols, vals))
        self._rlb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy())
        self._rub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy())
        idx = np.arange(self.n_rows, self.n_rows + n, dtype=np.int64)
        self._row_blocks[name] = slice(self.n_rows, self.n_rows + n)
        self.n_rows += n
        return idx

    def add_cost(self, cols: ArrayLike, vals: ArrayLike) -> None:
        """Add objective coefficients to existing columns."""
        cols = np.asarray(cols, dtype=np.int64)
        c = self._concat(self._c, float)
        np.add.at(c, cols, np.broadcast_to(np.asarray(vals, dtype=float), cols.shape))
        self._c = [c]

    @staticmethod
    def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    def finish(self, *, sense: str = "min", meta: dict[str, Any] | None = None) -> Model:
        if self._rows:
            r = np.concatenate([t[0] for t in self._rows])
            c = np.concatenate([t[1] for t in self._rows])
            v = np.concatenate([t[2] for t in self._rows])
        else:
            r = c = np.zeros(0, dtype=np.int64)
            v = np.zeros(0)
        A = sp.csr_matrix((v, (r, c)), shape=(self.n_rows, self.n_vars))
        A.sum_duplicates()
        A.eliminate_zeros()
        return Model(
            name=self.name,
            c=self._concat(self._c, float),
            lb=self._concat(self._lb, float),
            ub=self._concat(self._ub, float),
            integer=self._concat(self._int, bool),
            A=A,
            row_lb=self._concat(self._rlb, float),
            row_ub=self._concat(self._rub, float),
            var_blocks=dict(self._var_blocks),
            row_blocks=dict(self._row_blocks),
            offset=self.offset,
            sense=sense,
            meta=dict(meta or {}),
        )
