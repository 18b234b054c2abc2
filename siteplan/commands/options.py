"""Solver options shared by every command that solves: one definition, one meaning.

The limits' ranges are those the scenario's `solver:` block and solver profiles accept, so a
value the YAML loader refuses is refused on the command line too (a usage error, exit 2),
instead of meaning "no limit" (`--time-limit -5`) or reaching a solver that rejects it.

`--solver` means the same in `solve`, `compare`, `sweep` and `explain`, through
`solver_choice`: a backend route, a profile name (`solvers/NAME.yaml`) or a profile path.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from siteplan.result import SolveOptions
    from siteplan.scenario.load import Scenario

SOLVER_HELP = "Backend route (highs, pulp-cbc, ...), a profile name (solvers/NAME.yaml) or a profile YAML path."


class FiniteFloatRange(click.FloatRange):
    """A FloatRange that also refuses nan and inf (nan passes every comparison)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{rv} is not a finite number.", param, ctx)
        return rv


TIME_LIMIT = FiniteFloatRange(min=0, min_open=True)
MIP_GAP = FiniteFloatRange(min=0, max=1)
THREADS = click.IntRange(min=1, max=256)


def solver_limits(f: Callable[..., Any]) -> Callable[..., Any]:
    """--time-limit, --mip-gap and --threads, as `solve`, `compare` and `sweep` take them."""
    f = click.option("--threads", type=THREADS, default=None, help="Solver threads.")(f)
    f = click.option("--mip-gap", type=MIP_GAP, default=None,
                     help="Relative gap (on the facility part for min_cost).")(f)
    return click.option("--time-limit", type=TIME_LIMIT, default=None, help="Seconds.")(f)


def solver_choice(scn: Scenario, solver: str | None, *, time_limit: float | None = None,
                  mip_gap: float | None = None, threads: int | None = None) -> tuple[str, SolveOptions]:
    """(backend route, options) for a command's `--solver` and limits; the one merge.

    `solver` is a route (it switches the backend and keeps the scenario's solver options), or
    a profile name or path (its options replace the scenario's); then the command line's
    limits override either: scenario `solver:` block < profile < command line.
    """
    from siteplan.backends.registry import ROUTES
    from siteplan.pipeline import solver_settings

    backend, profile = None, None
    if solver:
        backend, profile = (solver, None) if solver in ROUTES else (None, solver)
    name, opts = solver_settings(scn, backend, None, profile)
    changes: dict[str, Any] = {k: v for k, v in (("time_limit", time_limit), ("mip_gap", mip_gap),
                                                 ("threads", threads)) if v is not None}
    return name, replace(opts, **changes)


def executor_options(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--executor, --address and --workers, as `sweep` and `batch` take them (`what` is what
    runs in parallel: "points", "districts")."""
    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option("--workers", type=click.IntRange(1, 4096), default=None,
                         help=f"Parallel {what} (local default 2; ray/dask default: the cluster's CPUs).")(f)
        f = click.option("--address", default=None, help="Ray or Dask cluster address (default: start a local one).")(f)
        return click.option("--executor", type=click.Choice(["local", "ray", "dask"]), default="local",
                            show_default=True)(f)
    return deco
