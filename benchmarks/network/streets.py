"""A synthetic but street-like city for the network benchmarks, and their shared plumbing.

The street grid is built here, not drawn by hand, so that a city of any size is one seed
away: blocks of ~90 m with jittered, gently warped streets (no two blocks alike), walled
compounds (大院, factories, campuses) that streets go around, random dead ends, a river
~150 m wide crossed only at bridges every ~1.3 km and a rail line crossed only at
underpasses every ~1 km. So walks detour as in a real city and a straight 1 km is often
1.3-2 km on foot. Coordinates are lon/lat (WGS 84) around Wuhan's centre; node ids start
at 1, as OSM ids do. `write_pbf` turns the same grid into an OpenStreetMap .osm.pbf.

Also here: points near street nodes, a `Tables` around a roads table (as the unit tests
build it), median-of-N timing, peak-memory probes and the results files.
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "network"
EARTH_R = 6_371_008.8  # mean Earth radius, metres (the sphere siteplan's haversine uses)
LON0, LAT0 = 114.30, 30.58  # Wuhan: a river city


@dataclass
class City:
    """A street grid: node coordinates and undirected edges (positions into the node arrays)."""

    lon: np.ndarray
    lat: np.ndarray
    u: np.ndarray
    v: np.ndarray
    footway: np.ndarray  # per edge: a footpath rather than a residential street

    @property
    def n_nodes(self) -> int:
        return len(self.lon)

    def roads(self) -> pd.DataFrame:
        """The table `siteplan.distance.network.read_roads` returns (u, v are OSM-like ids)."""
        return pd.DataFrame({"u": self.u + 1, "v": self.v + 1,
                             "u_lon": self.lon[self.u], "u_lat": self.lat[self.u],
                             "v_lon": self.lon[self.v], "v_lat": self.lat[self.v]})

    def street_nodes(self) -> np.ndarray:
        """Positions of the nodes on at least one street."""
        return np.unique(np.concatenate([self.u, self.v]))


def street_grid(min_nodes: int, seed: int, spacing_m: float = 90.0) -> City:
    """A city with at least `min_nodes` street nodes (deterministic by seed)."""
    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(min_nodes / 0.86))  # compounds and the river take ~12% of nodes
    width = side * spacing_m
    i, j = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    i, j = i.ravel(), j.ravel()
    x = i * spacing_m + rng.normal(0, 0.12 * spacing_m, i.size)
    y = j * spacing_m + rng.normal(0, 0.12 * spacing_m, i.size)
    x = x + 0.6 * spacing_m * np.sin(2 * math.pi * y / 2300.0)  # streets bend
    y = y + 0.6 * spacing_m * np.sin(2 * math.pi * x / 3100.0)
    keep = np.ones(i.size, dtype=bool)
    # walled compounds: 3-9 blocks a side, ~8% of the area, no street inside
    area, target = 0, 0.08 * side * side
    while area < target:
        w, h = rng.integers(3, 10, 2)
        a, b = rng.integers(0, side - w), rng.integers(0, side - h)
        inside = (i > a) & (i < a + w) & (j > b) & (j < b + h)
        keep &= ~inside
        area += (w - 1) * (h - 1)
    # a river ~150 m wide winding across the city: bridges every ~1.3 km
    river_y = 0.45 * width + 0.08 * width * np.sin(2 * math.pi * x / (0.7 * width))
    bridge_every = max(2, round(1300 / spacing_m))
    in_river = np.abs(y - river_y) < 75.0
    keep &= ~in_river | (i % bridge_every == 3)
    # edges: east-west and north-south neighbours that both survive
    at = np.full((side, side), -1)
    ids = np.flatnonzero(keep)
    at[i[ids], j[ids]] = np.arange(ids.size)
    pos = at.ravel()
    eu = np.concatenate([pos[:-side], pos.reshape(side, side)[:, :-1].ravel()])
    ev = np.concatenate([pos[side:], pos.reshape(side, side)[:, 1:].ravel()])
    ok = (eu >= 0) & (ev >= 0)
    eu, ev = eu[ok], ev[ok]
    x, y = x[ids], y[ids]
    # a river edge joins the banks only at a bridge column
    south = y < river_y[ids]
    crosses = south[eu] != south[ev]
    bridge = (i[ids] % bridge_every == 3)
    ok = ~crosses | (bridge[eu] & bridge[ev])
    # a rail line at 70% of the width: underpasses every ~1 km
    rail_x = 0.7 * width
    under_every = max(2, round(1000 / spacing_m))
    over = (x[eu] < rail_x) != (x[ev] < rail_x)
    ok &= ~over | (j[ids][eu] % under_every == 5)
    ok &= rng.random(eu.size) > 0.05  # dead ends and missing links
    eu, ev = eu[ok], ev[ok]
    lat = LAT0 + np.degrees((y - width / 2) / EARTH_R)
    lon = LON0 + np.degrees((x - width / 2) / (EARTH_R * math.cos(math.radians(LAT0))))
    city = City(lon=lon, lat=lat, u=eu.astype(np.int64), v=ev.astype(np.int64),
                footway=rng.random(eu.size) < 0.2)
    if city.street_nodes().size < min_nodes:
        raise RuntimeError(f"grid too small: {city.street_nodes().size} < {min_nodes} street nodes")
    return city


def near_nodes(lon: np.ndarray, lat: np.ndarray, nodes: np.ndarray, n: int, seed: int,
               jitter_m: float) -> np.ndarray:
    """n lon/lat points at random street nodes (with replacement when n > nodes), moved by a
    normal jitter of `jitter_m` metres in each direction (0: exactly on the node)."""
    rng = np.random.default_rng(seed)
    k = rng.choice(nodes, n, replace=n > nodes.size)
    d = rng.normal(0, jitter_m, (n, 2)) if jitter_m else np.zeros((n, 2))
    dlat = np.degrees(d[:, 1] / EARTH_R)
    dlon = np.degrees(d[:, 0] / (EARTH_R * np.cos(np.radians(lat[k]))))
    return np.column_stack([lon[k] + dlon, lat[k] + dlat])


def tables(roads: pd.DataFrame, com: np.ndarray, sites: np.ndarray):
    """The `Tables` the network kind reads: committees and sites in lon/lat, the roads table."""
    from siteplan.scenario.tables import Tables

    c = pd.DataFrame({"id": [f"C{i}" for i in range(len(com))], "lon": com[:, 0], "lat": com[:, 1]})
    s = pd.DataFrame({"id": [f"S{j}" for j in range(len(sites))], "lon": sites[:, 0], "lat": sites[:, 1]})
    return Tables(committees=c, sites=s, distances=None, coords=("lon", "lat"), fingerprint="",
                  extra={"roads": roads})


# ------------------------------------------------------------------ writing an .osm.pbf
def write_pbf(city: City, path: Path, buildings_per_node: float = 0.0, seed: int = 0) -> dict:
    """The city as an OpenStreetMap .osm.pbf (pyosmium's SimpleWriter): street nodes, one way
    per street edge (highway=residential or footway, with a name), and optionally closed
    building ways (4 corner nodes each) that a walking graph must skip, as in a real extract
    where most ways are buildings. Written to a temporary name, then renamed."""
    import osmium

    rng = np.random.default_rng(seed)
    tmp = path.with_name(path.name + ".part.osm.pbf")
    if tmp.exists():
        tmp.unlink()
    n = city.n_nodes
    writer = osmium.SimpleWriter(str(tmp))
    try:
        for k in range(n):
            writer.add_node(osmium.osm.mutable.Node(id=k + 1, location=(float(city.lon[k]), float(city.lat[k])),
                                                    version=1, changeset=1, timestamp="2026-01-01T00:00:00Z"))
        n_b = int(buildings_per_node * n)
        corner = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)  # a square, metres / size
        at = rng.integers(0, n, n_b)  # each building 15 m off a street node
        size = rng.uniform(12, 30, (n_b, 1))
        m_deg = np.degrees(1 / EARTH_R)
        blon = city.lon[at, None] + (corner[None, :, 0] * size + 15) * m_deg / math.cos(math.radians(LAT0))
        blat = city.lat[at, None] + (corner[None, :, 1] * size + 15) * m_deg
        next_id = n + 1
        for b in range(n_b):
            for c in range(4):
                writer.add_node(osmium.osm.mutable.Node(id=next_id + c, location=(float(blon[b, c]), float(blat[b, c])),
                                                        version=1, changeset=1, timestamp="2026-01-01T00:00:00Z"))
            next_id += 4
        for e in range(city.u.size):
            tags = {"highway": "footway"} if city.footway[e] else {"highway": "residential",
                                                                   "name": f"路{e % 997}号"}
            writer.add_way(osmium.osm.mutable.Way(id=e + 1, nodes=[int(city.u[e]) + 1, int(city.v[e]) + 1],
                                                  tags=tags, version=1, changeset=1,
                                                  timestamp="2026-01-01T00:00:00Z"))
        first = n + 1
        for b in range(n_b):
            ring = [first + 4 * b + c for c in (0, 1, 2, 3, 0)]
            writer.add_way(osmium.osm.mutable.Way(id=city.u.size + 1 + b, nodes=ring,
                                                  tags={"building": "residential"}, version=1, changeset=1,
                                                  timestamp="2026-01-01T00:00:00Z"))
    finally:
        writer.close()
    os.replace(tmp, path)
    return {"nodes": n + 4 * n_b, "ways": int(city.u.size) + n_b, "street_ways": int(city.u.size),
            "buildings": n_b, "bytes": path.stat().st_size}


# ------------------------------------------------------------------ measuring
def rss_mb() -> float:
    """Current resident set size of this process (Linux /proc)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """The process's RSS high-water mark (getrusage ru_maxrss, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, repeat: int) -> tuple[float, list[float], object]:
    """(median seconds, every run's seconds, the last result) of `fn()` run `repeat` times."""
    runs, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), [round(r, 3) for r in runs], out


def machine() -> dict:
    return {"load_avg_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
            "python": sys.version.split()[0]}


def save(name: str, rows: list[dict], columns: list[str], key: str) -> None:
    """results/network/<name>.jsonl (every field) and <name>.md (a table of `columns`). Rows
    already there whose `key` was not measured again are kept (a partial rerun, e.g. --only)."""
    from siteplan.fileio import write_text_atomic

    RESULTS.mkdir(parents=True, exist_ok=True)
    jsonl = RESULTS / f"{name}.jsonl"
    md = RESULTS / f"{name}.md"
    if jsonl.exists():
        new = {r[key] for r in rows}
        old = [json.loads(x) for x in jsonl.read_text(encoding="utf-8").splitlines() if x.strip()]
        rows = [r for r in old if r.get(key) not in new] + rows
    write_text_atomic(jsonl, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    write_text_atomic(md, _table(rows, columns))


def _table(rows: list[dict], columns: list[str]) -> str:
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        out.append("| " + " | ".join("" if r.get(c) is None else f"{r[c]:,}" if isinstance(r.get(c), int)
                                     else str(r[c]) for c in columns) + " |")
    return "\n".join(out) + "\n"
