"""Small helpers every adapter needs: the result clean-up, settling "infeasible or unbounded",
reading a warm start.

`finish_result` is the one clean-up of every backend's result (`Backend.solve` applies it):
a result without a solution carries no point, objective or bound; a point that fails the model
(`relative_violation` above `FEASIBILITY_TOL`) is never reported as a plan; an infinite bound
is no bound; an optimal result has no limit; the gap is recomputed from objective and bound.

Several solvers stop at "infeasible or unbounded" (a presolve proof that does not say which).
`Termination` has no such state on purpose: a user needs to know which. We settle it by solving
the same model without its objective: feasible means unbounded, infeasible means infeasible.

Every adapter's `run` is wrapped in `quiet_native`: solver libraries print to file descriptor 1,
which belongs to siteplan's own output (`--json`, tables), so it is pointed elsewhere meanwhile.
And every native solve call goes through `run_interruptibly`, so that Ctrl-C stops it within
seconds instead of at the time limit.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from typing import Any, TypeVar

import numpy as np

from siteplan.model.ir import Model
from siteplan.result import ProgressEvent, SolveOptions, SolveResult, Termination, relative_gap

T = TypeVar("T")
#: `Backend.run` as `quiet_native` wraps it
RunMethod = Callable[[Any, Model, SolveOptions], SolveResult]

#: largest `relative_violation` accepted for a returned plan
FEASIBILITY_TOL = 1e-6


def feasibility_version(model: Model) -> Model:
    """The same rows and bounds with a zero objective (and no warm start)."""
    return replace(model, c=np.zeros_like(model.c), offset=0.0, warm_start=None)


def settle_inf_or_unbd(model: Model, has_solution: Callable[[Model], bool | None]) -> Termination:
    """UNBOUNDED if the model has any feasible point, INFEASIBLE if proven to have none.

    `has_solution(model)` solves the feasibility version and returns True (found a point),
    False (proved infeasible) or None (could not tell, e.g. a restriction or limit).
    """
    found = has_solution(feasibility_version(model))
    if found is True:
        return Termination.UNBOUNDED
    if found is False:
        return Termination.INFEASIBLE
    return Termination.NO_SOLUTION_FOUND


def full_warm_start(model: Model) -> np.ndarray | None:
    """The warm start if every entry is known, else None."""
    ws = model.warm_start
    if ws is None or ws.shape != (model.n_vars,) or np.isnan(ws).any():
        return None
    return ws


def known_warm_start(model: Model) -> tuple[np.ndarray, np.ndarray] | None:
    """(indices, values) of the known warm-start entries, or None when there are none."""
    ws = model.warm_start
    if ws is None or ws.shape != (model.n_vars,):
        return None
    idx = np.flatnonzero(~np.isnan(ws))
    return (idx, ws[idx]) if idx.size else None


def relative_violation(model: Model, x: np.ndarray) -> float:
    """Largest violation, each measured against 1 + |the bound it breaks|.

    The acceptance test for a solver's point: solvers work to ~1e-6 relative feasibility,
    so a row like `sum(x) <= 8000 y` may be off by more than 1e-6 absolute and still be a
    correct answer. Integrality is measured absolutely.
    """
    ax = model.A @ x

    def worst(lo: np.ndarray, val: np.ndarray, hi: np.ndarray) -> float:
        with np.errstate(invalid="ignore"):
            below = np.where(np.isfinite(lo), (lo - val) / (1 + np.abs(lo)), 0.0)
            above = np.where(np.isfinite(hi), (val - hi) / (1 + np.abs(hi)), 0.0)
        return float(max(np.max(below, initial=0.0), np.max(above, initial=0.0)))

    v = max(worst(model.lb, x, model.ub), worst(model.row_lb, ax, model.row_ub))
    xi = x[model.integer]
    if xi.size:
        v = max(v, float(np.max(np.abs(xi - np.round(xi)))))
    return v


def finish_result(model: Model, res: SolveResult, tol: float = FEASIBILITY_TOL) -> SolveResult:
    """The clean-up every backend's result gets (see the module docstring); returns `res`."""
    if res.status.has_solution and res.x is not None and relative_violation(model, res.x) > tol:
        res.status, res.limit = Termination.NO_SOLUTION_FOUND, res.limit or "other"
        res.message = f"{res.message} (the solver's point violates the model: not a plan)".strip()
    if not res.status.has_solution or res.x is None:
        if res.status.has_solution:  # a solution status needs a point
            res.status, res.limit = Termination.ERROR, None
            res.message = f"{res.message} (a solution status without a point)".strip()
        res.x, res.objective, res.bound = None, None, None
    elif res.objective is None:
        res.objective = model.objective_value(res.x)
    if res.bound is not None and not (np.isfinite(res.bound) and abs(res.bound) < 1e20):
        res.bound = None
    if res.status == Termination.OPTIMAL:
        res.limit = None
    res.gap = relative_gap(res.objective, res.bound)
    return res


def _finite(v: float | None) -> float | None:
    return float(v) if v is not None and np.isfinite(v) else None


class ProgressReporter:
    """Turns a solver's frequent callbacks into a progress event every `every` seconds
    (and at once for a new incumbent). A failing receiver (a closed terminal) is dropped,
    never allowed to stop the solve."""

    def __init__(self, receiver: Callable[[ProgressEvent], None], every: float = 5.0):
        self.receiver: Callable[[ProgressEvent], None] | None = receiver
        self.every = every
        self.last = -float("inf")

    def __call__(self, seconds: float, incumbent: float | None, bound: float | None, nodes: int,
                 force: bool = False) -> None:
        if self.receiver is None or (not force and seconds - self.last < self.every):
            return
        self.last = seconds
        try:
            self.receiver({"seconds": float(seconds), "incumbent": _finite(incumbent), "bound": _finite(bound),
                           "nodes": int(nodes)})
        except Exception:  # noqa: BLE001 - progress is best effort; the solve goes on
            self.receiver = None


# ---- native output -----------------------------------------------------------

_output_lock = threading.Lock()
_output_depth = 0
_saved_stdout_fd: int | None = None


def _flush_stdout() -> None:
    """Flush Python's and the C library's stdout buffers (a solver writes through either)."""
    for stream in (sys.stdout, sys.__stdout__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # no C library to talk to: nothing buffered there
        pass


@contextmanager
def solver_output(log: bool = False) -> Iterator[None]:
    """Keep native solvers off siteplan's stdout, which belongs to the command's own output
    (`--json`, tables). C libraries write to file descriptor 1 directly (HiGHS prints its
    banner when a `Highs` object is made, before any option can be set), so this points fd 1
    at /dev/null, or at stderr when the solver log was asked for (`log`), and puts it back
    afterwards. Re-entrant (the outermost call decides) and process-wide, as fd 1 is."""
    global _output_depth, _saved_stdout_fd
    with _output_lock:
        if _output_depth == 0:
            _flush_stdout()
            try:
                saved = os.dup(1)
            except OSError:  # no fd 1 at all: nothing to protect
                saved = None
            if saved is not None:
                target = os.dup(2) if log else os.open(os.devnull, os.O_WRONLY)
                os.dup2(target, 1)
                os.close(target)
            _saved_stdout_fd = saved
        _output_depth += 1
    try:
        yield
    finally:
        with _output_lock:
            _output_depth -= 1
            if _output_depth == 0 and _saved_stdout_fd is not None:
                _flush_stdout()
                os.dup2(_saved_stdout_fd, 1)
                os.close(_saved_stdout_fd)
                _saved_stdout_fd = None


def quiet_native(run: RunMethod) -> RunMethod:
    """Decorator for `Backend.run(self, model, options)`: the whole run under `solver_output`."""

    @functools.wraps(run)
    def wrapper(self: Any, model: Model, options: SolveOptions) -> SolveResult:
        with solver_output(bool(getattr(options, "log", False))):
            return run(self, model, options)

    return wrapper


# ---- Ctrl-C ------------------------------------------------------------------

#: name of the helper thread `run_interruptibly` runs a solve in
SOLVE_THREAD = "siteplan-solve"

#: seconds a solver gets to stop after Ctrl-C before the interrupt goes on without it
STOP_GRACE = 2.0

#: solves still running in a helper thread that Ctrl-C left behind (they did not stop in time)
_left_behind: list[threading.Event] = []


def solve_left_running() -> bool:
    """True if Ctrl-C left a native solve running in this process: the process should then
    end with os._exit (after flushing), since interpreter teardown under a running native
    solver can abort (HiGHS: "terminate called without an active exception")."""
    return any(not done.is_set() for done in _left_behind)


def run_interruptibly(solve: Callable[[], T], stop: Callable[[], None], grace: float = STOP_GRACE) -> T:
    """Run a blocking native `solve()` so that Ctrl-C stops it within seconds.

    Python handles SIGINT only between bytecodes of the main thread: a native solve called
    from the main thread defers Ctrl-C until it returns, i.e. until the time limit. So in the
    main thread the solve runs in a helper thread while this one waits (interruptibly). On
    KeyboardInterrupt, `stop()` asks the solver to stop, the solve gets `grace` seconds to
    return, and the KeyboardInterrupt goes on: an interrupted solve is never a result. A solve
    that has not stopped by then is left running (`solve_left_running`).
    Outside the main thread (no signals arrive there) `solve()` simply runs.
    """
    if threading.current_thread() is not threading.main_thread():
        return solve()
    box: dict[str, Any] = {}
    done = threading.Event()  # not Thread.join: an interrupted join can mark a live thread ended

    def target() -> None:
        try:
            box["result"] = solve()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name=SOLVE_THREAD, daemon=True).start()
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        with suppress(Exception):  # asking to stop is best effort; the interrupt goes on
            stop()
        try:
            done.wait(grace)  # a second Ctrl-C here ends the wait at once
        finally:
            if not done.is_set():
                _left_behind.append(done)
        raise
    if "error" in box:
        raise box["error"]
    result: T = box["result"]
    return result
