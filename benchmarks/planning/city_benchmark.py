"""Planning-model benchmark (issue 2): generated cities, 0.4 candidate sites per committee,
1,000 m reach, objective min_cost, default backend.

Each size runs in a fresh process so peak memory is that size's own. Reports build time
(instance + model), heuristic warm-start time, solve time, the gap on the facility part of
the cost (capex + horizon x area opex; workers' cost would hide gaps), and peak memory.

    python benchmarks/planning/city_benchmark.py                 # 1,000 / 5,000 / 20,000
    python benchmarks/planning/city_benchmark.py --sizes 1000 --time-limit 60
    python benchmarks/planning/city_benchmark.py --sizes 1000 --solver race --cover-rounds 5 --tag assign
Results: benchmarks/results/planning_city.{jsonl,md}; with --tag T, rows are appended to
benchmarks/results/planning_T.jsonl instead (one per run, with the machine's load averages).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
SEEDS = {1000: 11, 5000: 7, 20000: 13}


def one(n: int, time_limit: float, gap: float, solver: str | None = None, cover_rounds: int = 0) -> dict:
    from siteplan.backends import SolveOptions
    from siteplan.generate import CityShape, write_city
    from siteplan.pipeline import solve_scenario

    with tempfile.TemporaryDirectory() as tmp:
        seed = SEEDS.get(n, 1)
        path = write_city(Path(tmp) / "city", CityShape(n, int(0.4 * n), seed=seed, reach_m=1000))
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        out = solve_scenario(path, backend=solver, options=SolveOptions(time_limit=time_limit, mip_gap=gap),
                             overrides={"solver.cover_rounds": cover_rounds} if cover_rounds else None)
        wall = time.perf_counter() - t0
        load_after = os.getloadavg()
    r = out.result
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "committees": n, "sites": int(0.4 * n), "seed": seed, "pairs": out.instance.n_pairs,
        "variables": out.model.n_vars, "rows": out.model.n_rows, "nonzeros": int(out.model.A.nnz),
        "backend": out.backend, "version": r.backend_version, "status": r.status.value, "limit": r.limit,
        "build_s": round(out.timings["instance_and_checks"] + out.timings["build"], 2),
        "heuristic_s": round(out.timings["heuristic"], 2), "solve_s": round(out.timings["solve"], 2),
        "wall_s": round(wall, 2), "facility_gap_pct": None if out.facility_gap is None else round(100 * out.facility_gap, 4),
        "total_gap_pct": None if r.gap is None else round(100 * r.gap, 4),
        "facility_cost_M": round(out.evaluation.totals["facility_cost"] / 1e6, 2),
        "peak_memory_mb": round(max(self_mb, child_mb), 1), "check_ok": out.evaluation.ok,
        "time_limit_s": time_limit, "target_gap_pct": 100 * gap, "cover_rounds": cover_rounds,
        "race": r.extra.get("race"), "load_avg_before": [round(v, 2) for v in load_before],
        "load_avg_after": [round(v, 2) for v in load_after],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,5000,20000")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--gap", type=float, default=0.001, help="target gap on the facility part")
    ap.add_argument("--solver", default=None, help="backend route (default: the default backend)")
    ap.add_argument("--cover-rounds", type=int, default=0, help="solver.cover_rounds (0: no cover cuts)")
    ap.add_argument("--tag", default=None, help="append rows to results/planning_TAG.jsonl instead")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.time_limit, args.gap, args.solver, args.cover_rounds)))
        return 0
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        cmd = [sys.executable, __file__, "--one", str(n), "--time-limit", str(args.time_limit),
               "--gap", str(args.gap), "--cover-rounds", str(args.cover_rounds)]
        proc = subprocess.run(cmd + (["--solver", args.solver] if args.solver else []),
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            continue
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), flush=True)
        if args.tag:
            with open(RESULTS / f"planning_{args.tag}.jsonl", "a") as fh:
                fh.write(json.dumps(row) + "\n")
    if args.tag:
        return 0
    with open(RESULTS / "planning_city.jsonl", "w") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    cols = ["committees", "sites", "pairs", "variables", "rows", "status", "build_s", "heuristic_s", "solve_s",
            "facility_gap_pct", "peak_memory_mb", "check_ok"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    (RESULTS / "planning_city.md").write_text(
        f"Planning model, min_cost, default backend, time limit {args.time_limit:g} s, "
        f"target facility gap {100 * args.gap:g}%\n\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
