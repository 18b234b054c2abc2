"""BD-09: Baidu Maps' lon/lat, a further published warp on top of GCJ-02.

Baidu's coordinates are GCJ-02 moved by a small rotation and scaling about the origin plus
a fixed shift of (0.0065, 0.006) degrees, about 600-700 m in all. The forward step
(`gcj02_to_bd09`) is the published closed form; its inverse (`bd09_to_gcj02`) is found by
the same fixed-point iteration as `siteplan.geo.gcj02.from_gcj02` (`gcj02.invert`) (the warp is a near
translation, so w <- w - (f(w) - b) converges in a few steps), rather than the usual
one-step approximation that is off by a few decimetres. `from_bd09` chains the two
inverses down to WGS84.
"""

from __future__ import annotations

import math

import numpy as np

_K = math.pi * 3000.0 / 180.0  # the warp's angular frequency
_SHIFT_LON, _SHIFT_LAT = 0.0065, 0.006


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 lon/lat in degrees -> BD-09."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    radius = np.hypot(x, y) + 2e-5 * np.sin(y * _K)
    angle = np.arctan2(y, x) + 3e-6 * np.cos(x * _K)
    return radius * np.cos(angle) + _SHIFT_LON, radius * np.sin(angle) + _SHIFT_LAT


def bd09_to_gcj02(lon, lat, tol_deg: float = 1e-10, max_iter: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 -> GCJ-02, the inverse of `gcj02_to_bd09` to `tol_deg` degrees."""
    from siteplan.geo.gcj02 import invert

    b_lon, b_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return invert(gcj02_to_bd09, b_lon, b_lat, b_lon - _SHIFT_LON, b_lat - _SHIFT_LAT, tol_deg, max_iter)


def to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 (or CGCS2000) -> BD-09, through GCJ-02."""
    from siteplan.geo.gcj02 import to_gcj02

    return gcj02_to_bd09(*to_gcj02(lon, lat))


def from_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 -> WGS84, through GCJ-02."""
    from siteplan.geo.gcj02 import from_gcj02

    return from_gcj02(*bd09_to_gcj02(lon, lat))
