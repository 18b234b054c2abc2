"""Run a backend inline or in a fresh worker process.

`highspy` and `ortools` ship clashing HiGHS libraries: whichever is imported second fails
with an undefined symbol. So a backend runs inline only when nothing already loaded in this
process clashes with it; otherwise (or with `isolation="process"`) it runs in a spawned
child, which also gives a hard wall-clock limit, a memory cap and crash isolation.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from siteplan.backends.base import Backend, SolveOptions
from siteplan.backends.registry import DEFAULT_BACKEND, get_backend
from siteplan.errors import SolverError
from siteplan.model.ir import Model
from siteplan.result import SolveResult, Termination

#: extra wall-clock seconds a child gets beyond its time limit before it is killed
GRACE_SECONDS = 30.0


def loaded_clash(backend: Backend) -> str | None:
    """Name of an already-imported module that would break `backend` inline, if any."""
    for mod in list(sys.modules):
        if any(mod == p or mod.startswith(p + ".") for p in backend.clashes):
            return mod
    return None


def choose_isolation(backend: Backend, options: SolveOptions) -> str:
    if options.isolation in ("inline", "process"):
        return options.isolation
    return "process" if loaded_clash(backend) else "inline"


def solve(model: Model, backend: str | None = None, options: SolveOptions | None = None) -> SolveResult:
    """Solve `model` with the named backend; limits come back as data, never exceptions."""
    options = options or SolveOptions()
    b = get_backend(backend or DEFAULT_BACKEND)
    ok, why = b.available()
    if not ok:
        raise SolverError(f"backend {b.name!r} is not available: {why}",
                          fix="install it (pip install -e .) or pick another with --solver")
    mode = choose_isolation(b, options)
    if mode == "inline":
        if loaded_clash(b):
            raise SolverError(
                f"backend {b.name!r} cannot run inline: {loaded_clash(b)} is loaded in this process",
                fix="use isolation: process (or auto)",
            )
        t0 = time.perf_counter()
        res = b.run(model, options)
        res.isolation = "inline"
        if not res.solve_seconds:
            res.solve_seconds = time.perf_counter() - t0
        return res
    return _solve_in_child(b.name, model, options)


def _solve_in_child(name: str, model: Model, options: SolveOptions) -> SolveResult:
    """Run the solve in `python -m siteplan.backends.worker`, which imports only that backend."""
    b = get_backend(name)
    deadline = None if options.time_limit is None else options.time_limit * 1.1 + GRACE_SECONDS
    with tempfile.TemporaryDirectory(prefix="siteplan-solve-") as tmp:
        job, out = Path(tmp) / "job.pkl", Path(tmp) / "result.pkl"
        with open(job, "wb") as fh:
            pickle.dump((name, model, options), fh, protocol=pickle.HIGHEST_PROTOCOL)
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "siteplan.backends.worker", str(job), str(out)],
            stdin=subprocess.DEVNULL,
        )
        try:
            rc = proc.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = None
        except KeyboardInterrupt:
            proc.kill()
            proc.wait()
            raise
        elapsed = time.perf_counter() - t0
        if rc is None or not out.exists():
            timed_out = rc is None
            return SolveResult(
                backend=name,
                status=Termination.NO_SOLUTION_FOUND if timed_out else Termination.ERROR,
                limit="time" if timed_out else None,
                solve_seconds=elapsed,
                backend_version=b.version(),
                isolation="process",
                message=("killed after the hard wall-clock limit" if timed_out
                         else f"worker process died (exit code {rc})"),
            )
        with open(out, "rb") as fh:
            res: SolveResult = pickle.load(fh)  # written by our own worker just now
    res.isolation = "process"
    return res
