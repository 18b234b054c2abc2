"""Peer comparison: the same p-median, MCLP, LSCP and p-center instances through pysal's spopt
and siteplan, with the same solver on both sides.

`--backend highs` (default): spopt through `pulp.HiGHS` (highspy), siteplan through its `highs`
route. `--backend cbc`: PuLP's bundled CBC on both sides (`pulp.PULP_CBC_CMD`, siteplan's
`pulp-cbc`). One thread. Each side runs in its own fresh Python process, timed end to end from
the cost matrix to a checked answer (model build + solve + reading the result); interpreter
start-up and imports are reported separately.

    python benchmarks/spopt_compare.py [--n 500[,1000]] [--p 10] [--mclp-p P] [--seed 1]
        [--backend highs] [--models pmedian,mclp,lscp,pcenter] [--radius 150]
        [--lscp-radius 100]

Every row also has the CPU seconds of the measured part (user + system of the side's process
and any solver subprocess) and the 1-minute load average before and after it.

Writes OUT/results.jsonl and summary.md (OUT: benchmarks/results/spopt for CBC,
benchmarks/results/spopt-highs for HiGHS). Needs the `spopt` extra (`pip install -e .[spopt]`);
the test suite never does.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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


def _spopt_solver(backend: str, limit: float):
    import pulp

    if backend == "highs":
        return pulp.HiGHS(msg=False, timeLimit=limit, threads=1)
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=limit, threads=1)


def _radius(model: str, radius: float, lscp_radius: float) -> float:
    return lscp_radius if model == "lscp" else radius


def _cpu() -> float:
    """User + system seconds of this process and its waited-for children (CBC runs as one)."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def side(which: str, model: str, n: int, p: int, radius: float, seed: int, limit: float,
         backend: str = "highs"):
    t_imp = time.perf_counter()
    import numpy as np  # noqa: F401

    d, w = instance(n, seed)
    if which == "spopt":
        import pulp
        from spopt.locate import LSCP, MCLP, PCenter, PMedian

        imports = time.perf_counter() - t_imp
        t0, c0 = time.perf_counter(), _cpu()
        solver = _spopt_solver(backend, limit)
        if model == "pmedian":
            m = PMedian.from_cost_matrix(d, w, p_facilities=p).solve(solver)
        elif model == "mclp":
            m = MCLP.from_cost_matrix(d, w, service_radius=radius, p_facilities=p).solve(solver)
        elif model == "lscp":
            m = LSCP.from_cost_matrix(d, service_radius=radius).solve(solver)
        else:
            m = PCenter.from_cost_matrix(d, p_facilities=p).solve(solver)
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
        status = pulp.LpStatus[m.problem.status]
        val = pulp.value(m.problem.objective)
        obj = float("nan") if val is None else float(val)  # a limit without an answer
        opened = [j for j, v in enumerate(m.fac_vars) if v.value() > 0.5]
        version = __import__("importlib.metadata").metadata.version("spopt")
    else:
        method = "compact" if which == "siteplan-compact" else "auto"
        from siteplan.backends import SolveOptions, solver_for
        from siteplan.classic.models import MaxCover, SetCover
        from siteplan.classic.models import PCenter as SPCenter
        from siteplan.classic.models import PMedian as SPMedian

        imports = time.perf_counter() - t_imp
        t0, c0 = time.perf_counter(), _cpu()
        opts = SolveOptions(time_limit=limit, threads=1)
        route = solver_for("highs" if backend == "highs" else "pulp-cbc")
        if model == "pmedian":
            r = SPMedian.from_cost_matrix(d, p=p, demand=w).solve(route, opts, method=method)
        elif model == "mclp":
            r = MaxCover.from_cost_matrix(d, radius=radius, p=p, demand=w).solve(
                route, opts, method=method)
        elif model == "lscp":
            r = SetCover.from_cost_matrix(d, radius=radius).solve(route, opts, method=method)
        else:
            r = SPCenter.from_cost_matrix(d, p=p).solve(
                route, opts, method="probe" if method == "compact" else method)
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
        status, obj = r.status.value, float(r.objective)
        opened = [int(j) for j in r.solution.open_sites]
        version = __import__("importlib.metadata").metadata.version("siteplan")
        assert r.check.ok, r.check.problems
        extra = {"method": r.method, "solver_calls": r.solves, "stats": r.stats}
    if which == "spopt":
        extra = {"method": "spopt dense model", "solver_calls": 1}
    return {**extra, "side": which, "model": model, "n": n, "p": p, "radius": radius, "seed": seed,
            "backend": backend, "status": status, "objective": obj, "open_sites": sorted(opened),
            "seconds_end_to_end": round(wall, 3), "cpu_seconds": round(cpu, 3),
            "seconds_imports": round(imports, 3),
            "version": version}


def _p(model: str, a) -> int:
    return a.mclp_p if model == "mclp" and a.mclp_p is not None else a.p


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="500", help="clients = sites; a comma list runs each")
    ap.add_argument("--p", type=int, default=10)
    ap.add_argument("--mclp-p", type=int, default=None, help="MCLP's p (default: --p)")
    ap.add_argument("--radius", type=float, default=150.0, help="MCLP radius")
    ap.add_argument("--lscp-radius", type=float, default=100.0)
    ap.add_argument("--backend", choices=("highs", "cbc"), default="highs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=3600.0)
    ap.add_argument("--models", default="pmedian,mclp")
    ap.add_argument("--sides", default="siteplan,spopt,siteplan-compact",
                    help="which sides to run; rows already in results.jsonl are kept")
    ap.add_argument("--child", nargs=2, metavar=("SIDE", "MODEL"))
    ap.add_argument("--out", default=None, help="results folder")
    a = ap.parse_args()
    out = Path(a.out) if a.out else OUT.with_name("spopt-highs" if a.backend == "highs" else "spopt")
    if a.child:
        row = side(a.child[0], a.child[1], int(a.n), a.p, a.radius, a.seed, a.time_limit,
                   a.backend)
        print(json.dumps(row))
        return 0
    out.mkdir(parents=True, exist_ok=True)
    store = out / "results.jsonl"
    rows = [json.loads(x) for x in store.read_text().splitlines() if x.strip()] \
        if store.exists() else []

    def same(r, n):
        rad = _radius(r["model"], a.radius, a.lscp_radius)
        return (r["n"], r["p"], r["radius"], r["seed"], r.get("backend", "cbc")) == \
            (n, _p(r["model"], a), rad, a.seed, a.backend)

    sizes = [int(x) for x in a.n.split(",")]
    for n in sizes:
        for model in a.models.split(","):
            for which in ("siteplan", "siteplan-compact", "spopt"):
                if which not in a.sides.split(","):
                    continue
                if any(r["model"] == model and r["side"] == which and same(r, n) for r in rows):
                    continue  # resume: already measured
                cmd = [sys.executable, __file__, "--child", which, model, "--n", str(n),
                       "--p", str(_p(model, a)),
                       "--radius", str(_radius(model, a.radius, a.lscp_radius)),
                       "--seed", str(a.seed), "--time-limit", str(a.time_limit),
                       "--backend", a.backend]
                load0 = os.getloadavg()[0]
                t0 = time.perf_counter()
                cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cp = subprocess.run(cmd, capture_output=True, text=True, check=False)
                cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                if cp.returncode:
                    print(cp.stderr[-2000:], file=sys.stderr)
                    return 1
                row = json.loads(cp.stdout.strip().splitlines()[-1])
                row["seconds_process"] = round(time.perf_counter() - t0, 3)
                # the child's whole CPU time (imports included): wall clock alone misleads under load
                row["cpu_seconds_process"] = round(cpu1.ru_utime + cpu1.ru_stime
                                                   - cpu0.ru_utime - cpu0.ru_stime, 3)
                row["load_avg_1m_before"] = round(load0, 2)
                row["load_avg_1m"] = round(os.getloadavg()[0], 2)
                rows.append(row)
                print(json.dumps(row), flush=True)
                tmp = out / "results.jsonl.tmp"
                tmp.write_text("".join(json.dumps(r) + "\n" for r in rows))
                os.replace(tmp, store)
    lines = [("| model | n | p / radius | side (method) | solver calls | objective | equal to spopt | "
              "seconds end to end | CPU s | load before / after | spopt time / this time "
              "(wall, CPU) |"), "|---|---|---|---|---|---|---|---|---|---|---|"]
    for n in sizes:
        for model in a.models.split(","):
            mine = [r for r in rows if r["model"] == model and same(r, n)]
            s = next((r for r in mine if r["side"] == "spopt"), None)
            if s is None:
                continue
            for m in mine:
                eq = abs(s["objective"] - m["objective"]) <= 1e-6 * max(1.0, abs(s["objective"]))
                cpu = m.get("cpu_seconds")
                ratio_cpu = "" if cpu is None or s.get("cpu_seconds") is None else \
                    f", {s['cpu_seconds'] / max(cpu, 1e-9):.1f}x"
                pr = f"{m['p']} / {m['radius']:g}" if model == "mclp" else \
                    (f"{m['p']}" if model in ("pmedian", "pcenter") else f"{m['radius']:g}")
                lines.append(
                    f"| {model} | {n} | {pr} | {m['side']} ({m['method']}) | {m['solver_calls']} "
                    f"| {m['objective']:.4f} | {eq} | {m['seconds_end_to_end']} | "
                    f"{'' if cpu is None else cpu} | {m.get('load_avg_1m_before', '')} / "
                    f"{m.get('load_avg_1m', '')} | "
                    f"{s['seconds_end_to_end'] / max(m['seconds_end_to_end'], 1e-9):.1f}x"
                    f"{ratio_cpu} |")
    text = "\n".join(lines) + "\n"
    tmp = out / "summary.md.tmp"
    tmp.write_text(text)
    os.replace(tmp, out / "summary.md")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
