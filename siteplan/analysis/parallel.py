"""Independent solves of one analysis (explain's prices, --binding's nudges) side by side.

Why processes, spawned: a MIP holds a core for seconds, and threads would share one
interpreter and one HiGHS scheduler. Each job runs `backends.solve` in the worker, which
picks inline or process isolation from what that worker has loaded, so highspy and ortools
(clashing HiGHS libraries) both keep working whatever ran before.

Results come back in the order the jobs were given, whatever order they finish in, so the
output of an analysis does not depend on the machine's load.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

#: below this many variables (or committees) a solve takes milliseconds to a second: a pool's
#: start-up (~1-2 s to spawn and import) is not worth it
MIN_PARALLEL_VARS = 2_000
MIN_PARALLEL_COMMITTEES = 200


#: a pool only when at least this many cores are idle besides the one this process holds
#: (1-minute load average): on a machine whose cores are busy, the workers only share them
#: and add their start-up. Measured on Xinhe's --binding nudges at load 6.5 on 2 cores:
#: 2 processes 14.3-15.1 s wall and 7.0-7.3 CPU s, one process 11.0 s and 5.0 CPU s
SPARE_CORES = 0.5


def spare_cores() -> float:
    """Cores idle besides this process's own, from the 1-minute load average (which counts it)."""
    cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average on this platform: assume the cores are free
        return float(cpus - 1)
    return cpus - max(load, 1.0)


def default_workers(n_jobs: int, large: bool, spare: float | None = None) -> int:
    """Processes for `n_jobs` independent solves: 1 for small models or when the other cores
    are busy (`spare`, default `spare_cores()`), else up to 2 (the machines siteplan is
    measured on have 2 cores; more would only share them)."""
    if n_jobs < 2 or not large:
        return 1
    if (spare_cores() if spare is None else spare) < SPARE_CORES:
        return 1
    return max(1, min(n_jobs, os.cpu_count() or 1, 2))


def run_ordered(fn: Callable[..., T], jobs: Sequence[tuple[Any, ...]], workers: int) -> list[T]:
    """[fn(*job) for job in jobs], with `workers` spawned processes when workers > 1.

    Ctrl-C or an error stops the pool and cancels what has not started.
    """
    if workers <= 1 or len(jobs) < 2:
        return [fn(*job) for job in jobs]
    pool = cf.ProcessPoolExecutor(max_workers=min(workers, len(jobs)),
                                  mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = [pool.submit(fn, *job) for job in jobs]
        out = [f.result() for f in futures]
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return out
