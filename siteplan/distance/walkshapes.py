"""Shapes of walks on the street network, for the outputs (plan.gpkg, the map): the path of
an assignment and the streets a facility reaches. Model side: they follow the spliced graph
(`walkgraph.Walks`) the distances came from, so a path is as long as its distance.
"""

from __future__ import annotations

import numpy as np

from siteplan.distance.haversine import EARTH_RADIUS_M
from siteplan.distance.walkgraph import Walks

#: half-width of a walkshed: the reachable streets buffered this far either side (a street,
#: its pavements and the building fronts along it), in metres
WALKSHED_WIDTH_M = 50.0


def paths(wk: Walks, src: np.ndarray, src_xy: np.ndarray, dst: np.ndarray, dst_xy: np.ndarray,
          limit: float = np.inf) -> list[np.ndarray]:
    """Lon/lat vertices of each walk src_xy[k] -> its foot src[k] -> streets -> foot dst[k] ->
    dst_xy[k] (a k x 2 array; empty when no walk within `limit` joins them). One Dijkstra per
    distinct destination foot: the walks are read backwards from the predecessors."""
    out: list[np.ndarray] = [np.zeros((0, 2))] * len(src)
    sources, row = np.unique(dst, return_inverse=True)
    for first, dist, pred in wk.from_nodes(sources, limit, predecessors=True):
        for k in np.flatnonzero((row >= first) & (row < first + dist.shape[0])):
            r, x = row[k] - first, int(src[k])
            if not np.isfinite(dist[r, x]):
                continue
            nodes = [x]
            while x != sources[row[k]]:
                x = int(pred[r, x])
                nodes.append(x)
            xy = np.vstack([src_xy[k], wk.lonlat[nodes], dst_xy[k]])
            keep = np.r_[True, np.any(xy[1:] != xy[:-1], axis=1)]  # a zero snap repeats a vertex
            out[k] = xy[keep]
    return out


def reached_streets(wk: Walks, node: int, budget: float) -> np.ndarray:
    """Segments (m x 2 x 2 lon/lat) of the streets within `budget` metres of `node`: whole
    edges whose far end is within it, and the reached part of the others (from each end)."""
    from scipy.sparse.csgraph import dijkstra

    if budget < 0:
        return np.zeros((0, 2, 2))
    dist = dijkstra(wk.csr, directed=False, indices=node, limit=budget)
    near = np.flatnonzero(dist <= budget)
    sub = wk.csr[near].tocoo()
    x, y, w = near[sub.row], sub.col, sub.data
    f = np.clip((budget - dist[x]) / np.maximum(w, 1e-300), 0.0, 1.0)  # share of x-y walked from x
    a, b = wk.lonlat[x], wk.lonlat[y]
    seg = np.stack([a, a + f[:, None] * (b - a)], axis=1)
    return seg[np.any(seg[:, 0] != seg[:, 1], axis=1)]


def walkshed(wk: Walks, node: int, site_xy: np.ndarray, snap_m: float, reach_m: float,
             width_m: float = WALKSHED_WIDTH_M):
    """The streets reached from a site (at `site_xy`, snapped `snap_m` to its foot `node`)
    within a walk of `reach_m`, its snap leg included, buffered by `width_m` in an azimuthal
    equidistant plane centred on the site (on the sphere the distances use), as a shapely
    polygon in lon/lat."""
    import shapely
    from pyproj import Transformer

    lon0, lat0 = float(site_xy[0]), float(site_xy[1])
    if snap_m > reach_m:  # the site reaches no street: only its own spot
        seg = np.zeros((0, 2, 2))
    else:
        leg = np.array([[site_xy, wk.lonlat[node]]], dtype=float)
        seg = np.concatenate([leg, reached_streets(wk, node, reach_m - snap_m)])
        seg = seg[np.any(seg[:, 0] != seg[:, 1], axis=1)]
    sphere = f"+proj=longlat +R={EARTH_RADIUS_M} +no_defs"
    aeqd = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +R={EARTH_RADIUS_M} +units=m +no_defs"
    there = Transformer.from_crs(sphere, aeqd, always_xy=True)
    back = Transformer.from_crs(aeqd, sphere, always_xy=True)
    flat = np.column_stack(there.transform(seg[:, :, 0].ravel(), seg[:, :, 1].ravel())).reshape(-1, 2, 2)
    if len(flat):
        # one buffer per segment, then a cascaded union: ~50x faster than buffering the whole
        # MultiLineString at once (GEOS nodes thousands of segments in one pass; 0.9 s vs 50 s
        # for a Helsinki walkshed of 6,953 segments)
        shape = shapely.union_all(shapely.buffer(shapely.linestrings(flat), width_m, quad_segs=4))
    else:
        shape = shapely.buffer(shapely.Point(0.0, 0.0), width_m, quad_segs=4)
    return shapely.transform(shape, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))
