"""Run a backend inline or in a fresh worker process.

`highspy` and `ortools` ship clashing HiGHS libraries: whichever is imported second fails
with an undefined symbol. So a backend runs inline only when nothing already loaded in this
process clashes with it; otherwise (or with `isolation="process"`) it runs in a spawned
child, which also gives a hard wall-clock limit, a memory cap and crash isolation.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from siteplan.backends.base import Backend, SolveOptions
from siteplan.backends.common import STOP_GRACE, ProgressReporter
from siteplan.backends.registry import DEFAULT_BACKEND, get_backend
from siteplan.errors import SiteplanError, SolverError
from siteplan.model.cuts import Separator
from siteplan.model.ir import Model
from siteplan.result import ProgressEvent, SolveResult, Termination

#: extra wall-clock seconds a child gets beyond its time limit before it is killed
GRACE_SECONDS = 30.0
#: how often the parent looks at a child's progress and deadline
POLL_SECONDS = 0.5


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
        res = b.solve(model, options)
        res.isolation = "inline"
        if not res.solve_seconds:
            res.solve_seconds = time.perf_counter() - t0
        return res
    return _solve_in_child(b.name, model, options)


def solve_with_cuts(model: Model, backend: str, options: SolveOptions | None,
                    separator: Separator) -> SolveResult:
    """Solve with a live `Separator` called from inside the branch and bound. Always in this
    process (a callback cannot cross to a worker), so a clashing library is an error here."""
    options = options or SolveOptions()
    b = get_backend(backend)
    ok, why = b.available()
    if not ok:
        raise SolverError(f"backend {b.name!r} is not available: {why}",
                          fix="install it (pip install -e .) or pick another with --solver")
    clash = loaded_clash(b)
    if clash:
        raise SolverError(f"backend {b.name!r} cannot run a cut callback here: {clash} is loaded "
                          "in this process", fix="solve without the callback (another method)")
    t0 = time.perf_counter()
    res = b.solve_with_cuts(model, options, separator)
    res.isolation = "inline"
    if not res.solve_seconds:
        res.solve_seconds = time.perf_counter() - t0
    return res


class ProgressRelay:
    """Hands the child's progress events (JSON lines in a file, already throttled there) to
    the parent's callback, through the same reporter that drops a failing receiver."""

    def __init__(self, path: Path, receiver: Callable[[ProgressEvent], None] | None):
        self.path, self.offset = path, 0
        self.report = ProgressReporter(receiver) if receiver else None

    def poll(self) -> None:
        if self.report is None or self.report.receiver is None or not self.path.exists():
            return
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            chunk = fh.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits
        self.offset += len(complete)
        for line in complete.splitlines():
            ev = json.loads(line)  # written by our own worker
            self.report(ev["seconds"], ev["incumbent"], ev["bound"], ev["nodes"], force=True)


def _wait(proc: subprocess.Popen[bytes], deadline: float | None, relay: ProgressRelay) -> int | None:
    """The child's exit code, or None after killing it at the deadline; relays progress."""
    t0 = time.perf_counter()
    while True:
        try:
            return proc.wait(timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            relay.poll()
            if deadline is not None and time.perf_counter() - t0 > deadline:
                _kill_group(proc)
                return None


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the worker and whatever it started (CBC, say): it leads its own process group."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


def stop_child(proc: subprocess.Popen[bytes]) -> None:
    """Ctrl-C for the worker: it stops its solver and exits; killed if not gone in time."""
    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(STOP_GRACE)
    except (ProcessLookupError, PermissionError):
        pass
    except subprocess.TimeoutExpired:
        pass
    finally:
        _kill_group(proc)  # also ends anything the worker left behind


def _stderr_fd() -> int:
    """File descriptor 2 if it is open, else /dev/null (a daemon with no stderr)."""
    try:
        os.fstat(2)
    except OSError:
        return subprocess.DEVNULL
    return 2


@dataclass
class Child:
    """A worker process solving one backend's job, and the files it reads and writes."""

    name: str
    proc: subprocess.Popen[bytes]
    out: Path
    progress: Path

    def result(self) -> SolveResult | SiteplanError | None:
        """What the worker wrote (a result or the error it raised), or None if nothing."""
        if not self.out.exists():
            return None
        with open(self.out, "rb") as fh:
            res: SolveResult | SiteplanError = pickle.load(fh)  # written by our own worker
        return res


def start_child(name: str, model: Model, options: SolveOptions, tmp: Path) -> Child:
    """Start `python -m siteplan.backends.worker` on `name` in folder `tmp` (its job, result,
    progress and the solver's temp files all go there), which imports only that backend."""
    job, out, prog = tmp / "job.pkl", tmp / "result.pkl", tmp / "progress.jsonl"
    with open(job, "wb") as fh:  # the live progress callback stays here; the child writes events
        pickle.dump((name, model, SolveOptions(**options.as_dict())), fh, protocol=pickle.HIGHEST_PROTOCOL)
    args = [sys.executable, "-m", "siteplan.backends.worker", str(job), str(out)]
    # stdout is the command's own (--json, tables): the worker writes to stderr instead.
    # Its own process group: the parent decides about Ctrl-C and forwards it (stop_child),
    # and a kill reaches CBC or whatever else the worker started.
    # the child's temp files (CBC's, SCIP's) go below ours, so a killed child leaks none
    env = dict(os.environ, TMPDIR=str(tmp), TEMP=str(tmp), TMP=str(tmp))
    proc = subprocess.Popen(args + ([str(prog)] if options.progress else []), stdin=subprocess.DEVNULL,
                            stdout=_stderr_fd(), start_new_session=True, env=env)
    return Child(name, proc, out, prog)


def hard_deadline(options: SolveOptions) -> float | None:
    """Wall-clock seconds after which a worker is killed (its time limit and a grace)."""
    return None if options.time_limit is None else options.time_limit * 1.1 + GRACE_SECONDS


def lost_result(name: str, rc: int | None, elapsed: float) -> SolveResult:
    """The result of a worker killed at the hard deadline (rc None) or dead without a result."""
    timed_out = rc is None
    return SolveResult(
        backend=name,
        status=Termination.NO_SOLUTION_FOUND if timed_out else Termination.ERROR,
        limit="time" if timed_out else None,
        solve_seconds=elapsed,
        backend_version=get_backend(name).version(),
        isolation="process",
        message=("killed after the hard wall-clock limit" if timed_out
                 else f"worker process died (exit code {rc})"),
    )


def _solve_in_child(name: str, model: Model, options: SolveOptions) -> SolveResult:
    """Run the solve in a worker process (`start_child`) and wait for it."""
    with tempfile.TemporaryDirectory(prefix="siteplan-solve-") as tmp:
        t0 = time.perf_counter()
        child = start_child(name, model, options, Path(tmp))
        relay = ProgressRelay(child.progress, options.progress)
        try:
            rc = _wait(child.proc, hard_deadline(options), relay)
        except BaseException:  # Ctrl-C (or anything else): never leave the worker running
            stop_child(child.proc)
            raise
        relay.poll()
        res = child.result() if rc is not None else None
        if res is None:
            return lost_result(name, rc, time.perf_counter() - t0)
    if isinstance(res, SiteplanError):  # raised in the worker: raised here, as inline
        raise res
    res.isolation = "process"
    return res
