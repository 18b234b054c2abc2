"""Planning-model solve time with walking pairs on streets against straight-line pairs, on the
same city: `distance: network` vs `distance: haversine`, same 1,000 m reach, default backend.

    python benchmarks/network/solve_bench.py            # ~1,000 committees, ~300 sites
    python benchmarks/network/solve_bench.py --quick    # 150 committees, under a minute

The city: `siteplan.generate` places the committees and sites (urban streets only), moved
to lon/lat around the synthetic street grid's centre (`streets.py`), which is written as the
scenario's `streets.osm.pbf`. A committee with fewer than two candidate sites within a
1,000 m walk gets one more site at its street node, in both variants, so both cities are the
same and feasible. Each (variant, run) is a fresh process: `siteplan.pipeline.solve_scenario`, the
solver's gap target and time limit as given. Reported: pairs, model size, the pipeline's
timings (load = reading the scenario, for network the .pbf and its graph; instance = the
distances and pre-checks; build; heuristic start; solve),
status, objective and facility gap, and the process's peak RSS (getrusage ru_maxrss).
Results: benchmarks/results/network/solve.{jsonl,md}
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import streets

REACH_M = 1000.0


def _lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat = streets.LAT0 + np.degrees(y / streets.EARTH_R)
    lon = streets.LON0 + np.degrees(x / (streets.EARTH_R * math.cos(math.radians(streets.LAT0))))
    return lon, lat


def write_city(folder: Path, committees: int, sites: int, seed: int) -> dict:
    """Both scenarios of one city in `folder`: haversine.yaml and network.yaml."""
    from siteplan.distance.network import Graph, Network
    from siteplan.errors import InputError
    from siteplan.fileio import write_csv_atomic, write_text_atomic
    from siteplan.generate import SCENARIO_TEMPLATE, CityShape, generate_city

    while True:  # the generator refuses too few sites to cover every committee: take more
        try:
            com, sit = generate_city(CityShape(committees, sites, seed=seed, rural_share=0.0, reach_m=REACH_M))
            break
        except InputError:
            sites = math.ceil(sites * 1.1)
    cx, cy = com["x"].mean(), com["y"].mean()
    for df in (com, sit):
        df["lon"], df["lat"] = _lonlat(df.pop("x").to_numpy() - cx, df.pop("y").to_numpy() - cy)
    half = max(np.abs(com["lon"] - streets.LON0).max() * math.cos(math.radians(streets.LAT0)),
               np.abs(com["lat"] - streets.LAT0).max())
    side = 2 * math.radians(half) * streets.EARTH_R / 90.0 + 24  # 90 m blocks, ~1 km margin
    city = streets.street_grid(int(0.86 * side * side), seed=seed)
    roads = city.roads()
    tables = streets.tables(roads, com[["lon", "lat"]].to_numpy(), sit[["lon", "lat"]].to_numpy())
    pc, _, _ = Network().pairs(tables, np.full(len(com), REACH_M), 1.0)
    # one site in walking reach may be too small for all who can reach only it: top up below 2
    alone = np.flatnonzero(np.bincount(pc, minlength=len(com)) < 2)
    g = Graph(roads)
    foot = g.snap(com[["lon", "lat"]].to_numpy()[alone]).foot  # on the street, beside the committee
    extra = sit.iloc[[0] * len(alone)].copy()
    extra["id"] = [f"W{k + 1:05d}" for k in range(len(alone))]
    extra["street"] = com["street"].to_numpy()[alone]
    extra["lon"], extra["lat"] = foot[:, 0], foot[:, 1]
    extra["kind"], extra["max_area_m2"], extra["existing_area_m2"] = "urban", 3000.0, 0.0
    sit = pd.concat([sit, extra], ignore_index=True)
    for df in (com, sit):
        df["lon"], df["lat"] = df["lon"].round(7), df["lat"].round(7)
    folder.mkdir(parents=True, exist_ok=True)
    write_csv_atomic(folder / "committees.csv", com)
    write_csv_atomic(folder / "sites.csv", sit)
    streets.write_pbf(city, folder / "streets.osm.pbf")
    base = SCENARIO_TEMPLATE.format(seed=seed, name=f"netbench-{committees}c", preset="national", reach=REACH_M)
    write_text_atomic(folder / "haversine.yaml", base.replace("distance: euclidean", "distance: haversine"))
    write_text_atomic(folder / "network.yaml", base.replace(
        "distance: euclidean", "distance: {method: network}").replace(
        "  sites: sites.csv\n", "  sites: sites.csv\n  roads: streets.osm.pbf\n"))
    return {"committees": len(com), "sites": len(sit), "sites_added_for_walks": len(alone),
            "street_nodes": city.street_nodes().size}


def one(path: str, time_limit: float, gap: float) -> dict:
    from siteplan.backends import SolveOptions
    from siteplan.pipeline import solve_scenario

    out = solve_scenario(path, options=SolveOptions(time_limit=time_limit, mip_gap=gap))
    r, t = out.result, out.timings
    return {"pairs": out.instance.n_pairs, "variables": out.model.n_vars, "rows": out.model.n_rows,
            "nonzeros": int(out.model.A.nnz), "backend": out.backend, "status": r.status.value,
            "load_s": round(t["load"], 2), "instance_s": round(t["instance_and_checks"], 2), "build_s": round(t["build"], 2),
            "heuristic_s": round(t["heuristic"], 2), "solve_s": round(t["solve"], 2),
            "total_s": round(t["total"], 2), "objective_M": round(r.objective / 1e6, 3),
            "facility_cost_M": round(out.evaluation.totals["facility_cost"] / 1e6, 3),
            "facility_gap_pct": None if out.facility_gap is None else round(100 * out.facility_gap, 3),
            "facilities": len(out.evaluation.facilities), "check_ok": out.evaluation.ok, "rss_peak_mb": round(streets.peak_rss_mb(), 1)}


def run(path: Path, time_limit: float, gap: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        to = Path(tmp) / "row.json"
        proc = subprocess.run([sys.executable, __file__, "--one", str(path), "--to", str(to),
                               "--time-limit", str(time_limit), "--gap", str(gap)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not to.exists():
            raise RuntimeError(f"solving {path} failed:\n{proc.stderr[-4000:]}")
        return json.loads(to.read_text(encoding="utf-8"))


COLUMNS = ["distance", "committees", "sites", "pairs", "variables", "rows", "nonzeros", "load_s", "instance_s",
           "build_s", "heuristic_s", "solve_s", "status", "facility_gap_pct", "objective_M", "load_avg_1m"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="150 committees, 30 s limit, one run: about a minute")
    ap.add_argument("--committees", type=int, help="committees in the city (1,000; 150 with --quick)")
    ap.add_argument("--sites", type=int, help="candidate sites before the walk top-up, raised if too few to "
                    "cover (300; 50 with --quick)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--time-limit", type=float, help="seconds per solve (300; 30 with --quick)")
    ap.add_argument("--gap", type=float, default=0.005, help="target gap on the facility cost (0.5%%)")
    ap.add_argument("--repeat", type=int, help="runs per variant, interleaved, median reported (3; 1 with --quick)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--to", help=argparse.SUPPRESS)
    args = ap.parse_args()
    q = args.quick
    limit = args.time_limit or (30.0 if q else 300.0)
    if args.one:
        Path(args.to).write_text(json.dumps(one(args.one, limit, args.gap)), encoding="utf-8")
        return 0
    n_c, n_s = args.committees or (150 if q else 1000), args.sites or (50 if q else 300)
    repeat = args.repeat or (1 if q else 3)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        city = write_city(Path(tmp), n_c, n_s, args.seed)
        runs: dict[str, list[dict]] = {"haversine": [], "network": []}
        for _ in range(repeat):  # interleaved: outside load hits both alike
            for kind, done in runs.items():
                done.append(run(Path(tmp) / f"{kind}.yaml", limit, args.gap))
                print(kind, json.dumps(done[-1]), file=sys.stderr, flush=True)
        for kind, rs in runs.items():
            row = dict(sorted(rs, key=lambda r: r["total_s"])[len(rs) // 2])
            for k in ("load_s", "instance_s", "build_s", "heuristic_s", "solve_s", "total_s"):
                row[k] = round(statistics.median(r[k] for r in rs), 2)
                row[f"{k[:-2]}_runs"] = [r[k] for r in rs]
            rows.append({"distance": kind, **city, "seed": args.seed, "reach_m": REACH_M, "time_limit_s": limit,
                         "target_gap_pct": 100 * args.gap, **row, **streets.machine()})
            print(json.dumps(rows[-1]), flush=True)
    streets.save("solve_quick" if q else "solve", rows, COLUMNS, "distance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
