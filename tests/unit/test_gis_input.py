"""GIS layers as committees/sites tables (siteplan.io.gis) and GCJ-02 (siteplan.geo.gcj02)."""

from __future__ import annotations

import numpy as np
import pytest

gpd = pytest.importorskip("geopandas")
pytest.importorskip("pyogrio")
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, Polygon, box

from siteplan.errors import InputError
from siteplan.geo.gcj02 import from_gcj02, to_gcj02
from siteplan.io import bundle_name, is_bundle_name, read_table
from siteplan.io.gis import METRIC_CRS

GEOD = Geod(ellps="WGS84")
LIMIT = 1 << 20
# Shijiazhuang, inside CGCS2000 3-degree Gauss-Krüger zone 38 (EPSG:4526, CM 114E)
LON0, LAT0 = 114.51, 38.04


def _layer(tmp_path, name, geoms, crs, **cols):
    n = len(geoms)
    data = {"id": [f"C{i + 1}" for i in range(n)], **cols}
    gdf = gpd.GeoDataFrame(data, geometry=geoms, crs=crs)
    path = tmp_path / name
    gdf.to_file(path)
    return path


def _floats(frame, col):
    return frame[col].astype(float).to_numpy()


def _check(raw, lon, lat, metric, x, y):
    """lon/lat within 0.01 m of (lon, lat), x/y within 0.01 m of (x, y) in `metric`."""
    d = GEOD.inv(_floats(raw.frame, "lon"), _floats(raw.frame, "lat"), lon, lat)[2]
    assert np.max(d) < 0.01
    assert raw.frame.attrs[METRIC_CRS] == metric
    assert np.max(np.hypot(_floats(raw.frame, "x") - x, _floats(raw.frame, "y") - y)) < 0.01


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_cgcs2000_points_give_wgs84_lonlat_and_utm_metres(tmp_path, suffix):
    lon = np.array([LON0, LON0 + 0.01, LON0 - 0.02])
    lat = np.array([LAT0, LAT0 + 0.005, LAT0 - 0.01])
    path = _layer(tmp_path, "c" + suffix, [Point(a, b) for a, b in zip(lon, lat)], "EPSG:4490",
                  households=["1000", "1200", "900"])
    raw = read_table(path, "committees table", LIMIT)
    assert list(raw.frame["households"]) == ["1000", "1200", "900"]
    assert raw.lines == [1, 2, 3]
    ref_lon, ref_lat = Transformer.from_crs("EPSG:4490", "EPSG:4326", always_xy=True).transform(lon, lat)
    x, y = Transformer.from_crs("EPSG:4490", "EPSG:32650", always_xy=True).transform(lon, lat)
    _check(raw, ref_lon, ref_lat, "EPSG:32650", x, y)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_gauss_kruger_polygons_keep_their_own_metres(tmp_path, suffix):
    x0, y0 = Transformer.from_crs("EPSG:4490", "EPSG:4526", always_xy=True).transform(LON0, LAT0)
    squares = [box(x0 + dx, y0, x0 + dx + 100, y0 + 80) for dx in (0, 500, 1500)]
    path = _layer(tmp_path, "c" + suffix, squares, "EPSG:4526")
    raw = read_table(path, "committees table", LIMIT)
    pts = [s.representative_point() for s in squares]
    x, y = np.array([p.x for p in pts]), np.array([p.y for p in pts])
    lon, lat = Transformer.from_crs("EPSG:4526", "EPSG:4326", always_xy=True).transform(x, y)
    _check(raw, lon, lat, "EPSG:4526", x, y)


def test_web_mercator_is_not_used_as_metres(tmp_path):
    lon, lat = np.array([LON0, LON0 + 0.01]), np.array([LAT0, LAT0])
    mx, my = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(lon, lat)
    path = _layer(tmp_path, "c.gpkg", [Point(a, b) for a, b in zip(mx, my)], "EPSG:3857")
    raw = read_table(path, "committees table", LIMIT)
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True).transform(lon, lat)
    _check(raw, lon, lat, "EPSG:32650", x, y)
    # Web Mercator would have stretched the 0.01 degree (~877 m) by 1/cos(38 deg) ~ 1.27
    assert abs((x[1] - x[0]) - 877) < 5 and mx[1] - mx[0] > 1100


def test_u_shaped_polygon_point_is_inside_it(tmp_path):
    u = Polygon([(0, 0), (300, 0), (300, 300), (200, 300), (200, 100), (100, 100), (100, 300),
                 (0, 300)])
    assert not u.contains(u.centroid)  # the centroid is in the notch
    x0, y0 = 38_500_000.0, 4_200_000.0
    from shapely.affinity import translate

    path = _layer(tmp_path, "u.gpkg", [translate(u, x0, y0)], "EPSG:4526")
    raw = read_table(path, "committees table", LIMIT)
    p = Point(_floats(raw.frame, "x")[0] - x0, _floats(raw.frame, "y")[0] - y0)
    assert u.contains(p)


CITIES = {"Beijing": (116.397, 39.909), "Shanghai": (121.47, 31.23), "Shenyang": (123.43, 41.80),
          "Panzhihua": (101.72, 26.58)}


@pytest.mark.parametrize("city", CITIES)
def test_gcj02_round_trip_and_offset(city):
    lon, lat = CITIES[city]
    g_lon, g_lat = to_gcj02(lon, lat)
    offset = GEOD.inv(lon, lat, float(g_lon), float(g_lat))[2]
    assert 100 < offset < 700
    w_lon, w_lat = from_gcj02(g_lon, g_lat)
    assert GEOD.inv(lon, lat, float(w_lon), float(w_lat))[2] < 0.01


def test_gcj02_vectorised_and_outside_china_unchanged():
    lon, lat = np.array([v[0] for v in CITIES.values()]), np.array([v[1] for v in CITIES.values()])
    w_lon, w_lat = from_gcj02(*to_gcj02(lon, lat))
    assert np.max(GEOD.inv(lon, lat, w_lon, w_lat)[2]) < 0.01
    assert tuple(map(float, to_gcj02(2.35, 48.85))) == (2.35, 48.85)
    assert tuple(map(float, from_gcj02(2.35, 48.85))) == (2.35, 48.85)


# ---------------------------------------------------------------- bad inputs

def _raises(path, *words, limit=LIMIT):
    with pytest.raises(InputError) as exc:
        read_table(path, "committees table", limit)
    text = str(exc.value) + " " + str(exc.value.where) + " " + str(exc.value.fix)
    for w in words:
        assert w in text, text
    return exc.value


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_layer_without_crs(tmp_path):
    path = _layer(tmp_path, "c.gpkg", [Point(0, 0)], None)
    _raises(path, "no coordinate reference system", "c.gpkg", "layer", "EPSG:4490")


def test_empty_geometry(tmp_path):
    path = _layer(tmp_path, "c.gpkg", [Point(LON0, LAT0), Point()], "EPSG:4490")
    _raises(path, "feature 2", "no geometry", "c.gpkg")


def test_line_layer(tmp_path):
    path = _layer(tmp_path, "c.geojson", [LineString([(LON0, LAT0), (LON0 + 0.01, LAT0)])], "EPSG:4490")
    _raises(path, "feature 1", "LineString", "points or polygons")


def test_invalid_polygon(tmp_path):
    bowtie = Polygon([(LON0, LAT0), (LON0 + 0.01, LAT0 + 0.01), (LON0 + 0.01, LAT0), (LON0, LAT0 + 0.01)])
    path = _layer(tmp_path, "c.gpkg", [bowtie], "EPSG:4490")
    _raises(path, "feature 1", "invalid", "Fix geometries")


def test_file_too_large(tmp_path):
    path = _layer(tmp_path, "c.gpkg", [Point(LON0, LAT0)], "EPSG:4490")
    _raises(path, "c.gpkg", limit=1000)


def test_shapefile_reads_in_place_but_is_not_bundled(tmp_path):
    path = _layer(tmp_path, "c.shp", [Point(LON0, LAT0)], "EPSG:4490")
    raw = read_table(path, "committees table", LIMIT)
    assert raw.frame["id"].tolist() == ["C1"]
    with pytest.raises(InputError, match="one file per table"):
        bundle_name("committees", path)
    assert not is_bundle_name("committees", "committees.shp")
    assert is_bundle_name("committees", "committees.gpkg") and bundle_name("committees", "a.GPKG") == "committees.gpkg"
    (tmp_path / "c.dbf").unlink()
    _raises(path, ".dbf", "missing")


# ---------------------------------------------------------------- end to end

def test_gpkg_committees_solve_and_check(tmp_path):
    from siteplan.cli import main
    from siteplan.scenario.load import load_scenario
    from tests.unit.tinycity import write_city

    x0, y0 = Transformer.from_crs("EPSG:4490", "EPSG:4526", always_xy=True).transform(LON0, LAT0)
    scen = write_city(tmp_path / "city", [], [
        ("S1", "东街道", round(x0 + 100, 3), round(y0 + 100, 3), "urban", 0, 1000, 0, 1000, 0),
        ("S2", "东街道", round(x0 + 1600, 3), round(y0 + 100, 3), "urban", 0, 1000, 0, 1000, 0)])
    squares = [box(x0 + dx - 40, y0 - 40, x0 + dx + 40, y0 + 40) for dx in (0, 200, 1500, 1700)]
    _layer(tmp_path / "city", "committees.gpkg", squares, "EPSG:4526", street=["东街道"] * 4,
           kind=["urban"] * 4, households=[1000] * 4, residents=[2500] * 4)
    text = scen.read_text(encoding="utf-8").replace("committees.csv", "committees.gpkg")
    scen.write_text(text, encoding="utf-8")
    tables = load_scenario(scen).tables
    want = np.array([[s.representative_point().x, s.representative_point().y] for s in squares])
    got = tables.committees[["x", "y"]].to_numpy(float)
    assert np.max(np.hypot(*(got - want).T)) < 0.01
    out = tmp_path / "out"
    assert main(["solve", str(scen), "--out", str(out), "--no-store", "--quiet"]) == 0
    assert (out / "inputs" / "committees.gpkg").is_file()
    assert main(["check", str(out)]) == 0


def test_the_base_install_reads_gis_layers():
    """`pip install .` (the README's quick start) must read a GeoPackage of committees or
    streets: pyogrio.read_dataframe needs geopandas, which the test extra brings anyway (via
    pyrosm), so only the declared base dependencies can show it missing."""
    import tomllib
    from pathlib import Path

    meta = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    base = {d.split(">")[0].split("=")[0].split("[")[0].strip().lower() for d in meta["project"]["dependencies"]}
    assert {"pyogrio", "geopandas", "shapely", "pyproj"} <= base


def test_a_shapefile_table_is_refused_before_solving(tmp_path, capsys):
    """A run keeps one file per table, so a .shp (several files) cannot be bundled: `solve`
    says so before any work, with the fix, and writes nothing."""
    from siteplan.cli import main
    from tests.unit.tinycity import write_city

    x0, y0 = Transformer.from_crs("EPSG:4490", "EPSG:4526", always_xy=True).transform(LON0, LAT0)
    scen = write_city(tmp_path / "city", [], [
        ("S1", "东街道", round(x0 + 100, 3), round(y0 + 100, 3), "urban", 0, 1000, 0, 1000, 0)])
    _layer(tmp_path / "city", "committees.shp", [Point(x0, y0)], "EPSG:4526", street=["东街道"],
           kind=["urban"], households=[1000], residents=[2500])
    scen.write_text(scen.read_text(encoding="utf-8").replace("committees.csv", "committees.shp"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["solve", str(scen), "--out", str(out), "--no-store"]) == 3
    err = capsys.readouterr().err
    assert "one file per table" in err and "GeoPackage" in err
    assert "highs" not in err.lower()  # no solver progress: refused before the solve
    assert not out.exists()


# ---------------------------------------------------------------- CSV with a declared CRS

def _csv_city(folder, head: str, committees, sites, **scenario):
    """committees/sites as (id, a, b) in the columns of `head` ("lon,lat" or "x,y")."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "committees.csv").write_text(
        f"id,street,kind,{head},households,residents\n"
        + "".join(f"{i},东街道,urban,{float(a)!r},{float(b)!r},1000,2500\n" for i, a, b in committees), encoding="utf-8")
    (folder / "sites.csv").write_text(
        f"id,street,{head},kind,fixed_cost,cost_per_m2,opex_per_m2_year,max_area_m2\n"
        + "".join(f"{i},东街道,{float(a)!r},{float(b)!r},urban,0,1000,0,1000\n" for i, a, b in sites), encoding="utf-8")
    doc = {"name": "crs", "data": {"committees": "committees.csv", "sites": "sites.csv"}, **scenario}
    (folder / "scenario.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder / "scenario.yaml"


def test_csv_gcj02_is_undone_for_haversine_and_warns(tmp_path):
    from siteplan.errors import SiteplanWarning
    from siteplan.scenario.load import load_scenario

    lon, lat = np.array([116.397, 116.407, 116.417]), np.array([39.909, 39.915, 39.905])
    g_lon, g_lat = to_gcj02(lon, lat)
    scen = _csv_city(tmp_path, "lon,lat", list(zip(["C1", "C2", "C3"], g_lon, g_lat)),
                     [("S1", float(g_lon[1]), float(g_lat[1]))],
                     distance="haversine", coordinates={"crs": "gcj02"})
    with pytest.warns(SiteplanWarning, match=r"GCJ-02 to WGS84 moved the points by a median 5\d\d m") as rec:
        tables = load_scenario(scen).tables
    assert not any("nearest-neighbour" in str(w.message) for w in rec)  # ~850 m apart > ~560 m
    got = tables.committees[["lon", "lat"]].to_numpy(float)
    assert np.max(GEOD.inv(got[:, 0], got[:, 1], lon, lat)[2]) < 0.01


def test_gcj02_warning_when_points_are_closer_than_the_shift(tmp_path):
    from siteplan.errors import SiteplanWarning
    from siteplan.scenario.load import load_scenario

    lon, lat = 116.397 + np.arange(4) * 0.001, np.full(4, 39.909)  # ~85 m apart
    scen = _csv_city(tmp_path, "lon,lat", [(f"C{i}", a, b) for i, (a, b) in enumerate(zip(lon, lat))],
                     [("S1", float(lon[0]), float(lat[0]))], distance="haversine",
                     coordinates={"crs": "gcj02"})
    with pytest.warns(SiteplanWarning) as rec:
        load_scenario(scen)
    assert any("nearest-neighbour spacing" in str(w.message) for w in rec)


def test_csv_gauss_kruger_metres_to_lonlat_and_geographic_to_metres(tmp_path):
    from siteplan.scenario.load import load_scenario

    x0, y0 = Transformer.from_crs("EPSG:4490", "EPSG:4526", always_xy=True).transform(LON0, LAT0)
    pts = [("C1", x0, y0), ("C2", x0 + 300.0, y0 + 200.0)]
    scen = _csv_city(tmp_path / "a", "x,y", pts, [("S1", x0 + 100.0, y0)], distance="haversine",
                     coordinates={"crs": "EPSG:4526"})
    got = load_scenario(scen).tables.committees[["lon", "lat"]].to_numpy(float)
    lon, lat = Transformer.from_crs("EPSG:4526", "EPSG:4326", always_xy=True).transform(
        [p[1] for p in pts], [p[2] for p in pts])
    assert np.max(GEOD.inv(got[:, 0], got[:, 1], lon, lat)[2]) < 0.01
    # the same places as CGCS2000 lon/lat, euclidean: metres in the UTM zone of their centre
    scen = _csv_city(tmp_path / "b", "lon,lat", [("C1", lon[0], lat[0]), ("C2", lon[1], lat[1])],
                     [("S1", float(lon[0]), float(lat[0]))], coordinates={"crs": "cgcs2000"})
    got = load_scenario(scen).tables.committees[["x", "y"]].to_numpy(float)
    x, y = Transformer.from_crs("EPSG:4490", "EPSG:32650", always_xy=True).transform(lon, lat)
    assert np.max(np.hypot(got[:, 0] - x, got[:, 1] - y)) < 0.01


def test_unknown_crs_is_a_scenario_error(tmp_path):
    from siteplan.scenario.load import load_scenario

    scen = _csv_city(tmp_path, "x,y", [("C1", 0.0, 0.0)], [("S1", 0.0, 0.0)],
                     coordinates={"crs": "mars"})
    with pytest.raises(InputError, match="unknown coordinate system"):
        load_scenario(scen)
