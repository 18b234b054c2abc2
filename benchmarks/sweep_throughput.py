"""Sweep throughput: points per minute for 1 process, 2 processes and a local Ray cluster.

A generated 1,000-committee city, objective max_coverage, a linear capex sweep. Every mode
solves the same points from an empty store (its own file), warm-starting each point from
its neighbour as `siteplan sweep` does, in kept solver instances (`siteplan.backends.session`);
mode `1-rebuild` is 1 process building and passing every model afresh (the path before kept
instances), to measure what keeping them saves. Per mode the JSON also gives the mean
seconds per point of each pipeline step and of handing the models to the solver. With `--repeat N` the modes run in N interleaved
rounds and each mode's best round is reported (outside load only ever slows a round down). Wall time covers the whole sweep: pool start-up,
scenario shipping, solving and committing each point to the store. The Ray cluster is
started before the clock (a sweep joins an existing cluster); its start-up is reported apart.

    python benchmarks/sweep_throughput.py                 # defaults: 8 points, all three modes
    python benchmarks/sweep_throughput.py --points 4 --modes 1,2
    python benchmarks/sweep_throughput.py --points 4 --modes 1-rebuild,1 --repeat 2   # kept instances
    python benchmarks/sweep_throughput.py --points 6 --modes 1-plain,1,2              # shortcuts; 1 vs 2 workers
    python benchmarks/sweep_throughput.py --points 6 --modes 1 --backend highs,scip   # backends, interleaved
    python benchmarks/sweep_throughput.py --scenario scenarios/xinhe/coverage.yaml --capex-from 1e8 \
        --capex-to 4e8 --points 7 --modes 1 --backend highs,scip                      # the bundled example

Writes benchmarks/results/sweep_throughput.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--scenario",
        type=Path,
        default=None,
        help="sweep this scenario instead of the generated city",
    )
    ap.add_argument("--committees", type=int, default=1000)
    ap.add_argument("--sites", type=int, default=420)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--points", type=int, default=8)
    ap.add_argument("--capex-from", type=float, default=2e7)
    ap.add_argument("--capex-to", type=float, default=1.1e8)
    ap.add_argument(
        "--modes", default="1,2,ray", help="comma list of 1, 1-rebuild, 1-plain, 2, ray"
    )
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="solver threads per point (1: fair to parallel modes)",
    )
    ap.add_argument(
        "--repeat", type=int, default=1, help="rounds; each mode's best round is reported"
    )
    ap.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="solver.time_limit per point (default: the city's)",
    )
    ap.add_argument(
        "--mip-gap", type=float, default=None, help="solver.mip_gap (default: the scenario's)"
    )
    ap.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a scenario key at every point, as `siteplan sweep --set` (repeatable)",
    )
    ap.add_argument(
        "--backend",
        default=None,
        help="comma list of solver routes, each run per mode and round (default: the sweep's choice)",
    )
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()

    from siteplan.analysis.sweep import parse_vary
    from siteplan.generate import CityShape, write_city

    tmp = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    city = args.scenario or write_city(
        tmp / "city", CityShape(args.committees, args.sites, args.seed, 0.2, 1000)
    )
    varies = [parse_vary(f"budget.capex={args.capex_from:g}:{args.capex_to:g}:{args.points}")]
    overrides = {"objective": "max_coverage", "solver.threads": args.threads}
    if args.time_limit is not None:
        overrides["solver.time_limit"] = args.time_limit
    if args.mip_gap is not None:
        overrides["solver.mip_gap"] = args.mip_gap
    from siteplan.commands.plan_cmds import parse_sets

    overrides.update(parse_sets(tuple(args.sets)))
    names = {
        "1": "1 process",
        "1-rebuild": "1 process, models rebuilt",
        "2": "2 processes",
        "1-plain": "1 process, no shortcuts",
        "ray": "local Ray (2 CPUs)",
    }
    backends = args.backend.split(",") if args.backend else [None]
    runs: dict[tuple[str, str | None], list[dict]] = {
        (m, b): [] for m in args.modes.split(",") for b in backends
    }
    for rnd in range(args.repeat):  # modes interleaved, so a burst of outside load hits all alike
        for (mode, backend), done in runs.items():
            over = overrides if backend is None else {**overrides, "solver.backend": backend}
            done.append(_one(mode, rnd, city, varies, over, tmp, backend or "default"))
            print(mode, backend or "", done[-1], flush=True)
    rows = []
    for (mode, backend), rs in runs.items():
        best = min(rs, key=lambda r: r["wall_seconds"])
        rows.append(
            {
                "mode": names[mode] + (f", {backend}" if backend else ""),
                "backend": best["backend"],
                "points": best["points"],
                "failed": best["failed"],
                "wall_seconds": best["wall_seconds"],
                "points_per_minute": round(60 * best["points"] / best["wall_seconds"], 2),
                "all_walls": [r["wall_seconds"] for r in rs],
                "cluster_startup_seconds": best["startup"],
                "cpu_seconds_per_point": best["cpu_seconds_per_point"],
                "all_cpu_seconds_per_point": [r["cpu_seconds_per_point"] for r in rs],
                "seconds_per_point": best["steps"],
                "point_phases": best["point_phases"],
                "load_average_before": [r["load"] for r in rs],
            }
        )
    result = {
        "benchmark": "sweep_throughput",
        "city": str(args.scenario)
        if args.scenario
        else f"generated {args.committees} committees, {args.sites} sites, seed {args.seed}",
        "mip_gap": args.mip_gap,
        "sets": args.sets,
        "objective": "max_coverage",
        "vary": varies[0].spec,
        "solver_threads": args.threads,
        "time_limit": args.time_limit,
        "repeat": args.repeat,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "sched_autogroup": _autogroup(),
        },
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "rows": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    from siteplan.fileio import write_json_atomic, write_text_atomic

    write_json_atomic(args.out / "sweep_throughput.json", result)
    md = [
        (
            "| mode | points | best wall s | points/min | all walls s | CPU s per point | cluster start s "
            "| load avg before |"
        ),
        "|---|---:|---:|---:|---|---:|---:|---|",
    ]
    md += [
        f"| {r['mode']} | {r['points']} | {r['wall_seconds']} | {r['points_per_minute']} | "
        f"{', '.join(map(str, r['all_walls']))} | {r['cpu_seconds_per_point']} | "
        f"{r['cluster_startup_seconds'] or ''} | {', '.join(map(str, r['load_average_before']))} |"
        for r in rows
    ]
    write_text_atomic(args.out / "sweep_throughput.md", "\n".join(md) + "\n")
    print("\n".join(md))


def _autogroup() -> str | None:
    """Linux autogroup scheduling shares CPU between sessions, not processes (see README)."""
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip()
    except OSError:
        return None


def _one(mode: str, rnd: int, city: Path, varies, overrides: dict, tmp: Path, tag: str) -> dict:
    """One timed sweep from an empty store (its file named by mode, round and `tag`)."""
    from siteplan.analysis.sweep import SweepRequest, run_sweep

    load = round(os.getloadavg()[0], 2)  # other work on the machine skews the parallel modes
    kw: dict = {
        "executor": "local",
        "workers": 2 if mode == "2" else 1,
        "reuse": mode != "1-rebuild",
        "shortcuts": mode != "1-plain",
    }
    startup = 0.0
    if mode == "ray":
        import ray

        t0 = time.perf_counter()
        ray.init(
            address="local",
            num_cpus=2,
            include_dashboard=False,
            log_to_driver=False,
            logging_level="ERROR",
        )
        startup = time.perf_counter() - t0
        kw = {"executor": "ray", "reuse": True}
    db = tmp / f"runs-{mode}-{rnd}-{tag}.sqlite"
    t0 = time.perf_counter()
    try:
        run = run_sweep(
            SweepRequest(city, varies, store_path=db, overrides=overrides, **kw),
            progress=lambda m: print("  ", m, flush=True),
        )
    finally:
        if mode == "ray":
            ray.shutdown()
    wall = time.perf_counter() - t0
    return {
        "points": run.solved,
        "failed": run.failed,
        "wall_seconds": round(wall, 2),
        "startup": round(startup, 2),
        "load": load,
        "cpu_seconds_per_point": round(run.cpu_seconds / max(run.solved, 1), 2),
        "steps": _steps(db, run.sweep_id),
        "backend": _backend(db, run.sweep_id),
        "point_phases": _point_phases(db, run.sweep_id),
    }


def _backend(db: Path, sweep_id: str) -> str | None:
    """The backend the sweep's points were solved with (the store's record of the sweep)."""
    from siteplan.runs.store import RunStore

    with RunStore(db) as store:
        return ((store.get_sweep(sweep_id) or {}).get("spec") or {}).get("backend")


def _point_phases(db: Path, sweep_id: str) -> dict:
    """Per point: each solver phase's status, objective, bound, seconds and nodes (which
    points and phases a backend spends its time on)."""
    from siteplan.runs.store import RunStore

    keys = ("status", "objective", "bound", "solve_seconds", "nodes")
    with RunStore(db) as store:
        return {
            key: [
                {k: ph.get(k) for k in keys}
                for ph in ((store.run_plan(p["id"]) or {}).get("solver") or {}).get("phases") or []
            ]
            for key, p in store.sweep_points(sweep_id).items()
        }


def _steps(db: Path, sweep_id: str) -> dict:
    """Mean seconds per point of each pipeline step (load, instance, build, solve, evaluate...)
    and of handing the models to the solver (`pass`: the phases' build_seconds, where a kept
    instance saves), with how many phases were solved in a kept instance and how many points
    took a higher point's answer without a solve (`siteplan.analysis.sweep_reuse`)."""
    from siteplan.runs.store import RunStore

    sums: dict[str, float] = {}
    kept = n = reused = 0
    with RunStore(db) as store:
        for p in store.sweep_points(sweep_id).values():
            solver = (store.run_plan(p["id"]) or {}).get("solver") or {}
            n += 1
            for k, v in (solver.get("timings") or {}).items():
                sums[k] = sums.get(k, 0.0) + v
            for ph in solver.get("phases") or []:
                sums["pass"] = sums.get("pass", 0.0) + ph.get("build_seconds", 0.0)
                kept += (ph.get("extra") or {}).get("model_reuse") == "kept"
            reused += bool(
                ((solver.get("phases") or [{}])[0].get("extra") or {}).get("reused_from")
            )
    out: dict = {k: round(v / max(n, 1), 4) for k, v in sums.items()}
    out["phases_in_kept_instance"] = kept
    out["points_answered_from_above"] = reused
    return out


if __name__ == "__main__":
    main()
