"""Straight-line distance on a plane: x, y columns in metres (a projected, metric CRS)."""

from __future__ import annotations

import math

import numpy as np

from siteplan.distance import DistanceKind, coordinates, register, sort_pairs


def ball_pairs(pts_c: np.ndarray, pts_s: np.ndarray, r: float) -> tuple[np.ndarray, np.ndarray]:
    """(committee index, site index) of every pair of points within `r` of each other, by a
    KD-tree over the sites: memory grows with the pairs found, not with n x m."""
    from scipy.spatial import cKDTree

    lists = cKDTree(pts_s).query_ball_point(pts_c, r=r)
    counts = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    ci = np.repeat(np.arange(len(lists), dtype=np.int64), counts)
    si = np.fromiter((j for x in lists for j in x), dtype=np.int64, count=int(counts.sum()))
    return ci, si


def nearest_points(pts_c: np.ndarray, pts_s: np.ndarray) -> np.ndarray:
    """Index of the nearest site point for each committee point."""
    from scipy.spatial import cKDTree

    return cKDTree(pts_s).query(pts_c)[1]


def metres(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise distance in metres between rows of `a` and rows of `b`."""
    return np.hypot(a[:, 0] - b[:, 0], a[:, 1] - b[:, 1])


class Euclidean(DistanceKind):
    name = "euclidean"
    columns = ("x", "y")

    def pairs(self, tables, reach, circuity):
        cxy, sxy = coordinates(tables, "committees"), coordinates(tables, "sites")
        r_max = float(np.max(reach)) / circuity
        ci, si = ball_pairs(cxy, sxy, r_max * (1 + 1e-12) + 1e-9)  # a hair: the exact test decides
        return sort_pairs(ci, si, metres(cxy[ci], sxy[si]) * circuity, reach)

    def between(self, tables, committees, sites):
        return metres(coordinates(tables, "committees")[committees], coordinates(tables, "sites")[sites])

    def nearest(self, tables, committees, sites, circuity):
        cxy = coordinates(tables, "committees")[committees]
        sxy = coordinates(tables, "sites")[sites]
        idx = nearest_points(cxy, sxy)
        return idx, metres(cxy, sxy[idx]) * circuity

    def checker(self, tables):
        return PlaneChecker(tables, *self.columns)


class PlaneChecker:
    """Checker side: Pythagoras on the raw table values, one pair at a time."""

    def __init__(self, tables, cx: str, cy: str):
        self.c = {str(i): (float(x), float(y)) for i, x, y in
                  zip(tables.committees["id"], tables.committees[cx], tables.committees[cy])}
        self.s = {str(i): (float(x), float(y)) for i, x, y in
                  zip(tables.sites["id"], tables.sites[cx], tables.sites[cy])}

    def __call__(self, committee: str, site: str) -> float:
        (ax, ay), (bx, by) = self.c[committee], self.s[site]
        return math.hypot(bx - ax, by - ay)


register(Euclidean())
