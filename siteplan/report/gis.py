"""GIS layers of a plan: `plan.gpkg` beside plan.json, and GeoJSON on request.

Four layers, built from the plan document and the scenario's own tables:

- `facilities` (points): every plan.json facility attribute, one row per open facility;
- `committees` (points): every plan.json committee attribute (assigned `site_id`, walk
  `distance_m`), one row per committee;
- `assignments` (lines): committee -> its site, one row per served committee: for `network`
  the walking path (snap legs included; `path: "network"`, as long as `distance_m` before
  circuity), else a straight line (`path: "straight"`);
- `walksheds` (polygons): per open facility, the area within the walking reach of the site
  (the largest reach among the committees it serves, else the reach of the site's kind).
  For `network` (`shape: "network"`) it is the streets reached within the walk, buffered by
  `WALKSHED_WIDTH_M` either side (siteplan.distance.walkshapes). Otherwise a circle
  (`shape: "circle"`): for `haversine` built in an azimuthal equidistant projection on the
  same sphere the distances use, centred on the site; it circumscribes the circle, so a
  point within reach always lies inside it.

CRS: lon/lat kinds are EPSG:4326. x,y metres are in the metric CRS the tables came in (a GIS
layer's projected CRS, or the UTM/Gauss-Krüger plane of a CSV's declared `coordinates: {crs,
offset}`),
and GeoJSON (always EPSG:4326) is converted from it; x,y with no known CRS (plain local
metres) get layers with none, and GeoJSON is refused for them. The `matrix` kind and tables
without coordinates get no layers.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from siteplan import distance
from siteplan.errors import InputError

GPKG_FILE = "plan.gpkg"
LAYERS = ("facilities", "committees", "assignments", "walksheds")
#: `solve --geojson` writes one file per layer (GeoJSON holds one layer a file)
GEOJSON_FILES = {layer: f"plan.{layer}.geojson" for layer in LAYERS}
LONLAT_KINDS = ("haversine", "network")
#: kinds whose assignments are drawn as walking paths and walksheds as reached streets
WALK_KINDS = ("network",)
_QUAD_SEGS = 16
#: gpkg_contents.last_change of every layer (GDAL stamps the wall clock otherwise)
FIXED_DATE = "2000-01-01T00:00:00.000Z"


def layer_crs(scn) -> str | None:
    """The CRS the layers are written in: EPSG:4326 for lon/lat kinds; for x,y metres the
    metric CRS the tables came in (a GIS layer's, or a CSV's declared `coordinates: crs`,
    `siteplan.io.gis.METRIC_CRS`), else None (local metres, unknown)."""
    method = scn.spec.distance_spec.method
    if method in LONLAT_KINDS:
        return "EPSG:4326"
    if method == "matrix" or tuple(distance.get(method).columns) != ("x", "y"):
        return None
    from siteplan.io.gis import METRIC_CRS

    t = scn.tables
    return t.committees.attrs.get(METRIC_CRS) or t.sites.attrs.get(METRIC_CRS) or None


def city_crs(scn) -> str | None:
    """For lon/lat kinds, the city's own projected CRS to write plan.gpkg in: the one the
    scenario declares for its committees (`coordinates: crs`, e.g. a Gauss-Krüger zone), else
    the metric plane of a GIS layer they came in; None keeps EPSG:4326 (plain lon/lat data)."""
    if scn.spec.distance_spec.method not in LONLAT_KINDS:
        return None
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    from siteplan.io.gis import METRIC_CRS

    coords = scn.spec.coordinates
    declared = coords.of("committees").crs if coords is not None else None
    if declared:
        try:
            if CRS.from_user_input(declared).is_projected:
                return str(declared)
        except CRSError:  # gcj02, bd09, wgs84: geographic, no plane of their own
            pass
    return scn.tables.committees.attrs.get(METRIC_CRS) or None


def has_layers(scn) -> bool:
    """Whether this scenario's plan can be drawn: a coordinate kind with finite coordinates."""
    method = scn.spec.distance_spec.method
    if method == "matrix":
        return False
    t = scn.tables
    return bool(np.isfinite(distance.coordinates(t, "committees")).all()
                and np.isfinite(distance.coordinates(t, "sites")).all())


def _circle(x: float, y: float, r: float, lonlat: bool):
    import shapely

    r_out = r / math.cos(math.pi / (4 * _QUAD_SEGS))  # circumscribe: every point within r is inside
    if not lonlat:
        return shapely.Point(x, y).buffer(r_out, quad_segs=_QUAD_SEGS)
    from pyproj import Transformer

    from siteplan.distance.haversine import EARTH_RADIUS_M

    aeqd = f"+proj=aeqd +lat_0={y} +lon_0={x} +R={EARTH_RADIUS_M} +units=m +no_defs"
    back = Transformer.from_crs(aeqd, f"+proj=longlat +R={EARTH_RADIUS_M} +no_defs", always_xy=True)
    ring = shapely.Point(0.0, 0.0).buffer(r_out, quad_segs=_QUAD_SEGS)
    return shapely.transform(ring, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))


def build_layers(scn, doc: dict) -> dict[str, tuple[list, list[dict]]]:
    """layer name -> (shapely geometries, attribute records), from a plan document."""
    import shapely

    t, spec = scn.tables, scn.spec
    lonlat = spec.distance_spec.method in LONLAT_KINDS
    cxy = dict(zip(t.committees["id"].astype(str), distance.coordinates(t, "committees")))
    sxy = dict(zip(t.sites["id"].astype(str), distance.coordinates(t, "sites")))
    site_kind = dict(zip(t.sites["id"].astype(str), t.sites["kind"].astype(str)))
    com_kind = dict(zip(t.committees["id"].astype(str), t.committees["kind"].astype(str)))

    facilities = list(doc["facilities"])
    committees = list(doc["committees"])
    open_ids = {f["site_id"] for f in facilities}
    served = [c for c in committees if c["site_id"] is not None and c["site_id"] in open_ids]

    reach: dict[str, float] = {}
    for c in served:
        r = spec.reach.metres("rural" if com_kind[c["committee_id"]] == "rural" else "urban")
        reach[c["site_id"]] = max(reach.get(c["site_id"], 0.0), r)
    walker: Any = distance.get(spec.distance_spec.method) if spec.distance_spec.method in WALK_KINDS else None
    circuity = spec.distance_spec.circuity
    sites_at = {sid: i for i, sid in enumerate(t.sites["id"].astype(str))}
    sheds = []
    for f in facilities:
        sid = f["site_id"]
        r = reach.get(sid) or spec.reach.metres("rural" if site_kind[sid] == "rural" else "urban")
        if walker is not None:
            sheds.append((walker.walkshed(t, sites_at[sid], r / circuity),
                          {"site_id": sid, "reach_m": r, "shape": "network"}))
            continue
        x, y = sxy[sid]
        sheds.append((_circle(float(x), float(y), r, lonlat),
                      {"site_id": sid, "reach_m": r, "shape": "circle"}))
    lines, how = _assignment_lines(scn, served, cxy, sxy, walker, max(reach.values(), default=0.0) / circuity)
    return {
        "facilities": ([shapely.Point(*sxy[f["site_id"]]) for f in facilities], facilities),
        "committees": ([shapely.Point(*cxy[c["committee_id"]]) for c in committees], committees),
        "assignments": (lines,
                        [{"committee_id": c["committee_id"], "site_id": c["site_id"],
                          "distance_m": c["distance_m"], "path": h} for c, h in zip(served, how)]),
        "walksheds": ([g for g, _ in sheds], [a for _, a in sheds]),
    }


def _assignment_lines(scn, served: list[dict], cxy: dict, sxy: dict, walker, limit: float):
    """(lines, "network" or "straight" each): the walking path where the kind has one."""
    import shapely

    straight = [shapely.LineString([cxy[c["committee_id"]], sxy[c["site_id"]]]) for c in served]
    if walker is None or not served:
        return straight, ["straight"] * len(served)
    t = scn.tables
    com_at = {cid: i for i, cid in enumerate(t.committees["id"].astype(str))}
    sites_at = {sid: i for i, sid in enumerate(t.sites["id"].astype(str))}
    paths = walker.walk_paths(t, [com_at[c["committee_id"]] for c in served],
                              [sites_at[c["site_id"]] for c in served], limit * (1 + 1e-9) + 1.0)
    lines = [shapely.LineString(p) if len(p) >= 2 else line for p, line in zip(paths, straight)]
    return lines, ["network" if len(p) >= 2 else "straight" for p in paths]


def _columns(records: list[dict]) -> tuple[list[str], list[np.ndarray]]:
    """Field names and arrays: numbers (None -> NaN, written as null) or text."""
    names: list[str] = []
    for r in records:
        names += [k for k in r if k not in names]
    arrays = []
    for k in names:
        vals = [r.get(k) for r in records]
        present = [v for v in vals if v is not None]
        if present and all(isinstance(v, bool) for v in present) and len(present) == len(vals):
            arrays.append(np.array(vals, dtype=np.int32))
        elif present and all(isinstance(v, int) and not isinstance(v, bool) for v in present) \
                and len(present) == len(vals):
            arrays.append(np.array(vals, dtype=np.int64))
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
            arrays.append(np.array([np.nan if v is None else float(v) for v in vals], dtype=np.float64))
        else:
            arrays.append(np.array([None if v is None else str(v) for v in vals], dtype=object))
    return names, arrays


_GEOM_TYPE = {"facilities": "Point", "committees": "Point", "assignments": "LineString",
              "walksheds": "Polygon"}


def _write_layer(path: Path, layer: str, geoms: list, records: list[dict], crs: str | None,
                 driver: str, append: bool, geometry_type: str | None = None,
                 layer_options: dict | None = None) -> None:
    import shapely
    from pyogrio.raw import write

    names, arrays = _columns(records)
    with warnings.catch_warnings():  # x,y metres have no known CRS: written without one on purpose
        warnings.filterwarnings("ignore", message=".*'crs' was not provided", category=UserWarning)
        write(str(path), shapely.to_wkb(np.array(geoms, dtype=object)), arrays, names,
              layer=layer, driver=driver, geometry_type=geometry_type or _GEOM_TYPE[layer], crs=crs,
              encoding="UTF-8", append=append, layer_options=layer_options)


def _tmp(out: Path, name: str) -> Path:
    stem, ext = name.rsplit(".", 1)
    tmp = out / f".{stem}.tmp.{ext}"  # GDAL wants the real extension
    tmp.unlink(missing_ok=True)
    return tmp


def write_gpkg(scn, doc: dict, out: Path) -> Path | None:
    """Write `plan.gpkg` into `out` atomically (temp name, then rename); None when not drawable."""
    if not has_layers(scn):
        return None
    layers = build_layers(scn, doc)
    crs, city = layer_crs(scn), city_crs(scn)
    if city:  # lon/lat distances, but the city works in its own metres: the layers go there
        layers = {name: (_moved(geoms, "EPSG:4326", city), recs) for name, (geoms, recs) in layers.items()}
        crs = city
    return write_gpkg_layers(out / GPKG_FILE, [(name, *layers[name], _GEOM_TYPE[name]) for name in LAYERS], crs)


def write_gpkg_layers(dest: Path, layers: list[tuple[str, list, list[dict], str]], crs: str | None,
                      layer_options: dict | None = None) -> Path:
    """Write (name, geometries, records, geometry type) layers as one GeoPackage at `dest`,
    atomically (temp name, then rename), with a fixed timestamp: the same layers give the
    same bytes (`runs export` == `solve`; `generate --streets` is deterministic by seed)."""
    tmp = _tmp(dest.parent, dest.name)
    from pyogrio import get_gdal_config_option, set_gdal_config_options

    before = get_gdal_config_option("OGR_CURRENT_DATE")
    set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE})
    try:
        for i, (name, geoms, records, kind) in enumerate(layers):
            _write_layer(tmp, name, geoms, records, crs, "GPKG", append=i > 0, geometry_type=kind,
                         layer_options=layer_options)
        os.replace(tmp, dest)
    finally:
        set_gdal_config_options({"OGR_CURRENT_DATE": before})
        tmp.unlink(missing_ok=True)
    return dest


def check_geojson(scn) -> None:
    """Refuse `--geojson` before solving when the layers cannot be put in EPSG:4326."""
    method = scn.spec.distance_spec.method
    if method == "matrix" or not has_layers(scn):
        raise InputError(f"--geojson needs site and committee coordinates; distance kind {method!r} "
                         "with these tables has none to draw", fix="drop --geojson")
    if layer_crs(scn) is None:
        raise InputError("--geojson writes EPSG:4326 (lon/lat), but this scenario's x,y metres have no "
                         "known CRS to convert from",
                         fix="drop --geojson and use plan.gpkg (x,y metres, no CRS), declare the tables' "
                             "CRS (coordinates: {crs: EPSG:4526}) or give them as a GIS layer, or use "
                             "lon/lat tables with distance: haversine")


def _to_wgs84(geoms: list, crs) -> list:
    """The geometries moved from `crs` to EPSG:4326 (lon, lat order)."""
    return _moved(geoms, crs, "EPSG:4326")


def _moved(geoms: list, src, dst) -> list:
    """The geometries moved from CRS `src` to `dst` (x/lon first)."""
    import shapely
    from pyproj import Transformer

    to = Transformer.from_crs(src, dst, always_xy=True)
    return list(shapely.transform(np.array(geoms, dtype=object),
                                  lambda xy: np.column_stack(to.transform(xy[:, 0], xy[:, 1]))))


def write_geojson(scn, doc: dict, out: Path) -> list[Path]:
    """One EPSG:4326 GeoJSON file per layer (`plan.<layer>.geojson`), each written atomically."""
    check_geojson(scn)
    layers = build_layers(scn, doc)
    crs = layer_crs(scn)
    written = []
    for layer in LAYERS:
        geoms, records = layers[layer]
        if crs != "EPSG:4326":
            geoms = _to_wgs84(geoms, crs)
        name = GEOJSON_FILES[layer]
        tmp = _tmp(out, name)
        try:
            _write_layer(tmp, layer, geoms, records, "EPSG:4326", "GeoJSON", append=False)
            os.replace(tmp, out / name)
        finally:
            tmp.unlink(missing_ok=True)
        written.append(out / name)
    return written
