"""How much of siteplan's LSCP time is the instance and how much is HiGHS's luck.

The spopt comparison (`spopt_compare.py`) times one instance (uniform points, seed 1) with
HiGHS's default random seed. This runs the same reduced-core LSCP over several instances
(`--instances`, the point seeds of `spopt_compare.instance`) and several HiGHS random seeds
(`--seeds`), and then, per instance, the core MIP once more started from the optimum it found:
that run only has to prove the bound, so it splits the time into finding and proving.
`--model pcenter` runs siteplan's p-center search the same way (no proof row).

    python benchmarks/lscp_seeds.py [--model lscp|pcenter] [--n 1000] [--radius 100] [--p 10] [--instances 1,2,3,4,5]
        [--seeds 0,1,2,3,4] [--time-limit 300] [--out DIR]

Writes DIR/results.jsonl (one row per run: wall and CPU s, status, objective) and summary.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from spopt_compare import instance


def _ints(text: str) -> list[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def _timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, round(time.perf_counter() - t0, 3), round(time.process_time() - c0, 3)


def run(n: int, radius: float, inst: int, seeds: list[int], limit: float,
        model: str = "lscp", p: int = 10) -> list[dict]:
    import numpy as np

    from siteplan.backends import SolveOptions, solver_for
    from siteplan.classic import cover_reduce
    from siteplan.classic.models import PCenter, SetCover, core_model, covering_options

    d, _ = instance(n, inst)
    route = solver_for("highs")
    rows, best = [], None
    for seed in seeds:
        opts = SolveOptions(time_limit=limit, threads=1, seed=seed)
        problem = (SetCover.from_cost_matrix(d, radius=radius) if model == "lscp"
                   else PCenter.from_cost_matrix(d, p=p))
        r, wall, cpu = _timed(lambda o=opts, m=problem: m.solve(route, o))
        assert r.check.ok, r.check.problems
        rows.append({"phase": "solve", "model": model, "instance": inst, "highs_seed": seed, "status": r.status.value,
                     "objective": r.objective, "wall_s": wall, "cpu_s": cpu, "stats": r.stats})
        if r.status.value == "optimal":
            best = r.solution.open_sites
    if best is not None and model == "lscp":  # the proof alone: the core MIP started from a known optimum
        A = cover_reduce.coverage(d, radius)
        f = np.ones(n)
        core = cover_reduce.reduce(A, f)
        start = np.flatnonzero(np.isin(core.cols, best))
        model = core_model(core, f, start=start)
        opts = covering_options(route, SolveOptions(time_limit=limit, threads=1, seed=seeds[0]))
        res, wall, cpu = _timed(lambda: route(model, opts))
        rows.append({"phase": "prove from the optimum", "model": model, "instance": inst, "highs_seed": seeds[0],
                     "status": res.status.value,
                     "objective": None if res.objective is None else res.objective + core.fixed.size,
                     "wall_s": wall, "cpu_s": cpu})
    return rows


def summary(rows: list[dict]) -> str:
    lines = ["| instance | core rows x cols | optimum | CPU s per HiGHS seed | median | proof from the optimum, CPU s |",
             "|---:|---|---:|---|---:|---:|"]
    for inst in sorted({r["instance"] for r in rows}):
        mine = [r for r in rows if r["instance"] == inst]
        solves = [r for r in mine if r["phase"] == "solve"]
        proof = [r for r in mine if r["phase"] != "solve"]
        st = solves[0]["stats"]
        shape = f"{st.get('core_clients', '-')} x {st.get('core_sites', '-')}"
        cpus = [r["cpu_s"] for r in solves]
        lim = "".join("*" for r in solves if r["status"] != "optimal")
        best = [r["objective"] for r in solves if r["objective"] is not None]
        lines.append(f"| {inst} | {shape} | {min(best) if best else '-'} | "
                     f"{', '.join(f'{c:.1f}' for c in cpus)}{lim} | {statistics.median(cpus):.1f} | "
                     f"{proof[0]['cpu_s'] if proof else '-'} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--radius", type=float, default=100.0, help="LSCP radius")
    ap.add_argument("--model", choices=("lscp", "pcenter"), default="lscp")
    ap.add_argument("--p", type=int, default=10, help="p-center's p")
    ap.add_argument("--instances", default="1,2,3,4,5")
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--out", default=str(HERE / "results" / "lscp-seeds"))
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    with open(out / "results.jsonl", "a") as fh:
        for inst in _ints(a.instances):
            load = os.getloadavg()[0]
            for row in run(a.n, a.radius, inst, _ints(a.seeds), a.time_limit, a.model, a.p):
                row.update(n=a.n, radius=a.radius, load_before=round(load, 2))
                rows.append(row)
                fh.write(json.dumps(row) + "\n")
                fh.flush()
                print(json.dumps({k: v for k, v in row.items() if k != "stats"}), flush=True)
    (out / "summary.md").write_text(summary(rows))
    print(summary(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
