"""Streets from a GIS line layer (`data.roads: streets.gpkg`, distance: network).

A planning bureau's streets are a line layer (GeoPackage, GeoJSON, Shapefile) in its own
CRS, not an OpenStreetMap extract. This reads one into the table the network kind walks
(`siteplan.distance.network.ROAD_COLUMNS`: one row per straight segment, `u`, `v` integer
node ids and their WGS84 lon/lat), so the graph, the snapping and the checker stay the same
for both sources.

A file with several layers is read from its `streets` (or `roads`) layer, else its first.
Topology is the layer's own: two lines meet where they share a vertex (vertices within
`MERGE_M`, 1 cm, are one node, so digitising noise does not cut a street), and lines that
merely cross without a shared vertex do not meet (a bridge over a river or a rail line).
With a `highway` attribute (OSM-style exports), motorways and trunk roads are dropped, and
so is any feature with `foot=no`; one-way is ignored (people walk both ways).

Bounded (the file and a shapefile's sidecars within the roads limit before GDAL opens it),
and every problem is an InputError naming the file, the feature and the fix: no CRS, no line
features, a missing, empty, degenerate or non-line geometry.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from siteplan.errors import InputError
from siteplan.fileio import read_bounded

SUFFIXES = (".gpkg", ".geojson", ".json", ".shp")
LAYER_NAMES = ("streets", "roads")
MERGE_M = 0.01  # vertices closer than this are one street node
NOT_WALKABLE = frozenset({"motorway", "motorway_link", "trunk", "trunk_link"})
_LINE_TYPE_IDS = (1, 5)  # shapely's LineString, MultiLineString
_HASHED_SIDECARS = (".dbf", ".shx", ".prj", ".cpg")
NO_CRS_FIX = ("assign the layer's CRS and save it again: in QGIS, Layer Properties > Source > "
              "Assigned Coordinate Reference System (e.g. EPSG:4490 for CGCS2000 lon/lat, "
              "EPSG:4544 for a Gauss-Krüger zone), then Export > Save Features As GeoPackage; "
              "or `ogr2ogr -a_srs EPSG:4544 out.gpkg in.shp`")


#: layers beside the streets drawn on the map (layer name -> kind); never part of the walk
BARRIER_LAYERS = {"rivers": "river", "rails": "rail"}
#: the `attrs` key of the roads table that holds them
BARRIERS = "siteplan_barriers"
MAX_BARRIER_VERTICES = 200_000


def is_line_layer(path: str | Path) -> bool:
    return Path(path).suffix.lower() in SUFFIXES


def read_line_roads(path: str, limit: int) -> tuple[pd.DataFrame, bytes]:
    """(segments u, v, u_lon, u_lat, v_lon, v_lat; the sha256 of the layer's files)."""
    from siteplan.io.gis import read_layer_bytes

    what = "roads layer (data.roads)"
    blob = read_layer_bytes(path, what, limit, fix="check data.roads in the scenario (paths are "
                                                   "relative to the YAML file)")
    try:
        import pyogrio
    except ImportError:  # pragma: no cover - a base dependency
        raise InputError(f"{what} is a GIS layer and pyogrio is not installed", where=path,
                         fix="pip install pyogrio") from None
    try:
        name = _layer_name(path)
        info = pyogrio.read_info(path, layer=name)
        fields = [str(f) for f in info["fields"]]
        wanted = [f for f in ("highway", "foot") if f in fields]
        gdf = pyogrio.read_dataframe(path, layer=name, columns=wanted)
    except Exception as exc:  # noqa: BLE001 - GDAL/pyogrio errors come in many types
        raise InputError(f"{what} could not be read as a GIS line layer: {str(exc).strip()}",
                         where=path, fix="open it in QGIS and export it again as GeoPackage") from None
    layer = f"{path}, layer {name!r}"
    if gdf.crs is None:
        raise InputError(f"{what}: the layer has no coordinate reference system", where=layer,
                         fix=NO_CRS_FIX)
    keep = _walkable(gdf)
    lonlat, local, seg_a, seg_b = _segments(gdf.geometry.to_numpy(), keep, gdf.crs, what, layer)
    node = _merge(local)
    u, v = node[seg_a], node[seg_b]
    ok = u != v  # a segment between two vertices merged into one node is no street
    u, v, a, b = u[ok], v[ok], seg_a[ok], seg_b[ok]
    if not len(u):
        raise InputError(f"{what} holds no street segments of any length", where=layer,
                         fix="give a layer of street centre lines")
    roads = pd.DataFrame({"u": u, "v": v, "u_lon": lonlat[a, 0], "u_lat": lonlat[a, 1],
                          "v_lon": lonlat[b, 0], "v_lat": lonlat[b, 1]})
    roads.attrs[BARRIERS] = _barriers(path, name)
    return roads, _digest(path, blob, limit)


def _barriers(path: str, streets_layer: str) -> list[tuple[str, np.ndarray]]:
    """The rivers and rail lines a file holds beside its streets (layers named in
    BARRIER_LAYERS, e.g. from `siteplan generate --streets`), as (kind, lon/lat polyline):
    only drawn on the report's map, never walked; a layer that does not read is skipped."""
    import pyogrio
    import shapely
    from pyproj import Transformer

    out: list[tuple[str, np.ndarray]] = []
    try:
        names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception:  # noqa: BLE001 - a single-layer format (GeoJSON, Shapefile)
        return out
    vertices = 0
    for layer, kind in BARRIER_LAYERS.items():
        if layer not in names or layer == streets_layer:
            continue
        try:
            gdf = pyogrio.read_dataframe(path, layer=layer, columns=[])
        except Exception:  # noqa: BLE001, S112 - decoration only: the plan does not depend on it
            continue
        if gdf.crs is None:
            continue
        to_ll = Transformer.from_crs(gdf.crs, "EPSG:4326", always_xy=True)
        geoms = np.array([g for g in gdf.geometry.to_numpy() if g is not None and not g.is_empty])
        geoms = np.where(shapely.get_dimensions(geoms) == 2, shapely.boundary(geoms), geoms) if len(geoms) else geoms
        for part in shapely.get_parts(geoms):
            xy = shapely.get_coordinates(part)
            if len(xy) < 2:
                continue
            vertices += len(xy)
            if vertices > MAX_BARRIER_VERTICES:
                return out
            lon, lat = to_ll.transform(xy[:, 0], xy[:, 1])
            out.append((kind, np.column_stack([lon, lat])))
    return out


def _layer_name(path: str) -> str:
    """The layer named `streets` or `roads` when the file has one (a GeoPackage may also hold
    rivers and rail lines: `siteplan generate --streets`), else the first."""
    import pyogrio

    names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    for want in LAYER_NAMES:
        if want in names:
            return want
    return names[0]


def _walkable(gdf) -> np.ndarray:
    """Features people may walk on: not a motorway or trunk road, not foot=no."""
    keep = np.ones(len(gdf), dtype=bool)
    if "highway" in gdf.columns:
        keep &= ~gdf["highway"].astype(str).str.strip().str.lower().isin(NOT_WALKABLE).to_numpy()
    if "foot" in gdf.columns:
        keep &= (gdf["foot"].astype(str).str.strip().str.lower() != "no").to_numpy()
    return keep


def _segments(geoms, keep: np.ndarray, crs, what: str, layer: str):
    """(vertex lon/lat, vertex local metres, segment start vertex, segment end vertex) of the
    kept features; a bad geometry is an error naming its feature."""
    import shapely
    from pyproj import CRS, Transformer

    from siteplan.io.gis import is_transverse_mercator_metres

    missing = np.array([g is None for g in geoms], dtype=bool)
    bad = missing | shapely.is_empty(geoms)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"{what}: feature {i + 1} has no geometry", where=f"{layer}, feature {i + 1}",
                         fix="draw the street or delete the feature")
    kinds = shapely.get_type_id(geoms)
    other = ~np.isin(kinds, _LINE_TYPE_IDS)
    if other.any():
        i = int(np.argmax(other))
        raise InputError(f"{what}: feature {i + 1} is a {geoms[i].geom_type}; streets are lines",
                         where=f"{layer}, feature {i + 1}",
                         fix="keep only LineString/MultiLineString features in the roads layer")
    degenerate = ~shapely.is_valid(geoms)  # a line of one distinct point
    if degenerate.any():
        i = int(np.argmax(degenerate))
        raise InputError(f"{what}: feature {i + 1} is a degenerate line (all its points at one spot)",
                         where=f"{layer}, feature {i + 1}", fix="delete it or redraw it (QGIS: Fix geometries)")
    n_lines = int(keep.sum())
    if not len(geoms):
        raise InputError(f"{what} has no features", where=layer, fix="give a layer of street lines")
    if not n_lines:
        raise InputError(f"{what}: every street is a motorway, a trunk road or foot=no", where=layer,
                         fix="give the layer's walkable streets too")
    parts = shapely.get_parts(geoms[keep])
    xy, part = shapely.get_coordinates(parts, return_index=True)
    src = CRS.from_user_input(crs)
    lon, lat = Transformer.from_crs(src, "EPSG:4326", always_xy=True).transform(xy[:, 0], xy[:, 1])
    lonlat = np.column_stack([np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)])
    if not np.isfinite(lonlat).all():
        raise InputError(f"{what}: some vertices fall outside the layer's CRS ({src.to_string()})",
                         where=layer, fix="check the layer's CRS is the one its coordinates are in")
    if is_transverse_mercator_metres(src):
        local = xy.astype(float)
    else:
        from siteplan.distance.haversine import equirectangular

        local = equirectangular(lonlat)
    same = part[1:] == part[:-1]  # consecutive vertices of one part make a segment
    first = np.flatnonzero(same)
    return lonlat, local, first, first + 1


def _merge(local: np.ndarray) -> np.ndarray:
    """Node id of each vertex: vertices within MERGE_M of each other (transitively) share one,
    numbered in order of first appearance."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    n = len(local)
    pairs = cKDTree(local).query_pairs(MERGE_M, output_type="ndarray")
    links = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(links, directed=False)
    _, first, inverse = np.unique(label, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse]


def _digest(path: str, blob: bytes, limit: int) -> bytes:
    """sha256 of the layer (and a shapefile's sidecars: its attributes and CRS live there)."""
    h = hashlib.sha256(blob)
    p = Path(path)
    if p.suffix.lower() == ".shp":
        for ext in _HASHED_SIDECARS:
            side = p.with_suffix(ext)
            if side.is_file():
                side_bytes = read_bounded(side, limit, f"roads layer's {ext} file")
                h.update(ext.encode() + hashlib.sha256(side_bytes).digest())
    return h.digest()
