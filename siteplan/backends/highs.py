"""HiGHS through highspy: the model passes as arrays (CSR), no per-variable Python objects."""

from __future__ import annotations

import threading
import time
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan.backends.base import Backend, SolveOptions
from siteplan.backends.common import (
    SOLVE_THREAD,
    ProgressReporter,
    known_warm_start,
    quiet_native,
    run_interruptibly,
)
from siteplan.errors import SolverError
from siteplan.model.ir import Model
from siteplan.result import SolveResult, Termination

if TYPE_CHECKING:
    from siteplan.backends.highs_kept import KeptHighs

#: HighsModelStatus name -> (termination if a solution exists, termination if not, limit)
STATUS_MAP: dict[str, tuple[Termination, Termination, str | None]] = {
    "kOptimal": (Termination.OPTIMAL, Termination.ERROR, None),
    "kInfeasible": (Termination.INFEASIBLE, Termination.INFEASIBLE, None),
    # settled by a feasibility re-solve (common.settle_inf_or_unbd)
    "kUnboundedOrInfeasible": (Termination.ERROR, Termination.ERROR, None),
    "kUnbounded": (Termination.UNBOUNDED, Termination.UNBOUNDED, None),
    "kTimeLimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "time"),
    "kIterationLimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "iterations"),
    "kSolutionLimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "solutions"),
    "kInterrupt": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "interrupt"),
    "kHighsInterrupt": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "interrupt"),
    "kMemoryLimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "memory"),
    "kObjectiveBound": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "other"),
    "kObjectiveTarget": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "other"),
}


#: thread count HiGHS's process-wide scheduler was started with here: None = not started,
#: 0 = started with HiGHS's default
_scheduler_threads: int | None = None


def _use_threads(highspy: Any, threads: int | None) -> None:
    """HiGHS keeps one global scheduler per process; a later solve asking for a different
    thread count fails ("global scheduler has already been initialized") unless it is reset."""
    global _scheduler_threads
    if threads is None:  # the default works with whatever scheduler exists
        if _scheduler_threads is None:
            _scheduler_threads = 0
        return
    if _scheduler_threads is not None and _scheduler_threads != threads:
        highspy.Highs.resetGlobalScheduler(True)
    _scheduler_threads = int(threads)


def _report_progress(h: Any, report: ProgressReporter | ProgressHook) -> None:
    """Best bound and incumbent while the MIP runs: HiGHS calls back often from its search
    (throttled to one event every few seconds) and at every improving solution."""

    def tick(event: Any) -> None:
        d = event.data_out
        report(d.running_time, d.mip_primal_bound, d.mip_dual_bound, d.mip_node_count)

    def improved(event: Any) -> None:
        d = event.data_out
        report(d.running_time, d.objective_function_value, d.mip_dual_bound, d.mip_node_count, force=True)

    h.cbMipInterrupt += tick
    h.cbMipImprovingSolution += improved


class ProgressHook:
    """The one progress callback a kept Highs object carries (callbacks added to it stay):
    each solve points `report` at its own reporter, or at nothing."""

    def __init__(self) -> None:
        self.report: ProgressReporter | None = None

    def __call__(self, seconds: float, incumbent: float | None, bound: float | None, nodes: int,
                 force: bool = False) -> None:
        if self.report is not None:
            self.report(seconds, incumbent, bound, nodes, force=force)


def progress_hook(h: Any) -> ProgressHook:
    """A `ProgressHook` installed on `h`, silent until a solve sets its reporter."""
    hook = ProgressHook()
    _report_progress(h, hook)
    return hook


def _run(highspy: Any, h: Any) -> Any:
    """h.run(); in the helper thread of `run_interruptibly`, also release that thread's hold on
    HiGHS's scheduler before the thread ends (as highspy's own threaded solve does)."""
    try:
        return h.run()
    finally:
        if threading.current_thread().name == SOLVE_THREAD:
            highspy.Highs.resetThreadScheduler(False)


class HighsBackend(Backend):
    name = "highs"
    module = "highspy"
    distribution = "highspy"
    clashes = ("ortools",)
    loads = ("highspy",)
    supports_warm_start = True
    #: the root restart re-presolves and drops the cut pool, and the sub-MIP / jump heuristics
    #: spend most root LP iterations (11,641 of 17,395 on a p-center probe) without finding what
    #: branching finds: the five MIP probes of the n = 1,000 p-center 9.3 -> 4.6 CPU s, LSCP
    #: n = 1,000 13.5 -> 11.2 CPU s, the MCLP core 0.80 -> 0.39 CPU s, against the defaults
    covering_extra = MappingProxyType({
        "mip_allow_restart": False, "mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False,
        "mip_heuristic_run_feasibility_jump": False, "mip_heuristic_run_root_reduced_cost": False})
    description = "HiGHS MIP solver through highspy (arrays passed directly)"

    @quiet_native  # the banner prints when Highs() is made, before output_flag can be set
    def run(self, model: Model, options: SolveOptions) -> SolveResult:
        import highspy

        t0 = time.perf_counter()
        h = highspy.Highs()
        self.configure(h, options)
        pass_model(h, model)
        return self.solve_passed(h, model, options, t0)

    def kept_instance(self, model: Model) -> KeptHighs:
        """One Highs object holding `model`, re-solved after bound and cost changes."""
        from siteplan.backends.highs_kept import KeptHighs

        return KeptHighs(self, model)

    def configure(self, h: Any, options: SolveOptions) -> None:
        """Set the common options and the pass-through on `h` (an unknown one is an error)."""
        import highspy

        h.setOptionValue("output_flag", bool(options.log))
        h.setOptionValue("log_to_console", bool(options.log))
        if options.time_limit is not None:
            h.setOptionValue("time_limit", float(options.time_limit))
        if options.mip_gap is not None:
            h.setOptionValue("mip_rel_gap", float(options.mip_gap))
        if options.abs_gap is not None:
            h.setOptionValue("mip_abs_gap", float(options.abs_gap))
        _use_threads(highspy, options.threads)
        if options.threads is not None:
            h.setOptionValue("threads", int(options.threads))
        if options.seed is not None:
            h.setOptionValue("random_seed", int(options.seed))
        for key, value in options.extra.items():
            if h.setOptionValue(key, value) != highspy.HighsStatus.kOk:
                if not _known_option(h, key):
                    raise self.unknown_option(key, "use a HiGHS option name, e.g. presolve: 'off'")
                raise SolverError(f"backend 'highs' cannot set option {key!r} to {value!r}",
                                  fix="give a value of the option's type, e.g. presolve: 'off'")

    def solve_passed(self, h: Any, model: Model, options: SolveOptions, t0: float,
                     progress: ProgressHook | None = None) -> SolveResult:
        """Give `h` (holding `model`) the warm start, run it and read the result.

        `progress`: a kept instance's one callback hook (callbacks added to a Highs object
        stay on it); a fresh instance gets its callbacks here."""
        import highspy

        start_note: dict[str, str] = {}
        known = known_warm_start(model)
        if known is not None:  # a partial start is completed by HiGHS (sub-MIP on the rest)
            idx, val = known
            st = h.setSolution(int(idx.size), idx.astype(np.int32), val.astype(np.float64))
            start_note["warm_start"] = "accepted" if st != highspy.HighsStatus.kError else "rejected"
        build = time.perf_counter() - t0
        report = ProgressReporter(options.progress) if options.progress is not None else None
        if progress is not None:
            progress.report = report if model.integer.any() else None
        elif report is not None and model.integer.any():
            _report_progress(h, report)

        t1 = time.perf_counter()
        h.HandleUserInterrupt = True  # HiGHS polls cancelSolve()'s flag from its callbacks
        run_interruptibly(lambda: _run(highspy, h), h.cancelSolve)
        solve_s = time.perf_counter() - t1
        return self._read(h, model, options, build, solve_s, start_note)

    def _read(self, h: Any, model: Model, options: SolveOptions, build: float, solve_s: float,
              start_note: dict[str, str]) -> SolveResult:
        """The `SolveResult` of `h`'s last run, its status read through `STATUS_MAP`."""
        status_name = h.modelStatusToString(h.getModelStatus())
        key = "k" + str(h.getModelStatus()).split(".")[-1].removeprefix("k")
        info = h.getInfo()
        has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
        with_sol, without, limit = STATUS_MAP.get(key, (Termination.ERROR, Termination.ERROR, None))
        status = with_sol if has_sol else without
        if key == "kUnboundedOrInfeasible":  # settle it: a user needs to know which
            status = self.settle_inf_or_unbd(model, options)
            limit = "other" if status == Termination.NO_SOLUTION_FOUND else None
            has_sol = False
        if not status.has_solution:
            has_sol = False  # e.g. an unbounded LP comes with a point; it is not a plan
        x = np.asarray(h.getSolution().col_value, dtype=float) if has_sol else None
        objective = float(info.objective_function_value) if has_sol else None
        bound: float | None
        if model.integer.any():
            bound = float(info.mip_dual_bound)
            nodes = int(info.mip_node_count)
        else:
            bound = objective if status == Termination.OPTIMAL else None
            nodes = 0
        return SolveResult(
            backend=self.name,
            status=status,
            limit=limit,
            objective=objective,
            bound=bound,
            x=x,
            build_seconds=build,
            solve_seconds=solve_s,
            nodes=nodes,
            backend_version=self.version(),
            message=status_name,
            extra=start_note,
        )


def pass_model(h: Any, model: Model) -> None:
    """Hand `model` to `h` as column-wise arrays."""
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_ = model.n_vars
    lp.num_row_ = model.n_rows
    lp.col_cost_ = model.c
    lp.col_lower_ = model.lb
    lp.col_upper_ = model.ub
    lp.row_lower_ = model.row_lb
    lp.row_upper_ = model.row_ub
    lp.offset_ = model.offset
    A = model.A.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data
    lp.a_matrix_.num_col_ = model.n_vars
    lp.a_matrix_.num_row_ = model.n_rows
    if model.integer.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous
            for f in model.integer
        ]
    if h.passModel(lp) == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the model (a bound, cost or coefficient it cannot take)",
                          fix="this is a bug in siteplan's model building; please report it")


def _known_option(h: Any, key: str) -> bool:
    """Whether HiGHS has an option called `key` (its setter fails alike for a bad name or value)."""
    try:
        status, _ = h.getOptionType(key)
    except Exception:  # noqa: BLE001 - older highspy: no getOptionType; treat the name as unknown
        return False
    return bool(status == type(status).kOk)
