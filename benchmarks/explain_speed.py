"""How long a planner waits for `explain` and `explain --binding` on the bundled Xinhe district.

Each run is the CLI in a fresh process (imports included), timed from outside; the median of
`--repeat` runs is reported with the load average before each (the machine is shared: read
it before comparing) and the CPU seconds of the run and its worker processes (what a loaded
machine does not inflate as much; HiGHS's time limits are wall-clock, so under load a limited
solve also gets less CPU). The findings (shortfalls, rules, amounts, prices; or the binding rows)
are kept with every run, so a faster run can be checked for the same answer.

    python benchmarks/explain_speed.py explain             # Xinhe, opex budget 250M a year
    python benchmarks/explain_speed.py binding             # what binds in Xinhe's plan
    python benchmarks/explain_speed.py explain --repeat 3 --label main

Sweep throughput has its own script (benchmarks/sweep_throughput.py).
Writes benchmarks/results/explain_speed.jsonl (one line per run, appended).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CASES = {
    # the README's example of a scenario with no plan: staffing and floor area need 279M a year
    "explain": ["explain", "scenarios/xinhe/base.yaml", "--set", "budget.opex_per_year=2.5e8", "--json"],
    "binding": ["explain", "--binding", "scenarios/xinhe/base.yaml", "--json"],
}


def _findings(case: str, doc: dict) -> list:
    if case == "explain":
        return [[s["group"], s["rule"], s["amount"], (s.get("price") or {}).get("capex"),
                 (s.get("price") or {}).get("opex_per_year"), (s.get("price") or {}).get("plot_m2"),
                 (s.get("price") or {}).get("exact"), (s.get("price") or {}).get("gap")]
                for s in doc.get("shortfalls", [])]
    return [[r["key"], r["status"], r.get("delta_total"), r.get("tight"), r.get("measurable")]
            for r in doc.get("rows", [])]


def one_run(case: str, tree: Path = ROOT, budget: float | None = None, exact_defaults: bool = False) -> dict:
    load = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="explain-bench-") as tmp:
        args = [sys.executable, "-c", "from siteplan.cli import run; run()", *CASES[case],
                "--out", str(Path(tmp) / "out")] + ([] if budget is None else ["--time-budget", str(budget)]) \
            + (["--exact-defaults"] if exact_defaults else [])
        env = dict(os.environ, PYTHONPATH=str(tree), SITEPLAN_STORE=str(Path(tmp) / "runs.sqlite"))
        t0, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True, check=False)
        wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"{case}: no JSON on stdout (exit {proc.returncode}): {proc.stderr[-2000:]}") from None
    limits = (doc.get("tier_values") or {}).get("limits") if case == "explain" else None
    return {"case": case, "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "exit_code": proc.returncode,
            "load_avg_before": load, "limits": limits,
            "tier_bounds": (doc.get("tier_values") or {}).get("bounds") if case == "explain" else None, "tier_proofs": (doc.get("solver") or {}).get("tier_proofs"),
            "tier_values": {k: v for k, v in (doc.get("tier_values") or {}).items() if isinstance(v, float)} or None,
            "findings": _findings(case, doc), "text": doc.get("text")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--label", default="", help="what is measured (a branch, a commit)")
    ap.add_argument("--tree", type=Path, default=ROOT, help="siteplan source tree to time (e.g. a checkout of main)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "explain_speed.jsonl")
    ap.add_argument("--time-budget", type=float, default=None,
                    help="explain's --time-budget (seconds for all its solves; default: the CLI's)")
    ap.add_argument("--exact-defaults", action="store_true",
                    help="explain's --exact-defaults (siteplan's default tier solved to the end, not a range)")
    args = ap.parse_args()
    runs = []
    for _ in range(args.repeat):
        runs.append(one_run(args.case, args.tree.resolve(), args.time_budget, args.exact_defaults))
        print(json.dumps({k: v for k, v in runs[-1].items() if k != "text"}, ensure_ascii=False), flush=True)
    walls = [r["wall_seconds"] for r in runs]
    cpus = [r["cpu_seconds"] for r in runs]
    summary = {"case": args.case, "label": args.label, "time_budget": args.time_budget,
               "exact_defaults": args.exact_defaults, "median_wall_seconds": statistics.median(walls),
               "walls": walls, "median_cpu_seconds": statistics.median(cpus), "cpus": cpus,
               "loads": [r["load_avg_before"] for r in runs],
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "runs": runs}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(summary, ensure_ascii=False) + "\n")
    print(f"{args.case} [{args.label}]: median {summary['median_wall_seconds']} s of {walls}, "
          f"CPU {summary['median_cpu_seconds']} s of {cpus} (load before {summary['loads']})")


if __name__ == "__main__":
    main()
