"""Where one max_coverage point's coverage phase spends its time in HiGHS (issue 13, item 5).

Builds the coverage-phase model of the 1,000-committee city at each budget.capex given (the
model `solve_scenario` solves, without a warm start), solves it with HiGHS threads=1 and its
log written to a file (never to stdout), and reads the log's node table: root LP bound and
time, the bound after the first cut loop and when, when the final incumbent came and from
which source (L = sub-MIP, J = feasibility jump, ...), restarts, nodes, sub-MIP seconds.
One JSON line per point; the logs stay in --logs.

    python benchmarks/coverage_anatomy.py /tmp/city 2e7,3.8e7,5e7,1.1e8
    python benchmarks/coverage_anatomy.py /tmp/city 3.8e7 --highs '{"mip_pool_soft_limit": 500}'
    python benchmarks/coverage_anatomy.py /tmp/city 3.8e7 --mir-rounds 10   # tried, dropped
    python benchmarks/coverage_anatomy.py /tmp/city 3.8e7,5e7 --start scip --highs '{...}'

`--start scip`: SCIP's plan of the same model (solved first, not timed, areas re-sized to
the least that fits so HiGHS's 1e-6 row tolerance accepts it) as HiGHS's MIP start, to
price "HiGHS with a near-optimal incumbent".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

#: one row of HiGHS's node table: source, nodes, ..., best bound, best solution, gap, cuts,
#: cuts in LP, conflicts, LP iterations, time
ROW = re.compile(
    r"^ ([A-Za-z ])\s+(\d+)\s+\d+\s+\d+\s+[\d.]+%\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+)\s+\d+\s+\d+\s+(\d+)\s+([\d.]+)s"
)


def read_log(text: str) -> dict:
    """The anatomy of one HiGHS MIP log (see module)."""
    rows = [m.groups() for m in map(ROW.match, text.splitlines()) if m]

    def num(v: str) -> float | None:
        return None if v in ("inf", "-inf") else float(v)

    table = [
        {
            "src": s.strip(),
            "nodes": int(n),
            "bound": num(b),
            "sol": num(p),
            "cuts": int(c),
            "lp_iters": int(it),
            "t": float(t),
        }
        for s, n, b, p, _, c, it, t in rows
    ]
    root_lp = next((r for r in table if r["bound"] is not None), None)
    cut_loop = next((r for r in table if r["cuts"] > 0 and r["bound"] is not None), None)
    final_sol = table[-1]["sol"] if table else None
    first_final = next((r for r in table if r["sol"] == final_sol), None)
    sub = re.search(
        r"\(Solve\)\n\s+MIP\s+time \[calls\] = ([\d.]+) \[\d+\]\n\s+subMIP time \[calls\] = ([\d.]+) \[(\d+)\]",
        text,
    )
    presolve = re.search(r"\n\s+([\d.]+) \(Presolve\)", text)
    return {
        "presolve_s": float(presolve.group(1)) if presolve else None,
        "root_lp": root_lp and {k: root_lp[k] for k in ("bound", "t")},
        "after_first_cut_loop": cut_loop
        and {k: cut_loop[k] for k in ("bound", "sol", "cuts", "t")},
        "final_incumbent": first_final and {k: first_final[k] for k in ("src", "sol", "t")},
        "restarts": text.count("restarting"),
        "mip_s": float(sub.group(1)) if sub else None,
        "sub_mip_s": float(sub.group(2)) if sub else None,
        "sub_mip_calls": int(sub.group(3)) if sub else None,
    }


def give_start(h, highspy, model, pm) -> float | None:
    """Solve `model` with SCIP (gap 0.1%, threads 1), shrink every area to the least its
    plan needs, hand the point to `h` as its start; the start's coverage, or None."""
    import numpy as np

    from siteplan.backends import SolveOptions, solve

    res = solve(model, "scip", SolveOptions(mip_gap=0.001, threads=1, time_limit=120))
    if res.x is None:
        return None
    x = res.x.copy()
    x[model.integer] = np.round(x[model.integer])
    inst = pm.inst
    load = np.bincount(
        inst.pair_s, weights=inst.area_need[inst.pair_c] * x[pm.x], minlength=inst.n_sites
    )
    floor = model.lb[pm.a].copy()
    if "minarea" in model.row_blocks:
        from coverage_mir_trial import breakpoints

        floor = breakpoints(model, pm) * x[pm.y]
    x[pm.a] = np.maximum(np.maximum(floor, model.lb[pm.a]), load)
    sol = highspy.HighsSolution()
    sol.col_value = x.tolist()
    sol.value_valid = True
    h.setSolution(sol)
    return float(-(model.c @ x))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "city",
        type=Path,
        help="folder; the 1,000-committee city (seed 3) is written there if missing",
    )
    ap.add_argument("capex", help="comma list of budget.capex values")
    ap.add_argument("--highs", default="{}", help="JSON of extra HiGHS options")
    ap.add_argument(
        "--mir-rounds",
        type=int,
        default=0,
        help="add the area rows' MIR cuts first (tried, dropped)",
    )
    ap.add_argument("--start", choices=["scip"], default=None, help="MIP start (see module)")
    ap.add_argument("--logs", type=Path, default=Path("/tmp/coverage-anatomy"))
    args = ap.parse_args()

    import highspy

    from siteplan.backends.highs import pass_model
    from siteplan.generate import CityShape, write_city
    from siteplan.instance import build_instance
    from siteplan.pipeline import lp_solver, planning_model
    from siteplan.scenario.load import load_scenario

    if not (args.city / "scenario.yaml").exists():
        write_city(args.city, CityShape(1000, 420, 3, 0.2, 1000))
    args.logs.mkdir(parents=True, exist_ok=True)
    for cap in (float(v) for v in args.capex.split(",")):
        scn = load_scenario(
            args.city / "scenario.yaml", {"objective": "max_coverage", "budget.capex": cap}
        )
        inst = build_instance(scn)
        model, pm = planning_model(scn, inst)
        line: dict = {
            "capex": cap,
            "load": round(os.getloadavg()[0], 2),
            "highs": json.loads(args.highs),
        }
        if args.mir_rounds:
            from coverage_mir_trial import add_area_mir

            c0 = time.process_time()
            model, bounds = add_area_mir(model, pm, lp_solver("highs"), args.mir_rounds)
            line["mir"] = {
                "lp_bounds": [round(b) for b in bounds],
                "cpu_s": round(time.process_time() - c0, 2),
            }
        log = args.logs / f"coverage_{cap:.0f}.log"
        log.unlink(missing_ok=True)
        h = highspy.Highs()
        for key, value in {
            "output_flag": True,
            "log_to_console": False,
            "log_file": str(log),
            "threads": 1,
            "mip_rel_gap": scn.spec.solver.mip_gap or 1e-4,
            "time_limit": 300.0,
            **line["highs"],
        }.items():
            h.setOptionValue(key, value)
        pass_model(h, model)
        if args.start == "scip":
            line["start"] = give_start(h, highspy, model, pm)
        c0 = time.process_time()
        h.run()
        info = h.getInfo()
        line |= {
            "cpu_s": round(time.process_time() - c0, 2),
            "objective": info.objective_function_value,
            "bound": info.mip_dual_bound,
            "nodes": info.mip_node_count,
            **read_log(log.read_text()),
        }
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
