"""Where sweep points run: in this process, a local process pool, or a Ray / Dask cluster.

Every executor offers the same three calls: `put` (share a large object once), `submit`
(returns a future with `done()` / `result()`), `close`. Workers run `solve_point` and return
plain records; only the driver writes the run store. Ray and Dask are optional extras,
imported only when chosen. On a remote cluster, siteplan must be installed on the workers;
the scenario itself travels with the task (see `siteplan.runs.runrecord.bundle`), so workers need
no shared filesystem.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from siteplan.errors import InputError, SiteplanError, SolverError

EXECUTORS = ("local", "ray", "dask")

_local = threading.local()  # per thread: a Dask worker may run several points at once


def point_session():
    """This thread's `SolverSession`: consecutive points a worker solves share it, so a point
    whose model has the last one's structure is re-solved in the kept solver instance."""
    session = getattr(_local, "session", None)
    if session is None:
        from siteplan.backends.session import SolverSession

        session = _local.session = SolverSession()
    return session


def release_session() -> None:
    """Drop this thread's kept solver instances (the end of a sweep run in this process)."""
    session = getattr(_local, "session", None)
    if session is not None:
        session.close()
    _local.session = None


def solve_point(bndl: dict, task: dict, say=None) -> dict:
    """Solve one sweep point in a worker; never raises (a failure is a record too).

    `say` (in-process runs only) receives the pipeline's progress lines during the solve.
    `task["reuse"]`: solve in this thread's kept solver instances (`point_session`).
    `task["above"]`: a solved point whose answer this one takes without a solve where that is
    provably its answer (`siteplan.analysis.sweep_reuse`)."""
    from siteplan.analysis.sweep_reuse import reuse_answer
    from siteplan.backends.base import SolveOptions
    from siteplan.pipeline import solve_scenario
    from siteplan.plan import Plan
    from siteplan.report.outputs import outcome_record
    from siteplan.runs.runrecord import failure_record, materialised, plan_dict
    from siteplan.scenario.load import load_scenario

    t0, c0 = time.perf_counter(), time.process_time()
    out = {"key": task["key"], "plan": None, "record": None, "error": None}
    options = {k: v for k, v in task["options"].items() if k != "extra"}
    try:
        with materialised(bndl) as path:  # the scenario is in memory once loaded
            scn = load_scenario(path, task["overrides"])
            above = task.get("above")
            solved = load_scenario(path, above["overrides"]) if above else None
    except SiteplanError as exc:
        out["error"] = exc.render()
        return out
    ws = Plan(**task["warm_start"]) if task.get("warm_start") else None
    try:
        outcome = None
        if above and solved is not None:
            outcome = reuse_answer(scn, solved, Plan(**above["plan"]), above["phases"], above["label"],
                                   task["backend"], SolveOptions(**task["options"]))
            if outcome is not None and say is not None:
                say(f"the answer of {above['label']} holds here (a restriction of its model); not solved")
        if outcome is None:
            outcome = solve_scenario(scn, backend=task["backend"], options=SolveOptions(**task["options"]),
                                     warm_start=ws, progress=say,
                                     session=point_session() if task.get("reuse") else None)
        out["record"] = outcome_record(outcome, task["overrides"], with_tables=False)
        out["plan"] = plan_dict(outcome.plan)
    except SiteplanError as exc:
        out["record"] = failure_record(exc, scn, task["backend"], options, task["overrides"], with_tables=False)
    except Exception as exc:  # noqa: BLE001 - one broken point must not stop a sweep
        err = SolverError(f"{type(exc).__name__}: {exc}")
        out["record"] = failure_record(err, scn, task["backend"], options, task["overrides"], with_tables=False)
    out["seconds"] = time.perf_counter() - t0
    out["cpu_seconds"] = time.process_time() - c0  # this process's CPU: wall minus waiting for a core
    return out


class InlineExecutor:
    """One point at a time in this process (the 1-process baseline; no pickling)."""

    workers = 1

    def put(self, obj):
        return obj

    def submit(self, fn, *args):
        fut: cf.Future = cf.Future()
        fut.set_result(fn(*args))
        return fut

    def close(self, cancel: bool = False) -> None:
        pass


_busy = False  # in a pool worker: is a point being solved right now?
_stopping = False  # ... and has Ctrl-C already asked it to stop?


def _pool_worker_init() -> None:
    """Ctrl-C in a pool worker (from the terminal, and forwarded by the driver): the first one
    stops the point being solved (KeyboardInterrupt, which stops the solver and what it
    started), later ones do not cut that short; an idle worker just leaves, quietly."""

    def on_sigint(signum, frame):
        global _stopping
        if not _busy:
            os._exit(130)
        if not _stopping:
            _stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)


def _run_busy(fn, *args):
    global _busy
    _busy = True
    try:
        return fn(*args)
    except KeyboardInterrupt:
        from siteplan.backends.common import solve_left_running

        if solve_left_running():  # no interpreter teardown under a running solver
            os._exit(130)
        raise
    finally:
        _busy = False


#: seconds pool workers get to stop their solves after Ctrl-C before they are killed
POOL_STOP_SECONDS = 4.0


class PoolExecutor:
    """A local pool of spawned processes (spawn: solvers' threads and fork do not mix)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_pool_worker_init)

    def put(self, obj):
        return obj

    def submit(self, fn, *args):
        return self.pool.submit(_run_busy, fn, *args)

    def close(self, cancel: bool = False) -> None:
        if not cancel:
            self.pool.shutdown(wait=True)
            return
        # cancel (Ctrl-C, an error): a running point must not go on to its time limit, and the
        # pool's exit hook would wait for it; so interrupt the workers, then kill what is left
        procs = list((getattr(self.pool, "_processes", None) or {}).values())
        for p in procs:
            try:
                os.kill(p.pid, signal.SIGINT)
            except (ProcessLookupError, TypeError):
                pass
        self.pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + POOL_STOP_SECONDS
        for p in procs:
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(1.0)


class RayExecutor:
    """Tasks on a Ray cluster: an existing one at `address`, the one this process already
    joined, or (no address) a local one started here and stopped at close."""

    def __init__(self, address: str | None, workers: int | None):
        try:
            import ray
        except ImportError:
            raise SolverError("the ray executor needs Ray", fix="pip install 'siteplan[ray]'") from None
        self.ray = ray
        self.started = False
        if not ray.is_initialized():
            if address:
                _reachable(address, "Ray", "ray://head:10001 or head:6379")
            # "local": a new local cluster, even if `ray start` left one running on this machine
            kw = {"address": address} if address else {"address": "local", "num_cpus": workers or 2}
            try:
                # ray annotates logging_level as int but takes a level name too (its own default is "info");
                # unused-ignore: a ray release that fixes the annotation, or no ray installed
                ray.init(**kw, log_to_driver=False, logging_level="ERROR")  # type: ignore[arg-type, unused-ignore]
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise SolverError(f"cannot join the Ray cluster at {address or 'local'}: {exc}",
                                  fix="check --address (e.g. ray://head:10001 or head:6379)") from None
            self.started = not address
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._fn: dict[Callable[..., Any], Any] = {}  # function -> its ray remote function

    def put(self, obj):
        return self.ray.put(obj)

    def submit(self, fn, *args):
        remote = self._fn.get(fn)
        if remote is None:
            remote = self._fn[fn] = self.ray.remote(num_cpus=1, max_retries=1)(fn)
        return remote.remote(*args).future()

    def close(self, cancel: bool = False) -> None:
        if self.started:
            self.ray.shutdown()


class DaskExecutor:
    """Tasks on a Dask distributed cluster at `address`, or a local one started here."""

    def __init__(self, address: str | None, workers: int | None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise SolverError("the dask executor needs dask.distributed",
                              fix="pip install 'siteplan[dask]'") from None
        self.cluster = None
        try:
            if address:
                _reachable(address, "Dask", "tcp://scheduler:8786")
                self.client = Client(address, timeout="20s")
            else:
                self.cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                                            dashboard_address=None)
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            raise SolverError(f"cannot join the Dask cluster at {address or 'local'}: {exc}",
                              fix="check --address (e.g. tcp://scheduler:8786)") from None
        threads = sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values())
        self.workers = workers or max(1, threads)

    def put(self, obj):
        return self.client.scatter(obj, broadcast=True)

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False, retries=1)

    def close(self, cancel: bool = False) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _reachable(address: str, what: str, example: str, timeout: float = 10.0) -> None:
    """Fail fast on an address nothing listens at (Ray would otherwise retry for minutes)."""
    import socket
    from urllib.parse import urlsplit

    if address == "auto":
        return
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or not port:
        raise InputError(f"--address {address!r} is not HOST:PORT", fix=f"e.g. --address {example}")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise SolverError(f"cannot reach the {what} cluster at {address}: {exc.strerror or exc}",
                          fix=f"check that the cluster is running and the address is right (e.g. {example})") from None


def make_executor(kind: str, *, workers: int | None = None, address: str | None = None):
    """The executor named on the command line (`--executor`, `--address`, `--workers`)."""
    if kind == "local":
        if address:
            raise InputError("--address is for --executor ray or dask", fix="drop --address")
        n = workers or 2
        return InlineExecutor() if n == 1 else PoolExecutor(n)
    if kind == "ray":
        return RayExecutor(address, workers)
    if kind == "dask":
        return DaskExecutor(address, workers)
    raise InputError(f"unknown executor {kind!r}", fix=f"use one of: {', '.join(EXECUTORS)}")
