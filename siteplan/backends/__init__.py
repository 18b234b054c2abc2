"""Solver backends, one module per route, all behind `backends.base.Backend`.

Use `siteplan.backends.solve(model, backend, options)`: it picks in-process or subprocess
isolation so that every backend works whatever native library is already loaded.
"""

from siteplan.backends.base import SolveOptions
from siteplan.backends.runner import solve

__all__ = ["SolveOptions", "solve"]
