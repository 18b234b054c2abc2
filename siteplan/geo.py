"""Distances: euclidean (x, y in metres), haversine (lon, lat), or a given sparse matrix.

`reachable_pairs` never forms a committee x site matrix: a KD-tree returns only the pairs
within reach, so memory grows with the number of reachable pairs, not with n x m.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def _unit_vectors(lonlat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def pair_distances(a: np.ndarray, b: np.ndarray, method: str) -> np.ndarray:
    """Element-wise distance in metres between rows of `a` and rows of `b`."""
    if method == "haversine":
        lon1, lat1 = np.radians(a[:, 0]), np.radians(a[:, 1])
        lon2, lat2 = np.radians(b[:, 0]), np.radians(b[:, 1])
        h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    return np.hypot(a[:, 0] - b[:, 0], a[:, 1] - b[:, 1])


def reachable_pairs(cxy: np.ndarray, sxy: np.ndarray, radius: np.ndarray, method: str,
                    circuity: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(committee index, site index, metres) for every pair with circuity*distance <= radius.

    `radius` is per committee (urban and rural reach may differ). Pairs come sorted by
    committee, then by distance.
    """
    r_max = float(np.max(radius)) / circuity
    if method == "haversine":
        pts_c, pts_s = _unit_vectors(cxy), _unit_vectors(sxy)
        # chord length for an arc of r metres, plus a hair so the exact check below decides
        query_r = 2 * np.sin(min(r_max / EARTH_RADIUS_M, np.pi) / 2) * (1 + 1e-9) + 1e-12
    else:
        pts_c, pts_s = cxy, sxy
        query_r = r_max * (1 + 1e-12) + 1e-9
    tree = cKDTree(pts_s)
    lists = tree.query_ball_point(pts_c, r=query_r)
    counts = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    ci = np.repeat(np.arange(len(lists), dtype=np.int64), counts)
    si = np.fromiter((j for x in lists for j in x), dtype=np.int64, count=int(counts.sum()))
    d = pair_distances(cxy[ci], sxy[si], method) * circuity
    keep = d <= radius[ci] + 1e-9
    ci, si, d = ci[keep], si[keep], d[keep]
    order = np.lexsort((d, ci))
    return ci[order], si[order], d[order]


def nearest_sites(cxy: np.ndarray, sxy: np.ndarray, method: str, circuity: float = 1.0):
    """Index of and distance to the nearest site for each committee (for diagnostics)."""
    if method == "haversine":
        tree = cKDTree(_unit_vectors(sxy))
        _, idx = tree.query(_unit_vectors(cxy))
    else:
        tree = cKDTree(sxy)
        _, idx = tree.query(cxy)
    return idx, pair_distances(cxy, sxy[idx], method) * circuity
