"""SCIP through PySCIPOpt, loaded from an MPS file that SCIP's C reader parses.

Why a file: PySCIPOpt builds constraints from Python expression objects, which costs seconds
per 100k terms; SCIP's MPS reader takes the same model in a fraction of that. Columns are
named C<j> (`backends.mps`), so values map back by name. SCIP is single-threaded here
(`threads` is ignored); the seed shifts SCIP's random seeds; `extra` takes SCIP parameter
names (`limits/nodes`, `presolving/maxrounds`, ...). PySCIPOpt clashes with neither highspy
nor ortools (tested in tests/backends/test_isolation.py).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from siteplan.backends.base import Backend, SolveOptions
from siteplan.backends.common import (
    known_warm_start,
    quiet_native,
    run_interruptibly,
    solver_output,
)
from siteplan.backends.mps import trivially_infeasible, write_mps
from siteplan.errors import SolverError
from siteplan.model.cuts import Separator
from siteplan.model.ir import Model
from siteplan.result import SolveResult, Termination

#: SCIP status (Model.getStatus()) -> (termination if a solution exists, if not, limit);
#: "gaplimit" is SCIP stopping at the requested gap, which siteplan calls optimal (as HiGHS
#: does); "inforunbd" is settled by a feasibility re-solve
STATUS_MAP: dict[str, tuple[Termination, Termination, str | None]] = {
    "optimal": (Termination.OPTIMAL, Termination.ERROR, None),
    "gaplimit": (Termination.OPTIMAL, Termination.ERROR, None),
    "infeasible": (Termination.INFEASIBLE, Termination.INFEASIBLE, None),
    "unbounded": (Termination.UNBOUNDED, Termination.UNBOUNDED, None),
    "inforunbd": (Termination.ERROR, Termination.ERROR, None),
    "timelimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "time"),
    "nodelimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "nodes"),
    "totalnodelimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "nodes"),
    "stallnodelimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "nodes"),
    "memlimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "memory"),
    "sollimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "solutions"),
    "bestsollimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "solutions"),
    "restartlimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "other"),
    "primallimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "other"),
    "duallimit": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "other"),
    "userinterrupt": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "interrupt"),
    "terminate": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "interrupt"),
    "unknown": (Termination.ERROR, Termination.ERROR, None),
}


class ScipBackend(Backend):
    name = "scip"
    module = "pyscipopt"
    distribution = "pyscipopt"
    clashes = ()  # verified against highspy and ortools in one process
    loads = ("pyscipopt",)
    supports_warm_start = True  # a (partial) start solution handed to SCIP before solving
    supports_cut_callback = True  # a constraint handler calls the separator (scip_cuts.py)
    description = "SCIP through PySCIPOpt, model read from a vectorised MPS file"

    def version(self) -> str:
        """PySCIPOpt's version from metadata (no native import); results add SCIP's own."""
        return super().version()

    @staticmethod
    def _scip_version() -> str:
        try:
            import pyscipopt

            m = pyscipopt.Model()
            return f"{m.getMajorVersion()}.{m.getMinorVersion()}.{m.getTechVersion()}"
        except (ImportError, AttributeError):  # version is informative only
            return "unknown"

    def _configure(self, s: Any, options: SolveOptions) -> None:
        if not options.log:
            s.hideOutput()
        # Ctrl-C stays Python's: SCIP's own handler would turn it into a "userinterrupt"
        # result (a plan saved as if a limit stopped it); run() stops SCIP on KeyboardInterrupt
        s.setParam("misc/catchctrlc", False)
        if options.time_limit is not None:
            s.setParam("limits/time", float(options.time_limit))
        if options.mip_gap is not None:
            s.setParam("limits/gap", float(options.mip_gap))
        if options.abs_gap is not None:
            s.setParam("limits/absgap", float(options.abs_gap))
        if options.seed is not None:
            s.setParam("randomization/randomseedshift", int(options.seed))
        for key, value in options.extra.items():
            try:
                s.setParam(str(key), value)
            except KeyError as exc:  # PySCIPOpt: 'Not a valid parameter name'
                raise self.unknown_option(
                    key, "use a SCIP parameter name such as 'limits/nodes'") from exc
            except Exception as exc:  # a known name given a value of the wrong type
                raise SolverError(f"backend 'scip' cannot set option {key!r} to {value!r}: {exc}",
                                  fix="give a value of the parameter's type") from exc

    @quiet_native
    def run(self, model: Model, options: SolveOptions) -> SolveResult:
        return self._run(model, options, None)

    def run_with_cuts(self, model: Model, options: SolveOptions, separator: Separator) -> SolveResult:
        with solver_output(bool(options.log)):
            return self._run(model, options, separator)

    def _run(self, model: Model, options: SolveOptions, separator: Separator | None) -> SolveResult:
        import pyscipopt

        version = f"{self.version()} (SCIP {self._scip_version()})"
        bad = trivially_infeasible(model)
        if bad:
            return SolveResult(backend=self.name, status=Termination.INFEASIBLE,
                               backend_version=version, message=bad)
        t0 = time.perf_counter()
        s = pyscipopt.Model()
        s.hideOutput()  # silence the reader; _configure turns output back on if asked
        with tempfile.TemporaryDirectory(prefix="siteplan-scip-") as tmp:
            path = Path(tmp) / "model.mps"
            write_mps(model, str(path))
            s.readProblem(str(path))
        s.hideOutput(quiet=not options.log)
        self._configure(s, options)
        svars = s.getVars()
        index = np.fromiter((int(v.name[1:]) for v in svars), dtype=np.int64, count=len(svars))
        handler = None
        if separator is not None:
            from siteplan.backends.scip_cuts import attach

            handler = attach(s, svars, index, model.n_vars, separator)
        known = known_warm_start(model)
        if known is not None:
            pos = dict(zip(index.tolist(), range(len(svars))))
            sol = s.createPartialSol() if known[0].size < model.n_vars else s.createSol()
            for j, val in zip(*known):
                s.setSolVal(sol, svars[pos[int(j)]], float(val))
            # with a separator the start passes through its check like any other point
            stored = s.addSol(sol, free=True)
            start_note = {"warm_start": "accepted" if stored else "rejected"}
        else:
            start_note = {}
        build = time.perf_counter() - t0

        t1 = time.perf_counter()
        if handler is None:
            run_interruptibly(s.optimizeNogil, s.interruptSolve)  # without the GIL: Ctrl-C is seen
        else:  # the callbacks are Python: run with the GIL (the handler checks for Ctrl-C)
            s.optimize()
        solve_s = time.perf_counter() - t1
        if handler is not None:
            handler.reraise()
            start_note = dict(start_note, **handler.stats())

        key = s.getStatus()
        with_sol, without, limit = STATUS_MAP.get(key, (Termination.ERROR, Termination.ERROR, None))
        x = None
        if s.getNSols() > 0 and key not in ("infeasible", "unbounded", "inforunbd"):
            best = s.getBestSol()
            x = np.zeros(model.n_vars)
            x[index] = [s.getSolVal(best, v) for v in svars]
        status = with_sol if x is not None else without
        if key == "inforunbd":
            status = self.settle_inf_or_unbd(model, options)
            limit = "other" if status == Termination.NO_SOLUTION_FOUND else None
        objective = model.objective_value(x) if x is not None else None
        bound = None
        if model.integer.any() or status == Termination.OPTIMAL:
            bound = float(s.getDualbound()) + model.offset  # finish_result drops an infinite one
        return SolveResult(
            backend=self.name, status=status, limit=limit,
            objective=objective, bound=bound, x=x,
            build_seconds=build, solve_seconds=solve_s, nodes=int(s.getNTotalNodes()),
            backend_version=version, message=key, extra=start_note,
        )
