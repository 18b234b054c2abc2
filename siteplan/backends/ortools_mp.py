"""OR-Tools routes through MathOpt: `ortools-scip` (SCIP inside OR-Tools) and `ortools-cpsat`.

Why MathOpt: its `ModelProto` is columnar (bounds, ids and the matrix as flat repeated fields),
so a `Model` becomes a proto with a few `extend` calls from numpy, with no Python object per
variable; and its result says why the solver stopped (termination reason + limit) and gives
both bounds and the node count, which map one-to-one onto `SolveResult`.

CP-SAT and continuous variables (read this before trusting an `ortools-cpsat` number):
CP-SAT is an integer solver. It accepts continuous variables by scaling them (SatParameters
`mip_var_scaling`, default 1, plus `mip_automatically_scale_variables`) and then treating them
as integers, i.e. it solves a *restriction* of the model to a grid. Its "optimal", its bound
and its "infeasible" are then claims about that grid, not about the model. So when the model
has continuous variables this adapter:
  * keeps CP-SAT's integer decisions and re-optimises the continuous ones with GLOP (an LP,
    same library), so the plan is the best one for those decisions;
  * reports FEASIBLE with limit "other" instead of OPTIMAL, drops the bound (it is not valid
    for the model), and turns a grid "infeasible" into NO_SOLUTION_FOUND (limit "other");
  * a model with no integer variables at all is then an LP solved by GLOP: OPTIMAL, honestly.
Two smaller caveats hold even for pure integer models: CP-SAT caps unbounded integer
variables at `mip_max_bound` (1e7), and it scales fractional coefficients to integers with
relative precision `mip_wanted_precision` (1e-6), so an "optimal" value can differ from the
exact one in about the sixth digit.
Every returned plan is checked (`common.relative_violation`) before it is reported as a plan.
If the default grid (step 1) has no feasible point at all (CP-SAT then says "infeasible" or
rejects the model with MODEL_INVALID), the solve is retried once on a grid of step 1/1000 in
the remaining time. Set `extra: {mip_var_scaling: ...}` to choose the grid yourself.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import replace
from typing import Any

import numpy as np

from siteplan.backends.base import Backend, SolveOptions
from siteplan.backends.common import (
    FEASIBILITY_TOL,
    STOP_GRACE,
    finish_result,
    known_warm_start,
    quiet_native,
    relative_violation,
    run_interruptibly,
)
from siteplan.backends.mps import trivially_infeasible
from siteplan.model.ir import Model
from siteplan.result import SolveResult, Termination

#: MathOpt TerminationReason name -> (termination if a solution exists, if not, limit);
#: INFEASIBLE_OR_UNBOUNDED is settled by a feasibility re-solve (`common.settle_inf_or_unbd`)
STATUS_MAP: dict[str, tuple[Termination, Termination, str | None]] = {
    "TERMINATION_REASON_OPTIMAL": (Termination.OPTIMAL, Termination.ERROR, None),
    "TERMINATION_REASON_INFEASIBLE": (Termination.INFEASIBLE, Termination.INFEASIBLE, None),
    "TERMINATION_REASON_UNBOUNDED": (Termination.UNBOUNDED, Termination.UNBOUNDED, None),
    "TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED": (Termination.ERROR, Termination.ERROR, None),
    "TERMINATION_REASON_FEASIBLE": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "other"),
    "TERMINATION_REASON_NO_SOLUTION_FOUND": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND,
                                             "other"),
    "TERMINATION_REASON_IMPRECISE": (Termination.FEASIBLE, Termination.ERROR, "other"),
    "TERMINATION_REASON_NUMERICAL_ERROR": (Termination.ERROR, Termination.ERROR, None),
    "TERMINATION_REASON_OTHER_ERROR": (Termination.ERROR, Termination.ERROR, None),
}

#: MathOpt Limit name -> `SolveResult.limit`
LIMIT_MAP: dict[str, str] = {
    "LIMIT_TIME": "time",
    "LIMIT_ITERATION": "iterations",
    "LIMIT_NODE": "nodes",
    "LIMIT_SOLUTION": "solutions",
    "LIMIT_MEMORY": "memory",
    "LIMIT_INTERRUPTED": "interrupt",
}

#: SCIP's 64-bit integer parameters (the rest of the integer ones are 32-bit)
SCIP_LONG_PARAMS = frozenset({"limits/nodes", "limits/totalnodes", "limits/stallnodes",
                              "lp/rootiterlim", "lp/iterlim"})

#: GLOP's polish may use max(this, 10 % of the time limit) beyond CP-SAT's time
POLISH_MIN_SECONDS = 5.0

#: CP-SAT grid refinement (mip_var_scaling) tried when the default grid has no point
FINE_GRID = 1000.0


def to_proto(model: Model, *, fix: np.ndarray | None = None, relax: bool = False) -> Any:
    """A MathOpt ModelProto from the arrays; `fix` pins integer columns, `relax` drops integrality."""
    from ortools.math_opt import model_pb2

    proto = model_pb2.ModelProto(name=model.name[:100])
    n = model.n_vars
    lb, ub = model.lb, model.ub
    if fix is not None:
        lb, ub = lb.copy(), ub.copy()
        lb[model.integer] = ub[model.integer] = fix[model.integer]
    v = proto.variables
    v.ids.extend(range(n))
    v.lower_bounds.extend(lb.tolist())
    v.upper_bounds.extend(ub.tolist())
    v.integers.extend([False] * n if relax else model.integer.tolist())
    nz = np.flatnonzero(model.c)
    proto.objective.linear_coefficients.ids.extend(nz.tolist())
    proto.objective.linear_coefficients.values.extend(model.c[nz].tolist())
    proto.objective.offset = float(model.offset)
    r = proto.linear_constraints
    r.ids.extend(range(model.n_rows))
    r.lower_bounds.extend(model.row_lb.tolist())
    r.upper_bounds.extend(model.row_ub.tolist())
    A = model.A.tocsr(copy=True)
    A.eliminate_zeros()
    A.sort_indices()
    mat = proto.linear_constraint_matrix
    mat.row_ids.extend(np.repeat(np.arange(model.n_rows), np.diff(A.indptr)).tolist())
    mat.column_ids.extend(A.indices.tolist())
    mat.coefficients.extend(A.data.tolist())
    return proto


def _solve_proto(proto: Any, solver_type: int, params: Any, model_params: Any) -> Any:
    """One MathOpt solve that Ctrl-C stops within seconds: through MathOpt's interrupter, except
    for gSCIP, whose interrupter support fails in OR-Tools 9.15 (it logs "SCIPcatchEvent does
    not support ..." and never stops): that solve is left behind at once (see run_interruptibly)."""
    from ortools.math_opt import parameters_pb2
    from ortools.math_opt.core.python import solver
    from ortools.math_opt.python import callback
    from ortools.util.python.pybind_solve_interrupter import PySolveInterrupter

    gscip = solver_type == parameters_pb2.SOLVER_TYPE_GSCIP
    interrupter = None if gscip else PySolveInterrupter()
    return run_interruptibly(
        lambda: solver.solve(proto, solver_type, parameters_pb2.SolverInitializerProto(), params,
                             model_params, None, callback.CallbackRegistration().to_proto(), None,
                             interrupter),
        interrupter.interrupt if interrupter is not None else (lambda: None),
        grace=0.0 if gscip else STOP_GRACE)


def _primal(res: Any, n: int) -> np.ndarray | None:
    """The first feasible primal solution as a dense vector, or None."""
    from ortools.math_opt import solution_pb2

    for sol in res.solutions:
        if sol.HasField("primal_solution") and (
                sol.primal_solution.feasibility_status == solution_pb2.SOLUTION_STATUS_FEASIBLE):
            vals = sol.primal_solution.variable_values
            x = np.zeros(n)
            x[np.asarray(vals.ids, dtype=np.int64)] = np.asarray(vals.values, dtype=float)
            return x
    return None


class _MathOptBackend(Backend):
    module = "ortools"
    distribution = "ortools"
    clashes = ("highspy",)  # ortools bundles its own HiGHS; see runner.py
    loads = ("ortools",)
    supports_warm_start = True  # MathOpt solution hints (SCIP: partial start; CP-SAT: hint)
    solver_type_name = ""

    # ---- translate -------------------------------------------------------------------
    def _params(self, options: SolveOptions) -> Any:
        from ortools.math_opt import parameters_pb2

        p = parameters_pb2.SolveParametersProto()
        if options.time_limit is not None:
            p.time_limit.FromTimedelta(datetime.timedelta(seconds=float(options.time_limit)))
        if options.mip_gap is not None:
            p.relative_gap_tolerance = float(options.mip_gap)
        if options.abs_gap is not None:
            p.absolute_gap_tolerance = float(options.abs_gap)
        if options.threads is not None:
            p.threads = int(options.threads)
        if options.seed is not None:
            p.random_seed = int(options.seed)
        p.enable_output = bool(options.log)
        for key, value in options.extra.items():
            self._set_extra(p, str(key), value)
        return p

    def _set_extra(self, p: Any, key: str, value: Any) -> None:
        """Pass-through: a solver-specific parameter, else a MathOpt SolveParameters field."""
        if self._set_specific(p, key, value):
            return
        if key in p.DESCRIPTOR.fields_by_name and key != "time_limit":
            setattr(p, key, value)
            return
        raise self.unknown_option(key, self._extra_fix())

    def _set_specific(self, p: Any, key: str, value: Any) -> bool:
        return False

    def _unknown_in_failure(self, message: str, options: SolveOptions) -> None:
        """Raise `unknown_option` if a failed solve failed on an option name it did not know."""

    def _extra_fix(self) -> str:
        return "see the OR-Tools MathOpt SolveParameters fields"

    def _model_params(self, model: Model) -> Any:
        from ortools.math_opt import model_parameters_pb2

        mp = model_parameters_pb2.ModelSolveParametersProto()
        known = known_warm_start(model)
        if known is not None:
            hint = mp.solution_hints.add()
            hint.variable_values.ids.extend(known[0].tolist())
            hint.variable_values.values.extend(known[1].tolist())
        return mp

    # ---- run -------------------------------------------------------------------------
    @quiet_native
    def run(self, model: Model, options: SolveOptions) -> SolveResult:
        from ortools.math_opt import parameters_pb2, result_pb2
        from pybind11_abseil.status import StatusNotOk

        version = self.version()
        bad = trivially_infeasible(model)
        if bad:
            return SolveResult(backend=self.name, status=Termination.INFEASIBLE,
                               backend_version=version, message=bad)
        t0 = time.perf_counter()
        proto = to_proto(model)
        params = self._params(options)
        mparams = self._model_params(model)
        solver_type = getattr(parameters_pb2, self.solver_type_name)
        build = time.perf_counter() - t0

        t1 = time.perf_counter()
        try:
            res = _solve_proto(proto, solver_type, params, mparams)
        except (StatusNotOk, RuntimeError, ValueError) as exc:  # invalid model or parameters
            self._unknown_in_failure(str(exc), options)
            return SolveResult(backend=self.name, status=Termination.ERROR, build_seconds=build,
                               solve_seconds=time.perf_counter() - t1, backend_version=version,
                               message=f"{self.solver_type_name}: {exc}")
        solve_s = time.perf_counter() - t1

        term = res.termination
        reason = result_pb2.TerminationReasonProto.Name(term.reason)
        limit_name = result_pb2.LimitProto.Name(term.limit)
        x = _primal(res, model.n_vars)  # checked against the model in `finish_result`
        with_sol, without, limit = STATUS_MAP.get(reason, (Termination.ERROR, Termination.ERROR,
                                                           None))
        status = with_sol if x is not None else without
        if limit is not None:
            limit = LIMIT_MAP.get(limit_name, "other")
            if (limit_name == "LIMIT_UNDETERMINED" and options.time_limit is not None
                    and solve_s >= 0.95 * options.time_limit):
                limit = "time"  # CP-SAT does not say which limit stopped it
        message = reason.removeprefix("TERMINATION_REASON_").lower()
        if term.detail:
            message += f": {term.detail}"
        if reason == "TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED":
            status = self.settle_inf_or_unbd(model, options)
            limit = "other" if status == Termination.NO_SOLUTION_FOUND else None
            x = None
        if not status.has_solution:
            x = None  # e.g. SCIP returns a point along with an unbounded ray
        bound = float(term.objective_bounds.dual_bound)  # finish_result drops an infinite one
        result = SolveResult(
            backend=self.name, status=status, limit=limit,
            objective=model.objective_value(x) if x is not None else None, bound=bound, x=x,
            build_seconds=build, solve_seconds=solve_s, nodes=int(res.solve_stats.node_count),
            backend_version=version, message=message,
        )
        return self._honest(model, options, result)

    def _honest(self, model: Model, options: SolveOptions, result: SolveResult) -> SolveResult:
        return result


class OrtoolsScipBackend(_MathOptBackend):
    name = "ortools-scip"
    solver_type_name = "SOLVER_TYPE_GSCIP"
    description = "SCIP bundled in OR-Tools, through MathOpt (columnar proto)"

    def _params(self, options: SolveOptions) -> Any:
        p = super()._params(options)
        if p.threads > 1:  # SCIP is single-threaded; MathOpt rejects threads > 1 for it
            p.ClearField("threads")
        # Ctrl-C stays Python's (SCIP's handler swallows it here): _solve_proto stops the solve
        p.gscip.bool_params.setdefault("misc/catchctrlc", False)
        return p

    def _unknown_in_failure(self, message: str, options: SolveOptions) -> None:
        """gSCIP takes SCIP parameter names unchecked and fails at the solve with SCIP error
        -12 (SCIP_PARAMETERUNKNOWN) without naming it: find it by trying each name alone."""
        if "SCIP error code -12" not in message:
            return
        from ortools.math_opt import model_parameters_pb2, model_pb2, parameters_pb2
        from pybind11_abseil.status import StatusNotOk

        for key, value in options.extra.items():
            if "/" not in str(key):
                continue
            p = parameters_pb2.SolveParametersProto()
            self._set_specific(p, str(key), value)
            try:
                _solve_proto(model_pb2.ModelProto(), parameters_pb2.SOLVER_TYPE_GSCIP, p,
                             model_parameters_pb2.ModelSolveParametersProto())
            except (StatusNotOk, RuntimeError, ValueError) as exc:
                if "SCIP error code -12" in str(exc):
                    raise self.unknown_option(str(key), self._extra_fix()) from None

    def _set_specific(self, p: Any, key: str, value: Any) -> bool:
        """SCIP parameter names contain a slash: `limits/nodes`, `presolving/maxrounds`."""
        g = p.gscip
        if "/" in key:
            if isinstance(value, bool):
                g.bool_params[key] = value
            elif isinstance(value, int):
                (g.long_params if key in SCIP_LONG_PARAMS else g.int_params)[key] = value
            elif isinstance(value, float):
                g.real_params[key] = value
            elif isinstance(value, str) and len(value) == 1:
                g.char_params[key] = value
            else:
                g.string_params[key] = str(value)
            return True
        if key in g.DESCRIPTOR.fields_by_name:
            setattr(g, key, value)
            return True
        return False

    def _extra_fix(self) -> str:
        return ("use a SCIP parameter name such as 'limits/nodes' or 'presolving/maxrounds', "
                "or a MathOpt SolveParameters field such as 'node_limit'")


class OrtoolsCpSatBackend(_MathOptBackend):
    name = "ortools-cpsat"
    solver_type_name = "SOLVER_TYPE_CP_SAT"
    solves_lp = False  # continuous variables are gridded (module docstring)
    description = "CP-SAT (OR-Tools) through MathOpt; continuous variables are gridded, see docs"

    @quiet_native
    def run(self, model: Model, options: SolveOptions) -> SolveResult:
        """Solve; if the default grid (step 1) has no point, retry once on a finer grid."""
        first = finish_result(model, super().run(model, options))  # a failed point counts as none
        gridded = (~model.integer).any() and "mip_var_scaling" not in options.extra
        failed = first.status == Termination.ERROR or (
            first.status == Termination.NO_SOLUTION_FOUND and first.limit == "other")
        if not (gridded and failed):
            return first
        spent = first.build_seconds + first.solve_seconds
        if options.time_limit is not None and spent >= options.time_limit:
            return first
        retry = replace(options, extra={**options.extra, "mip_var_scaling": FINE_GRID},
                        time_limit=None if options.time_limit is None
                        else options.time_limit - spent)
        second = super().run(model, retry)
        second.build_seconds += first.build_seconds
        second.solve_seconds += first.solve_seconds
        second.message = (f"{second.message} [retried with mip_var_scaling={FINE_GRID:g} "
                          f"after: {first.message}]")
        return second

    def _set_specific(self, p: Any, key: str, value: Any) -> bool:
        """Any SatParameters field, e.g. `mip_var_scaling`, `num_workers`, `linearization_level`."""
        if key in p.cp_sat.DESCRIPTOR.fields_by_name:
            setattr(p.cp_sat, key, value)
            return True
        return False

    def _extra_fix(self) -> str:
        return "use a CP-SAT SatParameters field such as 'mip_var_scaling' or 'num_workers'"

    def _honest(self, model: Model, options: SolveOptions, result: SolveResult) -> SolveResult:
        """Correct CP-SAT's claims when continuous variables were gridded (module docstring)."""
        continuous = ~model.integer
        if not continuous.any():
            return result
        pure_lp = not model.integer.any()
        note = "CP-SAT gridded the continuous variables"
        if result.x is not None:
            polished = self._polish(model, result.x, options)
            current = model.objective_value(result.x)
            if polished is not None and model.objective_value(polished) <= current + 1e-9:
                result.x = polished
                result.objective = model.objective_value(polished)
                note += "; continuous part re-optimised by GLOP"
        if result.status == Termination.OPTIMAL and not pure_lp:
            result.status, result.limit = Termination.FEASIBLE, "other"
            note += "; optimality not proven for the real model"
        if result.status == Termination.INFEASIBLE:
            result.status, result.limit = Termination.NO_SOLUTION_FOUND, "other"
            note += "; its grid is infeasible, which does not prove the model infeasible"
        if pure_lp and result.x is not None and "GLOP" in note:
            result.status, result.limit = Termination.OPTIMAL, None
            result.bound = result.objective
        else:
            result.bound = None  # CP-SAT's bound holds for the grid only
        result.message = f"{result.message} ({note})"
        return result

    def _polish(self, model: Model, x: np.ndarray, options: SolveOptions) -> np.ndarray | None:
        """Fix the integer columns at x and solve the LP in the continuous ones with GLOP."""
        from ortools.math_opt import model_parameters_pb2, parameters_pb2, result_pb2
        from pybind11_abseil.status import StatusNotOk

        p = parameters_pb2.SolveParametersProto()
        p.enable_output = bool(options.log)
        if options.time_limit is not None:  # a bounded extra: the limit was CP-SAT's to use
            p.time_limit.FromTimedelta(datetime.timedelta(
                seconds=max(POLISH_MIN_SECONDS, 0.1 * float(options.time_limit))))
        try:
            res = _solve_proto(to_proto(model, fix=np.round(x), relax=True),
                               parameters_pb2.SOLVER_TYPE_GLOP, p,
                               model_parameters_pb2.ModelSolveParametersProto())
        except (StatusNotOk, RuntimeError, ValueError):
            return None  # keep CP-SAT's own point
        reason = result_pb2.TerminationReasonProto.Name(res.termination.reason)
        y = _primal(res, model.n_vars)
        if reason != "TERMINATION_REASON_OPTIMAL" or y is None:
            return None
        y[model.integer] = np.round(x[model.integer])
        return y if relative_violation(model, y) <= FEASIBILITY_TOL else None
