"""A CSV table's declared coordinates (`coordinates: {crs: ...}` in the scenario) turned into
the columns the distance kind needs (GIS layers carry their own CRS: `siteplan.io.gis`).

The declared CRS says which columns the CSV gives: `lon`, `lat` for a geographic one
("wgs84", "cgcs2000", "gcj02", "EPSG:4490", ...), `x`, `y` (metres, easting and northing)
for a projected one ("EPSG:4526", ...). They become WGS84 `lon`, `lat` for the haversine and
network kinds, and metres on a conformal plane for euclidean: the declared CRS itself when it
is a Transverse Mercator projection in metres (a Gauss-Krüger zone, UTM), else the UTM zone
of the data's median point. GCJ-02 and Baidu's BD-09 are undone first
(`siteplan.geo.gcj02.from_gcj02`, `siteplan.geo.bd09.from_bd09`), with a warning saying how far
that moved the points.

A city's local grid (城市独立坐标系) is often a projected CRS shifted by a constant:
`coordinates: {crs: EPSG:4544, offset: [dx, dy]}` means the CSV's x + dx, y + dy are
coordinates in that projected CRS (`check_offset`). `describe` is the choice as plan.json
stores it and `solve` prints it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from siteplan.errors import InputError, SiteplanWarning

#: names accepted besides anything pyproj knows ("EPSG:4526", a WKT string, ...)
ALIASES = {"wgs84": "EPSG:4326", "cgcs2000": "EPSG:4490"}
GCJ02 = "gcj02"
MAX_OFFSET_M = 1e8  # as the tables' coordinate bound
BD09 = "bd09"
#: Chinese web-map lon/lat, undone to WGS84 before anything else
WEB_MAP = (GCJ02, BD09)


def check_crs(value: str) -> str:
    """The declared CRS, normalised; ValueError when pyproj does not know it."""
    v = value.strip()
    if v.lower() in WEB_MAP or v.lower() in ALIASES:
        return v.lower()
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(v)
    except CRSError:
        raise ValueError(f"unknown coordinate system {value!r}; use gcj02, bd09, wgs84, cgcs2000 or an "
                         "EPSG code such as EPSG:4490 or EPSG:4526") from None
    if not (crs.is_geographic or crs.is_projected):
        raise ValueError(f"{value!r} is neither a lon/lat nor a projected coordinate system")
    return v


def source_columns(declared: str) -> tuple[str, str]:
    """The columns a CSV gives under `declared`: ("lon", "lat") or ("x", "y")."""
    if declared in WEB_MAP or declared in ALIASES:
        return ("lon", "lat")
    from pyproj import CRS

    return ("lon", "lat") if CRS.from_user_input(declared).is_geographic else ("x", "y")


def check_offset(crs: str, offset) -> None:
    """ValueError unless `offset` is two finite metres added to a projected CRS's x, y."""
    if offset is None:
        return
    if not all(math.isfinite(float(v)) and abs(float(v)) <= MAX_OFFSET_M for v in offset):
        raise ValueError(f"offset must be two finite numbers of metres within ±{MAX_OFFSET_M:.0e}")
    if source_columns(crs) != ("x", "y"):
        raise ValueError(f"offset shifts a projected CRS's x, y; {crs!r} is lon/lat (give a projected "
                         "CRS such as a Gauss-Krüger zone, e.g. EPSG:4544)")


def convert(sx: np.ndarray, sy: np.ndarray, declared: str, target: tuple[str, str],
            what: str, offset=None, plane: str | None = None) -> tuple[np.ndarray, np.ndarray, str | None]:
    """(first, second target column, the metric CRS for x/y or None) from coordinates given in
    `declared` (plus `offset`, a local grid's shift); x/y land on `plane` when given (the other
    table's), else on the plane chosen here; warns how far undoing GCJ-02/BD-09 moved them."""
    from pyproj import CRS, Transformer

    from siteplan.io.gis import is_transverse_mercator_metres, utm_for

    if offset is not None:
        sx, sy = np.asarray(sx, dtype=float) + float(offset[0]), np.asarray(sy, dtype=float) + float(offset[1])
    if declared in WEB_MAP:
        from siteplan.geo.bd09 import from_bd09
        from siteplan.geo.gcj02 import from_gcj02

        lon, lat = (from_gcj02 if declared == GCJ02 else from_bd09)(sx, sy)
        _warn_web_map(declared, sx, sy, lon, lat, what)
        src = CRS.from_user_input("EPSG:4326")
        sx, sy = lon, lat
    else:
        src = CRS.from_user_input(ALIASES.get(declared, declared))
    out: tuple[np.ndarray, np.ndarray, str | None]
    if tuple(target) == ("lon", "lat"):
        lon, lat = Transformer.from_crs(src, "EPSG:4326", always_xy=True).transform(sx, sy)
        out = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), None
    elif plane is not None:
        x, y = Transformer.from_crs(src, plane, always_xy=True).transform(sx, sy)
        out = np.asarray(x, dtype=float), np.asarray(y, dtype=float), plane
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


def _warn_web_map(declared: str, g_lon, g_lat, lon, lat, what: str) -> None:
    from pyproj import Geod

    moved = Geod(ellps="WGS84").inv(g_lon, g_lat, lon, lat)[2]
    shift = float(np.median(moved))
    name = "GCJ-02" if declared == GCJ02 else "BD-09"
    msg = f"{what}: converting {name} to WGS84 moved the points by a median {shift:.0f} m"
    spacing = _median_spacing(lon, lat)
    if spacing is not None and spacing < shift:
        msg += (f", more than the points' median nearest-neighbour spacing ({spacing:.0f} m): if "
                "the coordinates are already WGS84/CGCS2000 (GPS, OpenStreetMap, a GIS export), "
                f"remove coordinates: crs: {declared} from the scenario")
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


def describe(scn) -> dict:
    """The coordinate choice of a loaded scenario, as plan.json stores it: the declared CRS
    and offset, the metric plane of x, y metres (None when no CRS is known), and what the
    distances are measured on."""
    from siteplan.io.gis import METRIC_CRS

    c, t = scn.spec.coordinates, scn.tables
    method = scn.spec.distance_spec.method
    metric = t.committees.attrs.get(METRIC_CRS) or t.sites.attrs.get(METRIC_CRS)
    if method == "matrix":
        measured = "given walking distances (data.distances)"
    elif tuple(t.coords) == ("lon", "lat"):
        measured = ("walks on the street network, segment lengths great-circle on WGS84 lon/lat"
                    if method == "network" else "great-circle metres on WGS84 lon/lat")
    else:
        measured = f"straight metres on {metric}" if metric else "straight metres on x, y (no CRS declared)"
    out = {"declared_crs": c.crs if c else None,
           "offset": [float(v) for v in c.offset] if c and c.offset else None,
           "metric_crs": metric, "coordinates": "/".join(t.coords), "distances": measured}
    for table in ("committees", "sites"):
        own = getattr(c, table, None) if c else None
        if own is not None:
            out[f"{table}_crs"] = own.crs
            out[f"{table}_offset"] = [float(v) for v in own.offset] if own.offset else None
    return out


def note(block: dict) -> str | None:
    """One line for stderr when a CRS is involved (None for plain x, y metres)."""
    if not block["declared_crs"] and not block["metric_crs"]:
        return None
    src = block["declared_crs"] or "the GIS layers' own CRS"
    if block["offset"]:
        src += f" with offset ({block['offset'][0]:,.1f}, {block['offset'][1]:,.1f}) m"
    for table in ("committees", "sites"):
        if f"{table}_crs" in block:
            src += f" ({table}: {block[f'{table}_crs']}" + (" with its offset)" if block[f"{table}_offset"] else ")")
    plane = f"; metric plane {block['metric_crs']}" if block["metric_crs"] else ""
    return f"coordinates: {src} -> {block['coordinates']}{plane}; distances: {block['distances']}"
