"""Solver backends, one module per route, all behind `backends.base.Backend`.

Use `siteplan.backends.solve(model, backend, options)`: it picks in-process or subprocess
isolation so that every backend works whatever native library is already loaded. Code below
this layer (the classic location models) gets a `solver_for(route)` handed in instead of
importing this package.
"""

from __future__ import annotations

from dataclasses import dataclass

from siteplan.backends.base import SolveOptions
from siteplan.backends.registry import DEFAULT_BACKEND, get_backend
from siteplan.backends.runner import solve
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


def solver_for(name: str | None = None) -> RouteSolver:
    """The `Solver` for route `name` (default: the default backend); an unknown name fails here."""
    return RouteSolver(get_backend(name or DEFAULT_BACKEND).name)
