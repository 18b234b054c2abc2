"""Solver backends, one module per route, all behind `backends.base.Backend`.

Use `siteplan.backends.solve(model, backend, options)`: it picks in-process or subprocess
isolation so that every backend works whatever native library is already loaded. Code below
this layer (the classic location models) gets a `solver_for(route)` handed in instead of
importing this package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from siteplan.backends.base import SolveOptions
from siteplan.backends.registry import DEFAULT_BACKEND, cut_callback_backend, get_backend
from siteplan.backends.runner import solve, solve_with_cuts
from siteplan.model.cuts import Separator
from siteplan.model.ir import Model
from siteplan.result import SolveResult

__all__ = ["RouteSolver", "SolveOptions", "solve", "solver_for"]


@dataclass(frozen=True)
class RouteSolver:
    """A backend route bound for model code (`siteplan.result.Solver`): call it to solve."""

    name: str

    def version(self) -> str:
        return get_backend(self.name).version()

    def __call__(self, model: Model, options: SolveOptions | None = None) -> SolveResult:
        return solve(model, self.name, options)

    @property
    def supports_cut_callback(self) -> bool:
        return get_backend(self.name).supports_cut_callback

    @property
    def covering_extra(self) -> Mapping[str, object]:
        """The backend's settings for set-covering MIPs (`Backend.covering_extra`)."""
        return get_backend(self.name).covering_extra

    def with_cuts(self, model: Model, options: SolveOptions | None, separator: Separator) -> SolveResult:
        """Solve with `separator` called from inside the branch and bound (in this process)."""
        return solve_with_cuts(model, self.name, options, separator)

    def cut_solver(self) -> RouteSolver | None:
        """This route if its backend has a cut callback, else the first available route
        whose backend has one, else None (model code asks this instead of naming solvers)."""
        name = cut_callback_backend(self.name)
        return None if name is None else RouteSolver(name)


def solver_for(name: str | None = None) -> RouteSolver:
    """The `Solver` for route `name` (default: the default backend); an unknown name fails here."""
    return RouteSolver(get_backend(name or DEFAULT_BACKEND).name)
