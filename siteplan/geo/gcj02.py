"""GCJ-02 ("Mars" coordinates): the obfuscated lon/lat of Chinese web maps (Amap/Gaode,
Tencent; Baidu's BD-09 is a further step: `siteplan.geo.bd09`).

GCJ-02 is WGS84 plus a smooth, published offset (the Krasovsky-ellipsoid formula that
open-source converters document), of roughly 100-700 m inside mainland China and none
outside its bounding box. No projection library knows it, so it is written out here:
`to_gcj02` is the forward formula and `from_gcj02` its inverse by fixed-point iteration
(the offset changes slowly with position, so w <- w - (f(w) - g) converges to far below a
centimetre in a few steps). CGCS2000 (EPSG:4490) equals WGS84 at the centimetre level.
"""

from __future__ import annotations

import math

import numpy as np

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # its first eccentricity squared
#: the box outside which GCJ-02 applies no offset: (lon min, lon max, lat min, lat max)
CHINA_BOX = (72.004, 137.8347, 0.8293, 55.8271)


def _inside(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo0, lo1, la0, la1 = CHINA_BOX
    return (lon >= lo0) & (lon <= lo1) & (lat >= la0) & (lat <= la1)


def _d_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    pi = math.pi
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    r += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    return r


def _d_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    pi = math.pi
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    r += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    return r


def to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 (or CGCS2000) lon/lat in degrees -> GCJ-02; unchanged outside China's box."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = lon - 105.0, lat - 35.0
    rad = np.radians(lat)
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    dlat = _d_lat(x, y) * 180.0 / ((_A * (1.0 - _EE)) / (magic * sq) * math.pi)
    dlon = _d_lon(x, y) * 180.0 / (_A / sq * np.cos(rad) * math.pi)
    inside = _inside(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def from_gcj02(lon, lat, tol_deg: float = 1e-10, max_iter: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 lon/lat -> WGS84, the inverse of `to_gcj02` to `tol_deg` (1e-10 degree is about
    0.01 mm); points whose WGS84 position lies outside China's box are unchanged."""
    g_lon, g_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return invert(to_gcj02, g_lon, g_lat, g_lon.copy(), g_lat.copy(), tol_deg, max_iter)


def invert(forward, t_lon, t_lat, w_lon, w_lat, tol_deg: float, max_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """The w with forward(w) = t, from the guess w, by w <- w - (forward(w) - t): it converges
    for a smooth offset that changes slowly with position (GCJ-02's, BD-09's)."""
    for _ in range(max_iter):
        f_lon, f_lat = forward(w_lon, w_lat)
        e_lon, e_lat = f_lon - t_lon, f_lat - t_lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if max(float(np.max(np.abs(e_lon), initial=0.0)), float(np.max(np.abs(e_lat), initial=0.0))) < tol_deg:
            break
    return w_lon, w_lat
