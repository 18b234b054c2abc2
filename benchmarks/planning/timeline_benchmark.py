"""Timeline benchmark (issue 12): generated cities over 5 years, joint plan vs myopic plan.

For each size: a generated city (0.4 sites per committee, 1,000 m reach), 2021–2025, 2%
household growth, workers 16 per 10k from 2023 and 18 from 2025, no carry-over. Each
year's capex budget is `--yearly-share` (default 0.35) of the capex of the city's
single-period plan (solved first), so no single year pays for the network but five years
pay for it with room to spare: the budgets are what a bureau would set, and a myopic plan
exists (with budgets of half the capex *lower bound* the greedy myopic plan stranded the
last year and the benchmark had no baseline).

Measured, in this order:
  build_s      building the joint 5-year model
  myopic       siteplan.timeline.solve.myopic_plans: each year in turn with the earlier
               years fixed (greedy: most residents this year's money serves, then least
               cost; the last year at least cost), `--time-limit`/5 per year's solve
  joint        siteplan.timeline.solve.solve_timeline with `--time-limit`, started from the
               better of its own first plan (the final network's best schedule) and the
               myopic plan (so the joint plan is never worse); first_plan_s / joint_solver_s
               split its time; the seconds at which its
               facility gap first fell to 1% and 0.1% (from HiGHS's progress lines), or the
               gap reached at the limit
  saving       (myopic − joint) / myopic total discounted cost
  memory       peak resident memory of the process (ru_maxrss)
`--types 2` adds elderly care (TWO_TYPES) to the city, with every plot's max_area_m2 doubled so
that plots can hold both, before anything is solved: the single-period plan, the budgets, the
myopic and the joint plans all provide both types.
Load: the machine's 1-minute load average before and after each size is recorded; the
figures are wall-clock seconds on whatever the machine was doing.

    python benchmarks/planning/timeline_benchmark.py --sizes 1000 --time-limit 120 [--types 2]
Results: benchmarks/results/timeline.jsonl (one JSON line per run, appended)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
GAP = re.compile(r"best plan ([\d,.]+)M, bound ([\d,.]+)M.*?(?:facility gap ([\d.]+)%)?, [\d,]+ nodes")


class GapClock:
    """Reads the solver's progress lines: when the facility gap first fell to each target."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.marks: dict[str, float] = {}
        self.last_gap: float | None = None

    def __call__(self, msg: str) -> None:
        m = GAP.search(msg)
        if not m or m[3] is None:
            return
        g = float(m[3])
        self.last_gap = g
        for name, target in (("gap_1pct_s", 1.0), ("gap_01pct_s", 0.1)):
            if g <= target and name not in self.marks:
                self.marks[name] = round(time.perf_counter() - self.start, 1)


#: `--types 2`: elderly care beside the service facility, as scenarios/xinhe/types.yaml (Shenyang's
#: 25 m² per 100 households of a built area, read for every committee; 1,000 m reach; at least
#: 100 m²; 120k CNY to open, the plot's own price per m²; 50k saved once per plot that hosts both)
TWO_TYPES = ("facility_types:\n  elderly_care:\n    title: 社区居家养老服务设施\n"
             "    area_per_100_households: 25\n    min_area_m2: 100\n    reach: {walk_m: 1000}\n"
             "    costs: {fixed: 120000}\nco_location: {saving: 50000}\n")


def one(n: int, time_limit: float, share: float, types: int = 1) -> dict:
    from siteplan.backends import SolveOptions
    from siteplan.generate import CityShape, write_city
    from siteplan.pipeline import solve_scenario
    from siteplan.scenario.load import load_scenario
    from siteplan.timeline.model import build_timeline_model
    from siteplan.timeline.solve import myopic_plans, solve_timeline

    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = write_city(Path(tmp) / "city", CityShape(n, int(0.4 * n), seed=11, reach_m=1000))
        if types == 2:
            _room_for_two(path.parent / "sites.csv")
            base = path.parent / "types.yaml"
            base.write_text(f"extends: {path.name}\nname: city-{n}-types\n{TWO_TYPES}", encoding="utf-8")
            path = base
        t0 = time.perf_counter()
        single = solve_scenario(load_scenario(path), options=SolveOptions(time_limit=time_limit, mip_gap=0.001))
        single_s = time.perf_counter() - t0
        network = float(single.evaluation.totals["capex"])
        yearly = round(share * network, -4)
        tl = path.parent / "timeline.yaml"
        tl.write_text(f"extends: {path.name}\nname: city-{n}-timeline\ntimeline: {{start: 2021, end: 2025, growth: 0.02}}\n"
                      f"budget: {{capex: {yearly}, opex_per_year: null}}\n"
                      "standards: {workers_per_10k_urban: {2023: 16, 2025: 18}}\n", encoding="utf-8")
        scn = load_scenario(tl)
        t0 = time.perf_counter()
        model, _ = build_timeline_model(scn)
        build_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        myo = myopic_plans(scn, single.backend, SolveOptions(time_limit=time_limit / 5, mip_gap=0.001),
                          modes=(True, "lookahead"))
        myopic_s = time.perf_counter() - t1
        clock = GapClock()
        opts = SolveOptions(time_limit=time_limit, mip_gap=0.001)
        out = solve_timeline(scn, options=opts, progress=clock, warm_start=None if myo is None else myo[0])
        joint_s = time.perf_counter() - clock.start
        myopic_cost = None if myo is None else _total(scn, myo[0])
    joint = out.evaluation.totals["total_cost"]
    return {
        "committees": n, "sites": int(0.4 * n), "years": 5, "types": types, "variables": model.n_vars,
        "rows": model.n_rows, "nonzeros": int(model.A.nnz), "build_s": round(build_s, 2),
        "single_period_capex_M": round(network / 1e6, 2), "single_period_s": round(single_s, 1),
        "yearly_capex_budget": yearly, "yearly_share": share,
        "myopic_s": round(myopic_s, 1), "myopic_kind": None if myo is None else myo[2],
        "myopic_total_cost_M": None if myopic_cost is None else round(myopic_cost / 1e6, 2),
        "joint_s": round(joint_s, 1), "status": out.result.status.value,
        "facility_gap_pct": None if out.facility_gap is None else round(100 * out.facility_gap, 3),
        **clock.marks, "joint_total_cost_M": round(joint / 1e6, 2),
        "joint_saves_pct": None if myopic_cost is None else round(100 * (myopic_cost - joint) / myopic_cost, 3),
        "joint_saves_M": None if myopic_cost is None else round((myopic_cost - joint) / 1e6, 2),
        "check_ok": out.timeline_eval.ok, "first_plan_s": round(out.timings["heuristic"], 1),
        "joint_solver_s": round(out.timings["solve"], 1),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "time_limit_s": time_limit, "load_before": round(load0, 2), "load_after": round(os.getloadavg()[0], 2),
        "cores": os.cpu_count(),
    }


def _room_for_two(sites_csv: Path) -> None:
    """Double every plot's max_area_m2: a generated city's plots are sized for the service
    facility alone (like Xinhe's, which cannot hold both types either: scenarios/xinhe/types.yaml
    adds rooms), and with both types the single-period model is infeasible."""
    import pandas as pd

    from siteplan.fileio import write_csv_atomic

    sites = pd.read_csv(sites_csv)
    sites["max_area_m2"] = 2 * sites["max_area_m2"]
    write_csv_atomic(sites_csv, sites)


def _total(scn, plans) -> float:
    """The myopic plan's total discounted cost, as the checker computes it (not the model)."""
    from siteplan.timeline.check import evaluate_timeline

    tev = evaluate_timeline(scn, plans)
    if not tev.ok:
        raise SystemExit(f"the myopic plan fails the checker: {tev.violations[0]}")
    return float(tev.totals["total_cost"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--yearly-share", type=float, default=0.35,
                    help="each year's capex budget as a share of the single-period plan's capex")
    ap.add_argument("--types", type=int, choices=(1, 2), default=1,
                    help="1: the service facility; 2: plus elderly care on shared plots (co-location)")
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    for n in (int(s) for s in args.sizes.split(",")):
        row = one(n, args.time_limit, args.yearly_share, args.types)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        with (RESULTS / "timeline.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
