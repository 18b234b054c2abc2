"""Worker-process entry point: `python -m siteplan.backends.worker JOB.pkl RESULT.pkl [PROGRESS.jsonl]`.

Imports only the one backend it runs, so the parent's loaded libraries cannot clash with it.
Caps its own address space when asked, records peak memory, and always writes a result.
With a third path, appends the backend's progress events there, one JSON line each, for the
parent to relay. On Ctrl-C (SIGINT from the parent) it stops and exits 130 with no result.
A `SiteplanError` the backend raises (an unknown option, a model the solver rejects) is
written instead of a result, and the parent raises it again: the same error as inline.
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import signal
import sys
from collections.abc import Callable

from siteplan.backends.registry import get_backend
from siteplan.errors import SiteplanError
from siteplan.result import ProgressEvent, SolveResult, Termination


def _append_to(path: str) -> Callable[[ProgressEvent], None]:
    def write(event: ProgressEvent) -> None:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(event) + "\n")
    return write


def main(job_path: str, out_path: str, progress_path: str | None = None) -> int:
    with open(job_path, "rb") as fh:
        name, model, options = pickle.load(fh)  # written by our own parent process
    if progress_path:
        options.progress = _append_to(progress_path)
    try:
        if options.memory_limit_mb:
            limit = int(options.memory_limit_mb) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        res = get_backend(name).solve(model, options)
    except SiteplanError as exc:  # the parent raises it again, as an inline solve would
        _write(exc, out_path)
        return 0
    except MemoryError:
        res = SolveResult(backend=name, status=Termination.ERROR, limit="memory",
                          message="the solver ran out of memory (memory_limit_mb)")
    except Exception as exc:  # noqa: BLE001 - report any failure as data; the parent decides
        res = SolveResult(backend=name, status=Termination.ERROR,
                          message=f"{type(exc).__name__}: {exc}")
    res.peak_memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    _write(res, out_path)
    return 0


def _write(obj: SolveResult | SiteplanError, out_path: str) -> None:
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, out_path)


def entry(argv: list[str]) -> int:
    """Ctrl-C (forwarded by the parent) stops the solve; the worker then exits 130 quietly
    and writes no result: an interrupted solve is not a result."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    try:
        return main(*argv[:3])
    except KeyboardInterrupt:
        from siteplan.backends.common import solve_left_running

        if solve_left_running():  # no interpreter teardown under a running solver
            sys.stderr.flush()
            os._exit(130)
        return 130


if __name__ == "__main__":
    sys.exit(entry(sys.argv[1:]))
