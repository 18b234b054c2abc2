"""Synthetic cities in the scenario CSV format, for examples, tests and benchmarks.

The geometry follows how Chinese districts look: urban streets (街道) of dense
residents' committees about 450 m apart, and rural towns (镇) whose villages sit in small
clusters kilometres apart. Household and resident counts follow the ranges the source
plans report (Shanghai ≈3,900 residents per committee; urban committees mostly 500–3,000
households; villages 150–900). Costs follow background.md §11 for a tier-2/3 city.
Candidate sites are placed so that every committee has one within `reach_m` (a greedy
cover), then the rest at random near committees, so every generated city is feasible.
The same seed always gives the same city.

With `streets` (`generate --streets`), rivers and rail lines cross the city and a street
network is written beside the tables (`siteplan.geo.streets`, `streets.gpkg`); the cover
then keeps each covering plot on its committees' side of every river and rail line, within
a radius short enough for the walk on a street grid, and the scenario walks the streets
(`distance: network`) in a CGCS2000 Gauss-Krüger zone via `coordinates: {crs, offset}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from siteplan.errors import InputError
from siteplan.fileio import write_csv_atomic, write_text_atomic

URBAN_STREETS = ["新华街道", "河东街道", "河西街道", "滨江街道", "解放街道", "人民街道", "胜利街道", "和平街道",
                 "建设街道", "光明街道", "长安街道", "朝阳街道", "东风街道", "南湖街道", "北塔街道", "文化街道"]
RURAL_TOWNS = ["青山镇", "柳河镇", "石桥镇", "大榆树镇", "白沙乡", "红旗镇", "桃源乡", "马家镇",
               "兴隆镇", "黄土坡乡", "杨柳镇", "新村乡"]


@dataclass
class CityShape:
    committees: int
    sites: int
    seed: int = 0
    rural_share: float = 0.2
    reach_m: float = 1000.0
    existing_share: float = 0.15
    streets: bool = False
    rivers: int = 1
    rails: int = 1


#: a generated city's local x, y + OFFSET are CGCS2000 3-degree Gauss-Krüger CM 117E metres
#: (a plain near Tianjin); it needs a real CRS so that its streets layer can carry one
GENERATED_CRS = "EPSG:4548"
GENERATED_OFFSET = (517_000.0, 4_330_000.0)
#: a straight line on a street grid is walked up to sqrt(2) longer, plus the lanes
GRID_DETOUR = 1.45


def _street_names(n: int, base: list[str]) -> list[str]:
    names = []
    for i in range(n):
        name = base[i % len(base)]
        names.append(name if i < len(base) else f"{name[:-2]}{i // len(base) + 1}{name[-2:]}")
    return names


def generate_city(shape: CityShape, barriers=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(committees, sites); with `barriers` (rivers and rail lines drawn from the committees by
    `city_barriers`), sites cover committees on their own side only."""
    if shape.committees < 1 or shape.sites < 1:
        raise InputError("a city needs at least one committee and one site", where="generate")
    rng = np.random.default_rng(shape.seed)
    n_rural = round(shape.committees * shape.rural_share)
    n_urban = shape.committees - n_rural
    # urban streets of ~40 committees in a grid around the centre, ~450 m apart
    n_streets = max(1, round(n_urban / 40)) if n_urban else 0
    side = int(np.ceil(np.sqrt(max(n_streets, 1))))
    rows = []
    street_of = _street_names(n_streets, URBAN_STREETS)
    per = np.full(n_streets, n_urban // max(n_streets, 1))
    per[: n_urban - per.sum()] += 1
    for k in range(n_streets):
        cx, cy = (k % side) * 3200.0, (k // side) * 3200.0
        m = int(per[k])
        g = int(np.ceil(np.sqrt(m)))
        idx = np.arange(m)
        xs = cx + (idx % g - g / 2) * 450 + rng.normal(0, 90, m)
        ys = cy + (idx // g - g / 2) * 450 + rng.normal(0, 90, m)
        hh = np.clip(rng.lognormal(np.log(1400), 0.45, m), 300, 4500).astype(int)
        res = (hh * rng.uniform(2.3, 2.9, m)).astype(int)
        rows += [(street_of[k], "urban", x, y, h, r) for x, y, h, r in zip(xs, ys, hh, res)]
    # rural towns around the urban area, villages in clusters of 1-3 about 600 m apart
    n_towns = max(1, round(n_rural / 25)) if n_rural else 0
    town_of = _street_names(n_towns, RURAL_TOWNS)
    radius = side * 3200.0 / 2 + 6000
    centre = np.array([(side - 1) * 1600.0, (side - 1) * 1600.0])
    per_t = np.full(n_towns, n_rural // max(n_towns, 1))
    per_t[: n_rural - per_t.sum()] += 1
    for k in range(n_towns):
        ang = 2 * np.pi * k / n_towns
        tc = centre + (radius + 2500 * (k % 2)) * np.array([np.cos(ang), np.sin(ang)])
        m = int(per_t[k])
        placed = 0
        while placed < m:
            size = min(int(rng.integers(1, 4)), m - placed)
            hub = tc + rng.normal(0, 2500, 2)
            for _ in range(size):
                x, y = hub + rng.normal(0, 300, 2)
                h = int(np.clip(rng.lognormal(np.log(420), 0.5), 150, 1200))
                rows.append((town_of[k], "rural", x, y, h, int(h * rng.uniform(2.8, 3.6))))
                placed += 1
    com = pd.DataFrame(rows, columns=["street", "kind", "x", "y", "households", "residents"])
    com.insert(0, "id", [f"C{i + 1:05d}" for i in range(len(com))])
    com["x"], com["y"] = com["x"].round(1), com["y"].round(1)
    region_of = None
    if barriers is not None:
        from siteplan.geo.streets import regions

        region_of = regions(com[["x", "y"]].to_numpy(), barriers(com[["x", "y"]].to_numpy()))
    return com, _place_sites(com, shape, rng, region_of)


def _place_sites(com: pd.DataFrame, shape: CityShape, rng, region_of=None) -> pd.DataFrame:
    """Sites covering every committee, then the rest at random; with `region_of` (the areas
    between rivers and rail lines) a covering plot lies on its committees' side."""
    pts = com[["x", "y"]].to_numpy()
    hh = com["households"].to_numpy()
    tree = cKDTree(pts)
    # cover with a radius well inside reach, so each covering plot serves a few committees
    cover_r = min(0.8 * shape.reach_m, 550.0)
    side = np.zeros(len(com), dtype=np.int64)
    if region_of is not None:  # walked on streets: the grid's detour must fit in the reach too
        side = region_of(pts)
        cover_r = min(0.8 * shape.reach_m, 550.0) / GRID_DETOUR * 1.1
    owner = np.full(len(com), -1)
    chosen: list[tuple[float, float, int]] = []
    for i in rng.permutation(len(com)):
        if owner[i] >= 0:
            continue
        near = [j for j in tree.query_ball_point(pts[i], cover_r) if owner[j] < 0 and side[j] == side[i]]
        spot = pts[near].mean(axis=0) + rng.normal(0, 60, 2)
        if np.hypot(*(spot - pts[i])) > cover_r:
            spot = pts[i] + rng.normal(0, 60, 2)
        if region_of is not None and region_of(spot)[0] != side[i]:  # across a river: beside i
            spot = pts[i] + np.clip(rng.normal(0, 5, 2), -10, 10)
        for j in tree.query_ball_point(spot, cover_r):
            if owner[j] < 0 and side[j] == side[i]:
                owner[j] = len(chosen)
        owner[i] = len(chosen)
        chosen.append((spot[0], spot[1], i))
    if len(chosen) > shape.sites:
        raise InputError(f"{shape.sites} sites cannot put every committee within {shape.reach_m:.0f} m; "
                         f"this city needs at least {len(chosen)}", where="generate",
                         fix=f"use --sites {len(chosen)} or more")
    # a covering plot must hold the committees it covers, even at 40 m² per 100 households
    owned_hh = np.bincount(owner, weights=hh, minlength=len(chosen))
    n_cover = len(chosen)
    while len(chosen) < shape.sites:
        i = int(rng.integers(len(com)))
        spot = pts[i] + rng.normal(0, 350, 2)
        chosen.append((spot[0], spot[1], i))
    rows = []
    street_first: dict[str, bool] = {}
    for k, (x, y, i) in enumerate(chosen):
        street, ckind = com.at[i, "street"], com.at[i, "kind"]
        is_centre = street not in street_first
        street_first[street] = True
        kind = "centre" if is_centre else ckind
        urban = ckind == "urban"
        cost = rng.uniform(3000, 4500) if urban else rng.uniform(1800, 2800)
        max_area = (rng.uniform(1500, 4000) if kind == "centre" else
                    rng.uniform(900, 3000) if urban else rng.uniform(500, 1400))
        if k < n_cover:
            max_area = max(max_area, 0.42 * owned_hh[k] + 100)
        existing = 0.0
        if rng.random() < shape.existing_share:
            existing = float(np.round(rng.uniform(0.3, 0.8) * max_area, -1))
        rows.append({
            "id": f"P{k + 1:05d}", "street": street, "x": round(x, 1), "y": round(y, 1), "kind": kind,
            # per-site costs besides floor area (design, approvals, site works): 9-14万 per project
            # in the background.md §11.1 data points; wider in cities
            "fixed_cost": round(rng.uniform(150_000, 450_000) if urban else rng.uniform(80_000, 200_000), -3),
            "cost_per_m2": round(cost, 0),
            "opex_per_m2_year": round(rng.uniform(120, 250) if urban else rng.uniform(80, 160), 0),
            "max_area_m2": round(max_area + 5, -1), "existing_area_m2": existing,
        })
    return pd.DataFrame(rows)


SCENARIO_TEMPLATE = """\
# Synthetic city written by `siteplan generate` (seed {seed}); not a real place.
name: {name}
preset: {preset}
data:
  committees: committees.csv
  sites: sites.csv{roads}
distance: {distance}{coordinates}
reach: {{walk_m: {reach:g}}}
costs: {{worker_per_year: 120000, horizon_years: 5}}
objective: min_cost
solver: {{time_limit: 120, mip_gap: 0.001}}
"""
STREETS_YAML = {
    "roads": "\n  roads: streets.gpkg            # streets, rivers, rail lines (siteplan generate --streets)",
    "distance": "network                 # walked on the streets",
    "coordinates": (f"\ncoordinates: {{crs: {GENERATED_CRS}, offset: [{GENERATED_OFFSET[0]:.0f}, "
                    f"{GENERATED_OFFSET[1]:.0f}]}}   # x, y + offset: CGCS2000 Gauss-Krüger metres")}


def write_city(out: str | Path, shape: CityShape, preset: str = "national", name: str | None = None) -> Path:
    out = Path(out)
    made: list = []
    rng = np.random.default_rng([shape.seed, 7])  # its own stream: the tables' draws stay as they were

    def barriers(points):
        from siteplan.geo.streets import make_barriers

        made.append(make_barriers(points, shape.rivers, shape.rails, rng))
        return made[0]

    com, sites = generate_city(shape, barriers if shape.streets else None)
    write_csv_atomic(out / "committees.csv", com)
    write_csv_atomic(out / "sites.csv", sites)
    yaml_parts = {"roads": "", "distance": "euclidean", "coordinates": ""}
    if shape.streets:
        from siteplan.geo.streets import STREETS_FILE, make_streets, write_streets

        points = np.vstack([com[["x", "y"]].to_numpy(float), sites[["x", "y"]].to_numpy(float)])
        write_streets(out / STREETS_FILE, make_streets(points, made[0], rng), GENERATED_CRS, GENERATED_OFFSET)
        yaml_parts = STREETS_YAML
    name = name or f"synthetic-{shape.committees}c-{shape.sites}s-seed{shape.seed}"
    write_text_atomic(out / "scenario.yaml", SCENARIO_TEMPLATE.format(
        seed=shape.seed, name=name, preset=preset, reach=shape.reach_m, **yaml_parts))
    return out / "scenario.yaml"
