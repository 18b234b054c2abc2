"""A synthetic street network for a synthetic city (`siteplan generate --streets`, the Xinhe
walking example), with rivers and rail lines that cut it, so a straight line and a walk
really differ.

Streets: a square grid (`SPACING_M`) wherever a committee or site is within `NEAR_M`, plus
arterial grid lines every `ARTERIAL_EVERY` lines across the whole city so every quarter and
village cluster is joined; each committee and site gets short lanes to its nearest street
corners (those of its grid cell) on its own side of every river and rail line, so it lies on
the network and leaves it in the direction it walks. A grid line
is written as one LineString through every corner it passes, so crossing streets share a
vertex and connect. Rivers meander west to east and rail lines run roughly south to north,
both across the whole city; every street segment they cut is removed except at a few
bridges and crossings (`BRIDGE_EVERY_M` apart along a river, `CROSSING_EVERY_M` along a
rail line), which are kept as plain segments over the barrier (no vertex on it).
Everything is drawn from the seed: the same seed gives the same streets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SPACING_M = 250.0
NEAR_M = 600.0
ARTERIAL_EVERY = 4  # 1,000 m apart: every NEAR_M disc reaches one
MARGIN_M = 800.0
BRIDGE_EVERY_M = 3000.0
CROSSING_EVERY_M = 2000.0
POCKET = 20  # street pieces with fewer corners than this, cut off by rivers and rails, are dropped
STREETS_FILE = "streets.gpkg"


@dataclass
class StreetMap:
    """Lines in local metres: streets (with their kind), rivers, rails, and the crossings
    left open (bridges over rivers, level crossings or underpasses of rails)."""

    streets: list = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    rivers: list = field(default_factory=list)
    rails: list = field(default_factory=list)
    crossings: list = field(default_factory=list)
    crossing_kinds: list[str] = field(default_factory=list)


def make_barriers(points: np.ndarray, n_rivers: int, n_rails: int, rng) -> StreetMap:
    """Rivers (west to east, meandering) and rail lines (south to north, straight) across the
    box around `points`."""
    from shapely import LineString

    lo, hi = points.min(axis=0) - 3 * MARGIN_M, points.max(axis=0) + 3 * MARGIN_M  # beyond every street
    w, h = hi - lo
    out = StreetMap()
    xs = np.linspace(lo[0], hi[0], max(2, int(w // 100) + 1))
    for k in range(n_rivers):
        y0 = lo[1] + h * (k + 1) / (n_rivers + 1) + rng.uniform(-0.08, 0.08) * h
        amp, wave = min(0.05 * h, 600.0) * rng.uniform(0.5, 1.0), rng.uniform(3000.0, 6000.0)
        phase, phase2 = rng.uniform(0, 2 * math.pi, 2)
        ys = y0 + amp * np.sin(2 * math.pi * xs / wave + phase) + 0.4 * amp * np.sin(2 * math.pi * xs / (0.37 * wave) + phase2)
        out.rivers.append(LineString(np.column_stack([xs, ys])))
    for k in range(n_rails):
        x0 = lo[0] + w * (k + 1) / (n_rails + 1) + rng.uniform(-0.08, 0.08) * w
        tilt = math.tan(math.radians(rng.uniform(-25.0, 25.0)))
        out.rails.append(LineString([(x0 - tilt * h / 2, lo[1]), (x0 + tilt * h / 2, hi[1])]))
    return out


def regions(points: np.ndarray, barriers: StreetMap):
    """A function giving, for points near `points`, the label of the area between barriers
    each lies in (0 everywhere when there are none)."""
    import shapely

    lines = barriers.rivers + barriers.rails
    if not lines or not len(points):
        return lambda pts: np.zeros(len(pts), dtype=np.int64)
    lo, hi = points.min(axis=0) - 2 * MARGIN_M, points.max(axis=0) + 2 * MARGIN_M
    frame = shapely.box(lo[0], lo[1], hi[0], hi[1])
    clipped = [shapely.intersection(g, frame) for g in lines]
    faces = list(shapely.get_parts(shapely.polygonize([shapely.union_all([frame.boundary, *clipped])])))
    for face in faces:
        shapely.prepare(face)

    def label(pts: np.ndarray) -> np.ndarray:
        at = shapely.points(np.asarray(pts, dtype=float).reshape(-1, 2))
        out = np.full(len(at), -1, dtype=np.int64)
        for i, face in enumerate(faces):
            out[shapely.intersects(face, at) & (out < 0)] = i
        return out

    return label


def make_streets(points: np.ndarray, barriers: StreetMap, rng) -> StreetMap:
    """The street grid around `points`, cut by the barriers except at the crossings, with a
    lane from each point; returns `barriers` filled in."""
    import shapely
    from scipy.spatial import cKDTree

    lo = np.floor((points.min(axis=0) - MARGIN_M) / SPACING_M) * SPACING_M
    hi = np.ceil((points.max(axis=0) + MARGIN_M) / SPACING_M) * SPACING_M
    gx = np.arange(lo[0], hi[0] + SPACING_M / 2, SPACING_M)
    gy = np.arange(lo[1], hi[1] + SPACING_M / 2, SPACING_M)
    nx, ny = len(gx), len(gy)
    xx, yy = np.meshgrid(gx, gy, indexing="ij")  # node (i, j) at (gx[i], gy[j])
    d, _ = cKDTree(points).query(np.column_stack([xx.ravel(), yy.ravel()]), distance_upper_bound=NEAR_M)
    near = np.isfinite(d).reshape(nx, ny)
    art_i = (np.arange(nx) % ARTERIAL_EVERY == 0)[:, None]
    art_j = (np.arange(ny) % ARTERIAL_EVERY == 0)[None, :]
    # edges east (i, j)-(i+1, j) and north (i, j)-(i, j+1)
    east = (near[:-1, :] & near[1:, :]) | np.broadcast_to(art_j, (nx - 1, ny))
    north = (near[:, :-1] & near[:, 1:]) | np.broadcast_to(art_i, (nx, ny - 1))
    e_idx, n_idx = np.argwhere(east), np.argwhere(north)
    e_geom = shapely.linestrings(np.stack([np.column_stack([gx[e_idx[:, 0]], gy[e_idx[:, 1]]]),
                                           np.column_stack([gx[e_idx[:, 0] + 1], gy[e_idx[:, 1]]])], axis=1))
    n_geom = shapely.linestrings(np.stack([np.column_stack([gx[n_idx[:, 0]], gy[n_idx[:, 1]]]),
                                           np.column_stack([gx[n_idx[:, 0]], gy[n_idx[:, 1] + 1]])], axis=1))
    geoms = np.concatenate([e_geom, n_geom])
    keep = np.ones(len(geoms), dtype=bool)
    for kind, lines, every in (("bridge", barriers.rivers, BRIDGE_EVERY_M),
                               ("rail crossing", barriers.rails, CROSSING_EVERY_M)):
        for line in lines:
            cut = np.flatnonzero(shapely.intersects(geoms, line))
            if not len(cut):
                continue
            along = shapely.line_locate_point(line, shapely.centroid(geoms[cut]))
            open_ = set()
            for t in np.arange(rng.uniform(0.3, 0.7) * every, line.length, every):
                nearest = int(np.argmin(np.abs(along - t)))
                if abs(along[nearest] - t) < every / 2:
                    open_.add(int(cut[nearest]))
            for e in cut:
                if int(e) in open_:
                    barriers.crossings.append(shapely.intersection(geoms[e], line))
                    barriers.crossing_kinds.append(kind)
                else:
                    keep[e] = False
    east[tuple(e_idx.T)] = keep[:len(e_idx)]
    north[tuple(n_idx.T)] = keep[len(e_idx):]
    _drop_pockets(east, north)
    _runs(barriers, east, lambda i, j: (gx[i], gy[j]), along_first=True)
    _runs(barriers, north, lambda i, j: (gx[i], gy[j]), along_first=False)
    _lanes(barriers, points, east, north, gx, gy)
    barriers.crossings = [shapely.get_geometry(g, 0) if g.geom_type == "MultiPoint" else g
                          for g in barriers.crossings]
    return barriers


def _drop_pockets(east: np.ndarray, north: np.ndarray) -> None:
    """Remove small pieces of street the cuts left with no way out (fewer than POCKET nodes,
    not the largest piece): no committee would walk them, a map would show them as stray."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nx, ny = north.shape[0], east.shape[1]
    node = np.arange(nx * ny).reshape(nx, ny)
    ei, ni = np.argwhere(east), np.argwhere(north)
    a = np.concatenate([node[ei[:, 0], ei[:, 1]], node[ni[:, 0], ni[:, 1]]])
    b = np.concatenate([node[ei[:, 0] + 1, ei[:, 1]], node[ni[:, 0], ni[:, 1] + 1]])
    _, label = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(nx * ny,) * 2), directed=False)
    used = np.zeros(nx * ny, dtype=bool)
    used[a] = used[b] = True
    size = np.bincount(label[used], minlength=label.max() + 1)
    small = (size < POCKET) & (np.arange(len(size)) != size.argmax())
    east[tuple(ei.T)] = ~small[label[a[:len(ei)]]]
    north[tuple(ni.T)] = ~small[label[a[len(ei):]]]


def _runs(out: StreetMap, edges: np.ndarray, at, along_first: bool) -> None:
    """Each unbroken run of kept edges along one grid line as one LineString."""
    from shapely import LineString

    lines = range(edges.shape[1]) if along_first else range(edges.shape[0])
    for m in lines:
        row = edges[:, m] if along_first else edges[m, :]
        padded = np.concatenate([[False], row, [False]])
        starts = np.flatnonzero(~padded[:-1] & padded[1:])
        ends = np.flatnonzero(padded[:-1] & ~padded[1:])
        for a, b in zip(starts, ends):  # edges a .. b-1: nodes a .. b
            pts = [at(k, m) if along_first else at(m, k) for k in range(a, b + 1)]
            out.streets.append(LineString(pts))
            out.kinds.append("street")


def _lanes(out: StreetMap, points: np.ndarray, east, north, gx, gy) -> None:
    """Lanes from each point to the corners of its grid cell that are on the street network
    and reachable without crossing a river or rail line (so a walk leaves towards where it
    goes, not first to the one nearest corner); a point with none of them gets a lane to its
    nearest such corner further out."""
    import shapely
    from scipy.spatial import cKDTree

    nx, ny = len(gx), len(gy)
    deg = np.zeros((nx, ny), dtype=np.int64)
    deg[:-1, :] += east
    deg[1:, :] += east
    deg[:, :-1] += north
    deg[:, 1:] += north
    ii, jj = np.nonzero(deg)
    corners = np.column_stack([gx[ii], gy[jj]])
    barrier = shapely.union_all(out.rivers + out.rails) if out.rivers or out.rails else None
    k = min(12, len(corners))
    dist, idx = cKDTree(corners).query(points, k=k)
    dist, idx = dist.reshape(len(points), k), idx.reshape(len(points), k)
    cell = SPACING_M * math.sqrt(2) + 1e-6  # a corner of the point's own cell is this close at most
    for p, ds, ks in zip(points, dist, idx):
        lanes: list[list[tuple[float, float]]] = []
        for d, c in zip(ds, ks):
            if lanes and (d > cell or len(lanes) == 4):
                break
            if d < 0.01:  # on a corner already
                break
            lane = [tuple(p), tuple(corners[c])]
            if barrier is None or not shapely.intersects(shapely.LineString(lane), barrier):
                lanes.append(lane)
        if lanes:  # one feature per point: a GeoPackage row costs more than its few vertices
            out.streets.append(shapely.MultiLineString(lanes))
            out.kinds.append("lane")


def streets_for(points: np.ndarray, n_rivers: int, n_rails: int, seed: int) -> StreetMap:
    """Rivers, rail lines and streets for points already placed (the bundled Xinhe district:
    `scenarios/xinhe/walking.yaml` says how its streets.gpkg was made)."""
    rng = np.random.default_rng([seed, 7])
    return make_streets(points, make_barriers(points, n_rivers, n_rails, rng), rng)


def write_streets(dest: Path, streets: StreetMap, crs: str, offset: tuple[float, float]) -> Path:
    """The layers `streets` (first: what data.roads reads), `rivers`, `rails` and `crossings`
    in `crs`, local metres shifted by `offset`, as one GeoPackage written atomically."""
    import shapely

    from siteplan.report.gis import write_gpkg_layers

    def moved(geoms):
        return [shapely.transform(g, lambda xy: xy + np.asarray(offset, dtype=float)) for g in geoms]

    highway = {"street": "residential", "lane": "footway"}
    multi = [g if g.geom_type == "MultiLineString" else shapely.MultiLineString([g]) for g in streets.streets]
    layers = [
        ("streets", moved(multi), [{"highway": highway[k], "kind": k} for k in streets.kinds],
         "MultiLineString"),
        ("rivers", moved(streets.rivers), [{"name": f"river {i + 1}"} for i in range(len(streets.rivers))],
         "LineString"),
        ("rails", moved(streets.rails), [{"name": f"rail line {i + 1}"} for i in range(len(streets.rails))],
         "LineString"),
        ("crossings", moved(streets.crossings), [{"kind": k} for k in streets.crossing_kinds], "Point"),
    ]
    # no spatial index: it would double the file, and a district's streets draw fast without
    return write_gpkg_layers(Path(dest), [layer for layer in layers if layer[1]], crs,
                             layer_options={"SPATIAL_INDEX": "NO"})
