"""The `adaptive` route: HiGHS, except where measurement says SCIP is the faster solver.

Why: HiGHS is the better default for almost every model siteplan solves, but not for the
coverage phase of a `max_coverage` plan whose budget reaches few residents. There HiGHS
spends most of each solve in its root cut loop and sub-MIP heuristics, and SCIP proves the
same optimum 1.4-6x faster; where the budget reaches half the residents or more, HiGHS is
faster again and SCIP sometimes stops at the limit with a worse plan (benchmarks/README.md,
"The adaptive route"). The share the
model's LP relaxation covers is known before the MIP, costs a few hundredths of a second,
and separates the two cases: `route` reads it and names the backend that solves.

The rule applies to models that say what full coverage is (`meta["coverage_total"]`, set by
the planning model for `max_coverage`) and carry no solver options of their own (`extra`
names one solver's options, so such a model stays on HiGHS). Everything else, LPs included,
goes to HiGHS. The result says which backend solved it and why (`extra["route"]`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np

from siteplan.backends.base import Backend, SolveOptions
from siteplan.backends.highs import HighsBackend
from siteplan.errors import UnknownOptionError
from siteplan.kinds import Phase
from siteplan.model.ir import Model
from siteplan.result import SolveResult

#: the route that solves everything the rule does not send elsewhere
BASE = "highs"
#: where a coverage phase that reaches few residents goes
FEW_COVERED = "scip"
#: a coverage phase whose LP relaxation covers less than this share of residents goes to SCIP:
#: the best single cut over 52 measured points on 5 generated cities and xinhe (0.42-0.45 are
#: about as good; 0.40 costs twice the excess CPU). Below it SCIP was faster at 24 of 25 points,
#: above 0.46 HiGHS is the safe choice: SCIP's losses there cost 21-78 CPU s and twice a worse
#: plan at the limit (benchmarks/results/lpshare9)
SCIP_BELOW = 0.43
#: the LP's time limit: this share of the solve's, and never more than LP_SECONDS
LP_SHARE, LP_SECONDS = 0.1, 30.0


def route(model: Model, options: SolveOptions) -> tuple[str, dict[str, Any]]:
    """(backend, why) for `model` on the adaptive route; `why` is JSON-ready."""
    total = model.meta.get("coverage_total")
    if model.meta.get("objective") != Phase.MAX_COVERAGE or not total or not model.integer.any():
        return BASE, {"rule": "not a coverage phase"}
    if options.extra:
        return BASE, {"rule": "solver options given (they are HiGHS's)"}
    from siteplan.backends.registry import get_backend
    from siteplan.backends.runner import solve

    if not get_backend(FEW_COVERED).available()[0]:
        return BASE, {"rule": f"{FEW_COVERED} is not installed"}
    limit = LP_SECONDS if options.time_limit is None else min(LP_SECONDS, LP_SHARE * options.time_limit)
    t0 = time.perf_counter()
    lp = solve(model.replace(integer=np.zeros_like(model.integer), warm_start=None), BASE,
               SolveOptions(time_limit=limit, threads=options.threads, isolation=options.isolation))
    seconds = round(time.perf_counter() - t0, 3)
    if lp.objective is None:
        return BASE, {"rule": "the LP relaxation gave no value", "lp_seconds": seconds}
    share = round(-lp.objective / float(total), 4)  # the coverage phase minimises -residents covered
    return (FEW_COVERED if share < SCIP_BELOW else BASE), {
        "rule": f"its LP relaxation covers {share:.1%} of residents, {'under' if share < SCIP_BELOW else 'not under'} "
                f"{SCIP_BELOW:.0%}", "lp_share": share, "lp_seconds": seconds}


def describe(backend: str, why: Mapping[str, Any] | None) -> str | None:
    """The progress line for a choice the rule made (None where it had nothing to weigh)."""
    if why is None or "lp_share" not in why:
        return None
    return f"adaptive: the coverage phase goes to {backend}: {why['rule']}"


class AdaptiveBackend(Backend):
    name = "adaptive"
    module = "highspy"
    distribution = "highspy"
    clashes = ()  # solves through `runner.solve`, which isolates each backend it picks
    loads = ()
    supports_warm_start = True  # both routes take one
    covering_extra: ClassVar[Mapping[str, object]] = HighsBackend.covering_extra  # classic models go to HiGHS
    description = (f"{BASE}, and {FEW_COVERED} for a max_coverage coverage phase whose LP covers "
                   f"under {SCIP_BELOW:.0%} of residents (the default)")

    def version(self) -> str:
        from siteplan.backends.registry import get_backend

        return f"{BASE} {get_backend(BASE).version()}, {FEW_COVERED} {get_backend(FEW_COVERED).version()}"

    def resolve(self, model: Model, options: SolveOptions) -> tuple[str, dict[str, Any]]:
        return route(model, options)

    def run(self, model: Model, options: SolveOptions) -> SolveResult:
        from siteplan.backends.runner import solve

        backend, why, left, spent = pick(self, model, options)
        try:
            res = routed(solve(model, backend, left), backend, why, spent)
        except UnknownOptionError as exc:  # the route's name, as every backend names itself
            raise self.unknown_option(exc.option, exc.fix or "") from None
        res.backend, res.backend_version = self.name, f"{backend} {res.backend_version}"  # as the race does
        return res


def pick(backend: Backend, model: Model, options: SolveOptions
         ) -> tuple[str, dict[str, Any] | None, SolveOptions, float]:
    """`backend.resolve` timed: (route, why, the options left for the route, seconds spent
    choosing). The route's time limit is the run's less what choosing took (at least half)."""
    t0 = time.perf_counter()
    name, why = backend.resolve(model, options)
    spent = time.perf_counter() - t0 if why is not None else 0.0
    if options.time_limit is not None and spent > 0:
        options = replace(options, time_limit=max(options.time_limit - spent, 0.5 * options.time_limit))
    return name, why, options, spent


def routed(res: SolveResult, backend: str, why: Mapping[str, Any] | None, spent: float) -> SolveResult:
    """`res` with the route taken (`extra["route"]`) and the time spent choosing it."""
    if why is not None:
        res.extra = dict(res.extra, route=dict(why, backend=backend))
        res.solve_seconds += spent
    return res
