"""Solver-limit options shared by every command that solves: one definition, one range.

The ranges are those the scenario's `solver:` block and solver profiles accept, so a value
the YAML loader refuses is refused on the command line too (a usage error, exit 2), instead
of meaning "no limit" (`--time-limit -5`) or reaching a solver that rejects it.
"""

from __future__ import annotations

import math

import click


class FiniteFloatRange(click.FloatRange):
    """A FloatRange that also refuses nan and inf (nan passes every comparison)."""

    def convert(self, value, param, ctx):
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{rv} is not a finite number.", param, ctx)
        return rv


TIME_LIMIT = FiniteFloatRange(min=0, min_open=True)
MIP_GAP = FiniteFloatRange(min=0, max=1)
THREADS = click.IntRange(min=1, max=256)


def solver_limits(f):
    """--time-limit, --mip-gap and --threads, as `solve`, `compare` and `sweep` take them."""
    f = click.option("--threads", type=THREADS, default=None, help="Solver threads.")(f)
    f = click.option("--mip-gap", type=MIP_GAP, default=None,
                     help="Relative gap (on the facility part for min_cost).")(f)
    return click.option("--time-limit", type=TIME_LIMIT, default=None, help="Seconds.")(f)
