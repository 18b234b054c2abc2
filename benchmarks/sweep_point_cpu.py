"""CPU seconds of each point of a capex sweep, solved one after another in this process.

For comparing commits (it uses only `write_city` and `solve_scenario`, so it runs on an old
checkout too) and HiGHS options: HiGHS with threads=1 is deterministic, so the CPU seconds
and the node counts of a point compare across runs far better than wall time on a loaded
machine (load slows the clock, and under heavy load a contended core also does less per CPU
second). Each line is one point: CPU and wall seconds, load, each phase's status, objective,
bound, seconds and nodes.

    python benchmarks/sweep_point_cpu.py /tmp/city 2e7,3.8e7,5.6e7,7.4e7,9.2e7,1.1e8 --chain
    python benchmarks/sweep_point_cpu.py /tmp/city 2e7,5e7 --highs '{"mip_heuristic_effort": 0.2}'
    python benchmarks/sweep_point_cpu.py /tmp/city 2e7,5e7 --chain --backend scip --phase2 highs
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "city",
        type=Path,
        help="folder; the 1,000-committee city (seed 3) is written there if missing",
    )
    ap.add_argument("capex", help="comma list of budget.capex values")
    ap.add_argument(
        "--chain",
        action="store_true",
        help="warm-start each point from the one before (as a sweep)",
    )
    ap.add_argument(
        "--highs", default=None, help="JSON of HiGHS options (solver time limit then 300 s)"
    )
    ap.add_argument("--backend", default=None, help="solver route (default: the pipeline's choice)")
    ap.add_argument(
        "--mip-gap", type=float, default=None, help="solver.mip_gap (default: the city's 0.001)"
    )
    ap.add_argument(
        "--phase2",
        default=None,
        help="also re-solve each point's least-cost phase (its model, warm-started from the coverage "
        "phase) with this route, to price a mixed choice of backends",
    )
    args = ap.parse_args()

    from siteplan.generate import CityShape, write_city
    from siteplan.pipeline import solve_scenario

    if not (args.city / "scenario.yaml").exists():
        write_city(args.city, CityShape(1000, 420, 3, 0.2, 1000))
    options = None
    if args.highs is not None:
        from siteplan.backends import SolveOptions

        options = SolveOptions(
            time_limit=300, mip_gap=0.001, threads=1, extra=json.loads(args.highs)
        )
    overrides: dict = {"objective": "max_coverage", "solver.threads": 1}
    if args.mip_gap is not None:
        overrides["solver.mip_gap"] = args.mip_gap
    warm = None
    for cap in (float(v) for v in args.capex.split(",")):
        load = os.getloadavg()[0]
        c0, t0 = time.process_time(), time.perf_counter()
        out = solve_scenario(
            args.city / "scenario.yaml",
            backend=args.backend,
            options=options,
            warm_start=warm,
            overrides=overrides | {"budget.capex": cap},
        )
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        warm = out.plan if args.chain else None
        phases = [
            {k: p.get(k) for k in ("status", "objective", "bound", "solve_seconds", "nodes")}
            for p in out.phases
        ]
        line = {
            "capex": cap,
            "backend": out.backend,
            "cpu_s": round(cpu, 1),
            "wall_s": round(wall, 1),
            "load": round(load, 2),
            "phases": phases,
        }
        if args.phase2 and len(out.phases) == 2:
            line["phase2_" + args.phase2] = _phase2(out, args.phase2)
        print(json.dumps(line), flush=True)


def _phase2(out, route: str) -> dict:
    """The least-cost phase of `out` solved again with `route`: the model the pipeline gave
    its second phase (coverage floor row, the coverage phase's plan as warm start)."""
    from siteplan.backends import solve

    c0, t0 = time.process_time(), time.perf_counter()
    res = solve(out.model, route, out.options)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    return {
        "status": res.status.value,
        "objective": res.objective,
        "bound": res.bound,
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "nodes": res.nodes,
    }


if __name__ == "__main__":
    main()
