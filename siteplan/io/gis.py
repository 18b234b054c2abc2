"""GIS layers as tables: GeoPackage (.gpkg), GeoJSON (.geojson, .json), Shapefile (.shp),
read with pyogrio (the first layer of the file).

The layer's attribute columns become the table's columns (every cell as text, like CSV);
its geometry gives the coordinates, written into the columns every distance kind may ask
for (any attribute columns of these names are replaced: the geometry wins):

- `lon`, `lat`: WGS84 degrees (CGCS2000, EPSG:4490, is taken as WGS84: they agree to
  centimetres);
- `x`, `y`: metres on a conformal plane: the layer's own coordinates when its CRS is a
  Transverse Mercator projection in metres (a CGCS2000 Gauss-Krüger zone, EPSG:4513-4554,
  or UTM), otherwise the UTM zone of the layer's centre. Web Mercator (EPSG:3857) is not
  used as metres (its scale is 1/cos(latitude), ~1.3 in Beijing). `METRIC_CRS` in the frame's
  `attrs` names the plane, so a reader can refuse committees and sites on different planes.

A point is used as it is; a polygon by its representative point (shapely's
`representative_point`, always inside it, unlike the centroid of a U-shaped polygon).
A layer without a CRS, an empty, missing or invalid geometry, or a geometry that is not a
point or polygon, is an InputError naming the file, the feature (its 1-based number, shown
as the row's "line") and the fix.

Bounded: the file (with a shapefile's .dbf and .shx) must fit the table size limit before
pyogrio opens it. A shapefile is several files, and a run bundle keeps one file per table,
so a .shp can be read (validated) in place but not bundled: `bundle_name` refuses it with
the fix to convert it to a GeoPackage (`NOT_BUNDLED`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from siteplan.errors import InputError
from siteplan.fileio import read_bounded
from siteplan.io import RawTable

NAME = "gis"
#: `read` takes a `layer` (data.layers)
HAS_LAYERS = True
SUFFIXES = (".gpkg", ".geojson", ".json", ".shp")
#: suffixes read in place but never copied into a run bundle (made of several files)
NOT_BUNDLED = (".shp",)
#: the `attrs` key naming the CRS of the x, y columns
METRIC_CRS = "siteplan_metric_crs"
_SIDECARS = (".dbf", ".shx")
_POINTS = {"Point"}
_POLYGONS = {"Polygon", "MultiPolygon"}


def _fmt(v: float) -> str:
    return repr(float(v))


def read_layer_bytes(path: str, what: str, limit: int, fix: str = "check the path") -> bytes:
    """The layer file's bytes, bounded; a shapefile's .dbf and .shx must exist and count
    towards the limit (also used for street layers: `siteplan.io.roads`)."""
    blob = read_bounded(path, limit, what, fix=fix)
    p = Path(path)
    if p.suffix.lower() == ".shp":
        total = len(blob)
        for ext in _SIDECARS:
            side = p.with_suffix(ext)
            if not side.exists():
                raise InputError(f"{what}: the shapefile's {ext} file is missing", where=path,
                                 fix=f"put {side.name} beside it, or convert the layer to a GeoPackage")
            total += os.path.getsize(side)
        if total > limit:
            raise InputError(f"{what}: the shapefile and its sidecars are {total} bytes; the limit is {limit}",
                             where=path, fix="split the layer or keep only the needed attributes")
    return blob


def read(path: str, what: str, limit: int, fix: str = "check the path", layer: str | None = None) -> RawTable:
    """The layer `layer` (default: the file's first) as a table; see the module docstring."""
    blob = read_layer_bytes(path, what, limit, fix)
    try:
        import pyogrio
    except ImportError:  # pragma: no cover - an optional dependency
        raise InputError(f"{what} is a GIS layer and pyogrio is not installed", where=path,
                         fix="pip install pyogrio geopandas, or give the table as CSV")
    if layer is not None:
        try:
            names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        except Exception:  # noqa: BLE001 - a file GDAL cannot list: the read below says why
            names = [layer]
        if layer not in names:
            raise InputError(f"{what}: the file has no layer {layer!r}", where=path,
                             fix=f"name one of its layers in data.layers: {', '.join(names)}")
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # noqa: BLE001 - GDAL/pyogrio errors come in many types
        raise InputError(f"{what} could not be read as a GIS layer: {str(exc).strip()}", where=path,
                         fix="open it in QGIS and export it again as GeoPackage") from None
    layer = f"{path}, layer {layer or _first_layer(path)!r}"
    if gdf.crs is None:
        raise InputError(f"{what}: the layer has no coordinate reference system", where=layer,
                         fix="set its CRS (e.g. EPSG:4490 for CGCS2000 lon/lat, EPSG:4526 for a "
                             "Gauss-Krüger zone) in QGIS and save again")
    lon, lat, x, y, metric = _coordinates(gdf, what, layer)
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    df = df.astype(object).where(df.notna(), "").astype(str)
    df.columns = [str(c).strip() for c in df.columns]
    for col, vals in (("lon", lon), ("lat", lat), ("x", x), ("y", y)):
        df[col] = [_fmt(v) for v in vals]
    df.attrs[METRIC_CRS] = metric
    return RawTable(frame=df, lines=list(range(1, len(df) + 1)), blob=blob)


def _first_layer(path: str) -> str:
    import pyogrio

    try:
        return str(pyogrio.list_layers(path)[0][0])
    except Exception:  # noqa: BLE001 - only names the layer in a message
        return "?"


def _coordinates(gdf, what: str, layer: str):
    """(lon, lat, x, y, metric CRS name) of each feature's point; see the module docstring."""
    from pyproj import CRS, Transformer

    geoms = gdf.geometry
    for i, g in enumerate(geoms):
        where = f"{layer}, feature {i + 1}"
        if g is None or g.is_empty:
            raise InputError(f"{what}: feature {i + 1} has no geometry", where=where,
                             fix="draw its point or polygon, or delete the feature")
        kind = g.geom_type
        if kind not in _POINTS | _POLYGONS:
            raise InputError(f"{what}: feature {i + 1} is a {kind}; a table needs points or polygons",
                             where=where, fix="give committees and sites as points or polygons "
                                              "(a line layer is not a table of places)")
        if not g.is_valid:
            from shapely.validation import explain_validity

            raise InputError(f"{what}: feature {i + 1} has an invalid geometry ({explain_validity(g)})",
                             where=where, fix="repair it (QGIS: Fix geometries; shapely: make_valid)")
    pts = [g if g.geom_type in _POINTS else g.representative_point() for g in geoms]
    px = np.array([p.x for p in pts], dtype=float)
    py = np.array([p.y for p in pts], dtype=float)
    src = CRS.from_user_input(gdf.crs)
    to_ll = Transformer.from_crs(src, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(px, py)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise InputError(f"{what}: some coordinates fall outside the layer's CRS ({src.to_string()})",
                         where=layer, fix="check the layer's CRS is the one its coordinates are in")
    if is_transverse_mercator_metres(src):
        return lon, lat, px, py, src.to_string()
    metric = utm_for(float(np.median(lon)), float(np.median(lat)))
    x, y = Transformer.from_crs(src, metric, always_xy=True).transform(px, py)
    return lon, lat, np.asarray(x, dtype=float), np.asarray(y, dtype=float), metric


def is_transverse_mercator_metres(crs) -> bool:
    if not crs.is_projected:
        return False
    op = crs.coordinate_operation
    units = {a.unit_name for a in crs.axis_info}
    return op is not None and "transverse mercator" in op.method_name.lower() and units == {"metre"}


def utm_for(lon: float, lat: float) -> str:
    """The WGS84 UTM zone holding (lon, lat), as "EPSG:326zz" (north) or "EPSG:327zz"."""
    zone = min(60, max(1, int((lon + 180.0) // 6.0) + 1))
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"
