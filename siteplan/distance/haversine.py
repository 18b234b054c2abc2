"""Great-circle distance on the mean Earth sphere: lon, lat columns in degrees (WGS 84)."""

from __future__ import annotations

import math

import numpy as np

from siteplan.distance import DistanceKind, coordinates, register, sort_pairs
from siteplan.distance.euclidean import PlaneChecker, ball_pairs, nearest_points

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def unit_vectors(lonlat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere: a KD-tree over them finds pairs by chord length."""
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def equirectangular(xy) -> np.ndarray:
    """Lon/lat drawn in metres: an equirectangular projection around the points' mean latitude."""
    xy = np.asarray(xy, dtype=float)
    if not len(xy):
        return xy
    lat0 = math.radians(float(np.mean(xy[:, 1])))
    return np.column_stack([xy[:, 0] * 111_320.0 * math.cos(lat0), xy[:, 1] * 110_540.0])


def metres(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise haversine distance in metres between rows of `a` and `b` (lon, lat)."""
    lon1, lat1 = np.radians(a[:, 0]), np.radians(a[:, 1])
    lon2, lat2 = np.radians(b[:, 0]), np.radians(b[:, 1])
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


class Haversine(DistanceKind):
    name = "haversine"
    columns = ("lon", "lat")
    bounds = ((-180.0, 180.0), (-90.0, 90.0))  # also keeps the KD-tree finite

    def pairs(self, tables, reach, circuity):
        cxy, sxy = coordinates(tables, "committees"), coordinates(tables, "sites")
        r_max = float(np.max(reach)) / circuity
        # chord length for an arc of r metres, plus a hair so the exact test decides
        chord = 2 * np.sin(min(r_max / EARTH_RADIUS_M, np.pi) / 2) * (1 + 1e-9) + 1e-12
        ci, si = ball_pairs(unit_vectors(cxy), unit_vectors(sxy), chord)
        return sort_pairs(ci, si, metres(cxy[ci], sxy[si]) * circuity, reach)

    def between(self, tables, committees, sites):
        return metres(coordinates(tables, "committees")[committees], coordinates(tables, "sites")[sites])

    def nearest(self, tables, committees, sites, circuity):
        cxy = coordinates(tables, "committees")[committees]
        sxy = coordinates(tables, "sites")[sites]
        idx = nearest_points(unit_vectors(cxy), unit_vectors(sxy))
        return idx, metres(cxy, sxy[idx]) * circuity

    def planar(self, xy):
        return equirectangular(xy)

    def checker(self, tables):
        return SphereChecker(tables, *self.columns)


class SphereChecker(PlaneChecker):
    """Checker side: the haversine formula with the math module, one pair at a time (it
    borrows only the id -> coordinates lookup from the plane checker)."""

    def __call__(self, committee: str, site: str) -> float:
        (ax, ay), (bx, by) = self.c[committee], self.s[site]
        p1, p2 = math.radians(ay), math.radians(by)
        dp, dl = p2 - p1, math.radians(bx - ax)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


register(Haversine())
