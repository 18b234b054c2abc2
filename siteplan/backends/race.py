"""A racing portfolio: HiGHS and SCIP on the same model at once, one process each.

Why: on two cores the solvers' strengths differ by instance (HiGHS's cuts and heuristics,
SCIP's knapsack covers and conflict analysis), and running both costs no more wall time than
running one. Each entrant runs in its own worker process (`runner.start_child`: highspy and
the HiGHS inside ortools clash in one process, and a process can be stopped cleanly):
  * the first to stop with a proven answer (optimal, or the gap target reached, or proved
    infeasible) wins, and the other is stopped (Ctrl-C, then killed with its process group);
  * when both stop at the time limit, the better plan is returned, with the better of the two
    bounds (each is valid for the same model), so the race's gap is never worse than either's;
  * `extra` holds each entrant's own options under its name (`{highs: {presolve: "off"}}`);
  * an LP (no integer column) is not raced: the first entrant solves it alone;
  * both start from the model's warm start; incumbents found later are not passed between
    them (neither Python API can inject a solution into a running search).
The parent relays one progress line for the race: the best plan and best bound of both.
Ctrl-C or any error in the parent stops both workers before it goes on.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from siteplan.backends.base import Backend, SolveOptions
from siteplan.backends.common import ProgressReporter
from siteplan.errors import SiteplanError
from siteplan.model.ir import Model
from siteplan.result import ProgressEvent, SolveResult, Termination

#: the entrants, in the order ties are broken
ENTRANTS = ("highs", "scip")
#: how often the parent looks at the workers
POLL_SECONDS = 0.25


def _decided(res: SolveResult) -> bool:
    """A result that ends the race: nothing the other entrant finds can improve on it."""
    return res.status in (Termination.OPTIMAL, Termination.INFEASIBLE, Termination.UNBOUNDED)


def best_of(results: list[SolveResult]) -> SolveResult:
    """The better plan (lowest objective; ties: entrant order) with the best bound of all."""
    with_plan = [r for r in results if r.status.has_solution and r.objective is not None]
    if not with_plan:
        return results[0]
    best = min(with_plan, key=lambda r: r.objective if r.objective is not None else float("inf"))
    bounds = [r.bound for r in results if r.bound is not None]
    if bounds:
        best.bound = max(bounds)
    return best


class RaceBackend(Backend):
    name = "race"
    module = "highspy"
    distribution = "highspy"
    clashes = ()  # runs no solver in this process
    loads = ()
    supports_warm_start = True
    description = "HiGHS and SCIP racing on the two cores, one process each; first proof wins"

    def available(self) -> tuple[bool, str]:
        from siteplan.backends.registry import get_backend

        for name in ENTRANTS:
            ok, why = get_backend(name).available()
            if not ok:
                return False, f"{name}: {why}"
        return True, ""

    def run(self, model: Model, options: SolveOptions) -> SolveResult:
        for key, value in options.extra.items():  # options by entrant: {highs: {...}, scip: {...}}
            if key not in ENTRANTS or not isinstance(value, dict):
                raise self.unknown_option(key, f"give each entrant its own options: "
                                               f"{{{', '.join(f'{n}: {{...}}' for n in ENTRANTS)}}}")
        if not model.integer.any():  # an LP is no race: HiGHS's simplex (in this process unless it clashes)
            from siteplan.backends.runner import solve

            first = replace(options, extra=dict(options.extra.get(ENTRANTS[0], {})))
            res = solve(model, ENTRANTS[0], first)
            res.extra = dict(res.extra, race={"winner": res.backend, "entrants": {}, "stopped": [], "lp": True})
            res.backend, res.backend_version = self.name, f"{res.backend} {res.backend_version}"
            return res
        with tempfile.TemporaryDirectory(prefix="siteplan-race-") as tmp:
            return self._race(model, options, Path(tmp))

    def _race(self, model: Model, options: SolveOptions, tmp: Path) -> SolveResult:
        from siteplan.backends.runner import (
            ProgressRelay,
            hard_deadline,
            lost_result,
            start_child,
            stop_child,
        )

        t0 = time.perf_counter()
        # one core each: the HiGHS worker would otherwise also start threads on the other core
        child_opts = replace(options, threads=1, progress=options.progress, isolation="inline")
        latest: dict[str, ProgressEvent] = {}
        report = ProgressReporter(options.progress) if options.progress else None
        children, relays = [], []
        try:
            for name in ENTRANTS:
                (tmp / name).mkdir()
                own = replace(child_opts, extra=dict(options.extra.get(name, {})))
                children.append(start_child(name, model, own, tmp / name))
                relays.append(ProgressRelay(children[-1].progress, _keep(latest, name)))
            results: dict[str, SolveResult] = {}
            deadline = hard_deadline(options)
            while len(results) < len(children):
                time.sleep(POLL_SECONDS)
                for relay in relays:
                    relay.poll()
                if report is not None and latest:
                    _report_combined(report, latest)
                for child in children:
                    if child.name in results:
                        continue
                    rc = child.proc.poll()
                    late = deadline is not None and time.perf_counter() - t0 > deadline
                    if rc is None and not late:
                        continue
                    if rc is None:
                        stop_child(child.proc)
                    got = child.result() if rc is not None else None
                    if isinstance(got, SiteplanError):
                        raise got
                    results[child.name] = got if got is not None else lost_result(
                        child.name, rc, time.perf_counter() - t0)
                if any(_decided(r) for r in results.values()):
                    break
        finally:  # Ctrl-C, an error, or a winner: no worker outlives the race
            for child in children:
                if child.proc.poll() is None:
                    stop_child(child.proc)
        return self._result(results, options, time.perf_counter() - t0)

    def _result(self, results: dict[str, SolveResult], options: SolveOptions, elapsed: float) -> SolveResult:
        ordered = [results[n] for n in ENTRANTS if n in results]
        decided = [r for r in ordered if _decided(r)]
        res = decided[0] if decided else best_of(ordered)
        if not decided and _gap_met(res, options):  # together they proved what neither did alone
            res.status, res.limit = Termination.OPTIMAL, None
        res.extra = dict(res.extra, race={
            "winner": res.backend,
            "entrants": {r.backend: {"status": r.status.value, "objective": r.objective, "bound": r.bound,
                                     "seconds": round(r.solve_seconds, 2)} for r in ordered},
            "stopped": [n for n in ENTRANTS if n not in results]})
        res.message = f"{res.backend}: {res.message}".strip()
        res.backend_version = "; ".join(f"{r.backend} {r.backend_version}" for r in ordered)
        res.backend = self.name
        res.solve_seconds = elapsed
        res.peak_memory_mb = max((r.peak_memory_mb or 0.0 for r in ordered), default=None)
        return res


def _gap_met(res: SolveResult, options: SolveOptions) -> bool:
    """Whether the plan and bound meet the gap target the entrants were given."""
    if not res.status.has_solution or res.objective is None or res.bound is None:
        return False
    gap = max(res.objective - res.bound, 0.0)
    return ((options.abs_gap is not None and gap <= options.abs_gap)
            or (options.mip_gap is not None and gap <= options.mip_gap * max(abs(res.objective), 1e-9)))


def _keep(latest: dict[str, ProgressEvent], name: str) -> Callable[[ProgressEvent], None]:
    """A progress receiver that keeps entrant `name`'s latest event."""
    def keep(ev: ProgressEvent) -> None:
        latest[name] = ev
    return keep


def _report_combined(report: ProgressReporter, latest: dict[str, ProgressEvent]) -> None:
    """One event for the race: the best plan and the best bound of both entrants."""
    incs = [v for e in latest.values() if (v := e.get("incumbent")) is not None]
    bnds = [v for e in latest.values() if (v := e.get("bound")) is not None]
    report(max(e["seconds"] for e in latest.values()), min(incs) if incs else None,
           max(bnds) if bnds else None, sum(int(e.get("nodes", 0)) for e in latest.values()))
