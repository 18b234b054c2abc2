"""Solve every battery case with one backend, in this process; pickle the results.

Run by conftest.battery_results as `python battery_child.py BACKEND OUT.pkl`.
"""

import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backend_battery import big_knapsack, cases

from siteplan.backends.base import SolveOptions
from siteplan.backends.registry import get_backend


def main(name: str, out: str) -> None:
    backend = get_backend(name)
    results = {}
    for case in cases():
        t0 = time.perf_counter()
        res = backend.solve(case.model, SolveOptions(time_limit=20, threads=1, seed=1))
        results[case.name] = (res, time.perf_counter() - t0)
    # the same process solving again with other thread counts (HiGHS once failed on this)
    for threads in (2, None, 1):
        res = backend.solve(big_knapsack(), SolveOptions(time_limit=20, threads=threads))
        results[f"threads={threads}"] = (res, 0.0)
    with open(out, "wb") as fh:
        pickle.dump(results, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
