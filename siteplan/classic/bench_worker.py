"""One benchmark solve in its own process: `python -m siteplan.classic.bench_worker SPEC.json OUT.json`.

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

from siteplan.errors import NoSolutionError
from siteplan.result import Termination

#: relative gap for the city suite (the generated scenarios' own setting)
CITY_GAP = 1e-3


def run_city(spec: dict) -> dict:
    """Generate a city (seeded) and run the planning pipeline on it."""
    import tempfile

    from siteplan.backends.base import SolveOptions
    from siteplan.generate import CityShape, write_city
    from siteplan.pipeline import solve_scenario

    prm = spec["params"]
    with tempfile.TemporaryDirectory(prefix="siteplan-city-") as tmp:
        t0 = time.perf_counter()
        path = write_city(tmp, CityShape(committees=prm["committees"], sites=prm["sites"],
                                         seed=prm.get("seed", 0)))
        gen_s = time.perf_counter() - t0
        # the generated scenarios ask for a 0.1% gap; explicit options replace the block
        opts = SolveOptions(time_limit=spec.get("time_limit"), threads=spec.get("threads"),
                            mip_gap=CITY_GAP, isolation="inline")
        out = solve_scenario(path, backend=spec["backend"], options=opts)
    res, t = out.result, out.timings
    return {"kind": "city", "name": out.scenario.spec.name if hasattr(out.scenario, "spec")
            else "", "backend": spec["backend"], "version": res.backend_version,
            "status": res.status.value, "limit": res.limit, "objective": res.objective,
            "bound": res.bound, "gap": res.gap, "facility_gap": out.facility_gap,
            "check_ok": bool(out.evaluation.ok), "method": "planning",
            "build_seconds": round(t["load"] + t["instance_and_checks"] + t["build"], 4),
            "solve_seconds": round(t["solve"], 4), "generate_seconds": round(gen_s, 4),
            "wall_seconds": round(time.perf_counter() - t0, 4), "solves": len(out.phases),
            "n_clients": prm["committees"], "n_sites": prm["sites"],
            "n_vars": out.model.n_vars, "n_rows": out.model.n_rows,
            "message": res.message}


def run_spec(spec: dict) -> dict:
    from siteplan.backends import SolveOptions, solver_for
    from siteplan.classic.bench import make_problem

    if spec["kind"] == "city":
        return run_city(spec)
    t0, c0 = time.perf_counter(), time.process_time()
    problem = make_problem(spec)
    load_s = time.perf_counter() - t0
    opts = SolveOptions(time_limit=spec.get("time_limit"), threads=spec.get("threads"),
                        isolation="inline")
    res = problem.solve(solver_for(spec["backend"]), opts, method=spec.get("method", "auto"))
    wall = time.perf_counter() - t0
    row = res.summary()
    row.pop("open_sites", None)
    # CPU of this process over the same span as wall_seconds: on a shared machine the
    # wall clock grows with the load, the CPU seconds much less
    row.update(load_seconds=round(load_s, 4), wall_seconds=round(wall, 4),
               cpu_seconds=round(time.process_time() - c0, 4),
               n_clients=problem.data.n_clients, n_sites=problem.data.n_sites)
    return row


def main(spec_path: str, out_path: str) -> int:
    with open(spec_path, encoding="utf-8") as fh:
        spec = json.load(fh)
    try:
        row = run_spec(spec)
    except NoSolutionError as exc:  # a limit without a plan is data, not an error
        row = {"status": Termination.NO_SOLUTION_FOUND.value, "limit": "time", "message": exc.render()}
    except Exception as exc:  # noqa: BLE001 - reported as data; the harness flags it
        from siteplan.errors import SiteplanError

        msg = exc.render() if isinstance(exc, SiteplanError) else f"{type(exc).__name__}: {exc}"
        row = {"status": Termination.ERROR.value, "message": msg}
    row["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(row, fh, default=float)
    os.replace(tmp, out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
