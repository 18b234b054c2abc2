"""Timeline benchmark (issue 12): generated cities over 5 years, joint plan vs myopic plan.

For each size: a generated city (0.4 sites per committee, 1,000 m reach), 2021–2025, 2%
household growth, workers 16 per 10k from 2023 and 18 from 2025, each year's capex budget a
quarter of the capex lower bound times 2 (so no single year pays for the network). Reports
build time, peak memory, the times the joint solve's facility gap first fell to 1% and 0.1%
(from HiGHS's progress lines), and the total discounted cost of the joint plan against the
myopic year-by-year plan (siteplan.timeline.solve.myopic_plans, same solver and limits).

    python benchmarks/planning/timeline_benchmark.py --sizes 1000 --time-limit 120
Results: benchmarks/results/timeline.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"


def one(n: int, time_limit: float) -> dict:
    from siteplan.backends import SolveOptions
    from siteplan.checks import capex_lower_bound
    from siteplan.generate import CityShape, write_city
    from siteplan.instance import build_instance
    from siteplan.scenario.load import load_scenario
    from siteplan.timeline.model import build_timeline_model
    from siteplan.timeline.solve import myopic_plans, solve_timeline

    with tempfile.TemporaryDirectory() as tmp:
        path = write_city(Path(tmp) / "city", CityShape(n, int(0.4 * n), seed=11, reach_m=1000))
        base = load_scenario(path)
        lb = capex_lower_bound(base, build_instance(base))
        yearly = round(2 * lb / 4, -4)
        tl = path.parent / "timeline.yaml"
        tl.write_text(f"extends: {path.name}\nname: city-{n}-timeline\ntimeline: {{start: 2021, end: 2025, growth: 0.02}}\n"
                      f"budget: {{capex: {yearly}, opex_per_year: null}}\n"
                      "standards: {workers_per_10k_urban: {2023: 16, 2025: 18}}\n", encoding="utf-8")
        scn = load_scenario(tl)
        t0 = time.perf_counter()
        model, _ = build_timeline_model(scn)
        build_s = time.perf_counter() - t0
        marks: dict[str, float] = {}
        start = time.perf_counter()

        def say(msg: str) -> None:
            m = re.search(r"facility gap ([\d.]+)%", msg)
            if m:
                g = float(m[1])
                for name, target in (("gap_1pct_s", 1.0), ("gap_01pct_s", 0.1)):
                    if g <= target and name not in marks:
                        marks[name] = round(time.perf_counter() - start, 1)

        opts = SolveOptions(time_limit=time_limit, mip_gap=0.001)
        out = solve_timeline(scn, options=opts, progress=say)
        wall = time.perf_counter() - start
        t1 = time.perf_counter()
        myo = myopic_plans(scn, out.backend, SolveOptions(time_limit=time_limit / 10, mip_gap=0.001))
        myopic_s = time.perf_counter() - t1
    joint = out.evaluation.totals["total_cost"]
    return {
        "committees": n, "sites": int(0.4 * n), "years": 5, "variables": model.n_vars, "rows": model.n_rows,
        "nonzeros": int(model.A.nnz), "build_s": round(build_s, 2), "wall_s": round(wall, 1),
        "status": out.result.status.value, "facility_gap_pct": None if out.facility_gap is None
        else round(100 * out.facility_gap, 3), **marks,
        "yearly_capex_budget": yearly, "joint_total_cost_M": round(joint / 1e6, 2),
        "myopic_total_cost_M": None if myo is None else round(myo[1] / 1e6, 2),
        "myopic_kind": None if myo is None else myo[2], "myopic_s": round(myopic_s, 1),
        "joint_saves_pct": None if myo is None else round(100 * (myo[1] - joint) / myo[1], 3),
        "check_ok": out.timeline_eval.ok,
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "time_limit_s": time_limit,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    for n in (int(s) for s in args.sizes.split(",")):
        row = one(n, args.time_limit)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        with (RESULTS / "timeline.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
