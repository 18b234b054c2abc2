"""Peer comparison: the same p-median and MCLP instances through pysal's spopt and siteplan.

Both sides use the same CBC binary (the one bundled with PuLP): spopt through
`pulp.PULP_CBC_CMD`, siteplan through its `pulp-cbc` backend. Each side runs in its own fresh
Python process, timed end to end from the cost matrix to a checked answer (model build +
solve + reading the result); interpreter start-up and imports are reported separately.

    /work/venv/bin/python benchmarks/spopt_compare.py [--n 500] [--p 10] [--seed 1]

Writes benchmarks/results/spopt/results.jsonl and summary.md. Needs the `spopt` extra
(`pip install -e .[spopt]`); the test suite never does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "spopt"


def instance(n: int, seed: int):
    """n clients = n sites, uniform in a 1000 x 1000 square, integer weights 1..10."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2)) * 1000.0
    d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
    w = rng.integers(1, 11, n).astype(float)
    return d, w


def side(which: str, model: str, n: int, p: int, radius: float, seed: int, limit: float):
    t_imp = time.perf_counter()
    import numpy as np  # noqa: F401

    d, w = instance(n, seed)
    if which == "spopt":
        import pulp
        from spopt.locate import MCLP, PMedian

        imports = time.perf_counter() - t_imp
        t0 = time.perf_counter()
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=limit, threads=1)
        if model == "pmedian":
            m = PMedian.from_cost_matrix(d, w, p_facilities=p).solve(solver)
        else:
            m = MCLP.from_cost_matrix(d, w, service_radius=radius, p_facilities=p).solve(solver)
        wall = time.perf_counter() - t0
        status = pulp.LpStatus[m.problem.status]
        obj = float(pulp.value(m.problem.objective))
        opened = [j for j, v in enumerate(m.fac_vars) if v.value() > 0.5]
        version = __import__("importlib.metadata").metadata.version("spopt")
    else:
        method = "compact" if which == "siteplan-compact" else "auto"
        from siteplan.backends import SolveOptions, solver_for
        from siteplan.classic.models import MaxCover, PMedian

        imports = time.perf_counter() - t_imp
        t0 = time.perf_counter()
        opts = SolveOptions(time_limit=limit, threads=1)
        if model == "pmedian":
            r = PMedian.from_cost_matrix(d, p=p, demand=w).solve(solver_for("pulp-cbc"), opts, method=method)
        else:
            r = MaxCover.from_cost_matrix(d, radius=radius, p=p, demand=w).solve(solver_for("pulp-cbc"), opts)
        wall = time.perf_counter() - t0
        status, obj = r.status.value, float(r.objective)
        opened = [int(j) for j in r.solution.open_sites]
        version = __import__("importlib.metadata").metadata.version("siteplan")
        assert r.check.ok, r.check.problems
        extra = {"method": r.method, "solver_calls": r.solves, "stats": r.stats}
    if which == "spopt":
        extra = {"method": "spopt dense model", "solver_calls": 1}
    return {**extra, "side": which, "model": model, "n": n, "p": p, "radius": radius, "seed": seed,
            "status": status, "objective": obj, "open_sites": sorted(opened),
            "seconds_end_to_end": round(wall, 3), "seconds_imports": round(imports, 3),
            "version": version}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--p", type=int, default=10)
    ap.add_argument("--radius", type=float, default=150.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=3600.0)
    ap.add_argument("--models", default="pmedian,mclp")
    ap.add_argument("--sides", default="siteplan,spopt,siteplan-compact",
                    help="which sides to run; rows already in results.jsonl are kept")
    ap.add_argument("--child", nargs=2, metavar=("SIDE", "MODEL"))
    ap.add_argument("--out", default=str(OUT), help="results folder")
    a = ap.parse_args()
    out = Path(a.out)
    if a.child:
        row = side(a.child[0], a.child[1], a.n, a.p, a.radius, a.seed, a.time_limit)
        print(json.dumps(row))
        return 0
    out.mkdir(parents=True, exist_ok=True)
    store = out / "results.jsonl"
    rows = [json.loads(x) for x in store.read_text().splitlines() if x.strip()] \
        if store.exists() else []

    def same(r):
        return (r["n"], r["p"], r["radius"], r["seed"]) == (a.n, a.p, a.radius, a.seed)

    rows = [r for r in rows if same(r)]
    for model in a.models.split(","):
        sides = ("siteplan", "siteplan-compact", "spopt") if model == "pmedian" \
            else ("siteplan", "spopt")
        for which in sides:
            if which not in a.sides.split(","):
                continue
            if any(r["model"] == model and r["side"] == which for r in rows):
                continue  # resume: already measured
            cmd = [sys.executable, __file__, "--child", which, model, "--n", str(a.n),
                   "--p", str(a.p), "--radius", str(a.radius), "--seed", str(a.seed),
                   "--time-limit", str(a.time_limit)]
            t0 = time.perf_counter()
            cp = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if cp.returncode:
                print(cp.stderr[-2000:], file=sys.stderr)
                return 1
            row = json.loads(cp.stdout.strip().splitlines()[-1])
            row["seconds_process"] = round(time.perf_counter() - t0, 3)
            row["load_avg_1m"] = round(os.getloadavg()[0], 2)
            rows.append(row)
            print(json.dumps(row), flush=True)
            tmp = out / "results.jsonl.tmp"
            tmp.write_text("".join(json.dumps(r) + "\n" for r in rows))
            os.replace(tmp, store)
    lines = [("| model | n | p | side (method) | CBC calls | objective | equal to spopt | "
             "seconds end to end | spopt time / this time |"), "|---|---|---|---|---|---|---|---|---|"]
    for model in a.models.split(","):
        s = next((r for r in rows if r["model"] == model and r["side"] == "spopt"), None)
        if s is None:
            continue
        for m in (r for r in rows if r["model"] == model):
            eq = abs(s["objective"] - m["objective"]) <= 1e-6 * max(1.0, abs(s["objective"]))
            lines.append(
                f"| {model} | {a.n} | {a.p} | {m['side']} ({m['method']}) | {m['solver_calls']} "
                f"| {m['objective']:.4f} | {eq} | {m['seconds_end_to_end']} | "
                f"{s['seconds_end_to_end'] / max(m['seconds_end_to_end'], 1e-9):.1f}x |")
    text = "\n".join(lines) + "\n"
    tmp = out / "summary.md.tmp"
    tmp.write_text(text)
    os.replace(tmp, out / "summary.md")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
