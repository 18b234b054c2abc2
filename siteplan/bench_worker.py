"""One benchmark solve in its own process: `python -m siteplan.bench_worker SPEC.json OUT.json`.

A fresh interpreter per (instance, backend) keeps native solver libraries apart, lets the
parent kill a run that ignores its time limit, and makes the peak-memory figure (ru_maxrss
of this process) belong to one solve only. Always writes a row, even when the solve fails.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time


def run_spec(spec: dict) -> dict:
    from siteplan.backends.base import SolveOptions
    from siteplan.bench import make_problem

    t0 = time.perf_counter()
    problem = make_problem(spec)
    load_s = time.perf_counter() - t0
    opts = SolveOptions(time_limit=spec.get("time_limit"), threads=spec.get("threads"),
                        isolation="inline")
    res = problem.solve(spec["backend"], opts, method=spec.get("method", "auto"))
    wall = time.perf_counter() - t0
    row = res.summary()
    row.pop("open_sites", None)
    row.update(load_seconds=round(load_s, 4), wall_seconds=round(wall, 4),
               n_clients=problem.data.n_clients, n_sites=problem.data.n_sites)
    return row


def main(spec_path: str, out_path: str) -> int:
    with open(spec_path, encoding="utf-8") as fh:
        spec = json.load(fh)
    try:
        row = run_spec(spec)
    except Exception as exc:  # reported as data; the harness flags it
        from siteplan.errors import SiteplanError

        msg = exc.render() if isinstance(exc, SiteplanError) else f"{type(exc).__name__}: {exc}"
        row = {"status": "error", "message": msg}
    row["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(row, fh, default=float)
    os.replace(tmp, out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
