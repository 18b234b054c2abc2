"""A CSV table's declared coordinates (`coordinates: {crs: ...}` in the scenario) turned into
the columns the distance kind needs (GIS layers carry their own CRS: `siteplan.io.gis`).

The declared CRS says which columns the CSV gives: `lon`, `lat` for a geographic one
("wgs84", "cgcs2000", "gcj02", "EPSG:4490", ...), `x`, `y` (metres, easting and northing)
for a projected one ("EPSG:4526", ...). They become WGS84 `lon`, `lat` for the haversine and
network kinds, and metres on a conformal plane for euclidean: the declared CRS itself when it
is a Transverse Mercator projection in metres (a Gauss-Krüger zone, UTM), else the UTM zone
of the data's median point. GCJ-02 is undone first (`siteplan.geo.gcj02.from_gcj02`), with a
warning saying how far that moved the points.
"""

from __future__ import annotations

import warnings

import numpy as np

from siteplan.errors import InputError, SiteplanWarning

#: names accepted besides anything pyproj knows ("EPSG:4526", a WKT string, ...)
ALIASES = {"wgs84": "EPSG:4326", "cgcs2000": "EPSG:4490"}
GCJ02 = "gcj02"


def check_crs(value: str) -> str:
    """The declared CRS, normalised; ValueError when pyproj does not know it."""
    v = value.strip()
    if v.lower() == GCJ02 or v.lower() in ALIASES:
        return v.lower()
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(v)
    except CRSError:
        raise ValueError(f"unknown coordinate system {value!r}; use gcj02, wgs84, cgcs2000 or an "
                         "EPSG code such as EPSG:4490 or EPSG:4526") from None
    if not (crs.is_geographic or crs.is_projected):
        raise ValueError(f"{value!r} is neither a lon/lat nor a projected coordinate system")
    return v


def source_columns(declared: str) -> tuple[str, str]:
    """The columns a CSV gives under `declared`: ("lon", "lat") or ("x", "y")."""
    if declared == GCJ02 or declared in ALIASES:
        return ("lon", "lat")
    from pyproj import CRS

    return ("lon", "lat") if CRS.from_user_input(declared).is_geographic else ("x", "y")


def convert(sx: np.ndarray, sy: np.ndarray, declared: str, target: tuple[str, str],
            what: str) -> tuple[np.ndarray, np.ndarray, str | None]:
    """(first, second target column, the metric CRS for x/y or None) from coordinates given in
    `declared`; warns how far undoing GCJ-02 moved them."""
    from pyproj import CRS, Transformer

    from siteplan.io.gis import is_transverse_mercator_metres, utm_for

    if declared == GCJ02:
        from siteplan.geo.gcj02 import from_gcj02

        lon, lat = from_gcj02(sx, sy)
        _warn_gcj02(sx, sy, lon, lat, what)
        src = CRS.from_user_input("EPSG:4326")
        sx, sy = lon, lat
    else:
        src = CRS.from_user_input(ALIASES.get(declared, declared))
    out: tuple[np.ndarray, np.ndarray, str | None]
    if tuple(target) == ("lon", "lat"):
        lon, lat = Transformer.from_crs(src, "EPSG:4326", always_xy=True).transform(sx, sy)
        out = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), None
    elif is_transverse_mercator_metres(src):
        out = np.asarray(sx, dtype=float), np.asarray(sy, dtype=float), src.to_string()
    else:
        lon, lat = Transformer.from_crs(src, "EPSG:4326", always_xy=True).transform(sx, sy)
        metric = utm_for(float(np.median(lon)), float(np.median(lat)))
        x, y = Transformer.from_crs(src, metric, always_xy=True).transform(sx, sy)
        out = np.asarray(x, dtype=float), np.asarray(y, dtype=float), metric
    if not (np.isfinite(out[0]).all() and np.isfinite(out[1]).all()):
        raise InputError(f"{what}: some coordinates fall outside {declared}",
                         fix="check coordinates: crs in the scenario is the one the table is in")
    return out


def _warn_gcj02(g_lon, g_lat, lon, lat, what: str) -> None:
    from pyproj import Geod

    moved = Geod(ellps="WGS84").inv(g_lon, g_lat, lon, lat)[2]
    shift = float(np.median(moved))
    msg = f"{what}: converting GCJ-02 to WGS84 moved the points by a median {shift:.0f} m"
    spacing = _median_spacing(lon, lat)
    if spacing is not None and spacing < shift:
        msg += (f", more than the points' median nearest-neighbour spacing ({spacing:.0f} m): if "
                "the coordinates are already WGS84/CGCS2000 (GPS, OpenStreetMap, a GIS export), "
                "remove coordinates: crs: gcj02 from the scenario")
    warnings.warn(msg, SiteplanWarning, stacklevel=3)


def _median_spacing(lon, lat) -> float | None:
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if lon.size < 2:
        return None
    from scipy.spatial import cKDTree

    k = np.cos(np.radians(float(np.median(lat))))
    xy = np.column_stack([lon * k, lat]) * 111_195.0  # metres per degree on the sphere
    d, _ = cKDTree(xy).query(xy, k=2)
    return float(np.median(d[:, 1]))
