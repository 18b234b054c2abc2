"""Local city grids (`coordinates: {crs, offset}`), BD-09, the coordinate choice in plan.json,
and points far outside the other table's extent."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pyproj import Geod, Transformer

from siteplan.errors import InputError, SiteplanWarning
from siteplan.geo.bd09 import bd09_to_gcj02, from_bd09, gcj02_to_bd09, to_bd09
from siteplan.geo.gcj02 import to_gcj02
from tests.unit.test_gis_input import _csv_city

GEOD = Geod(ellps="WGS84")
GK = "EPSG:4544"  # CGCS2000 3-degree Gauss-Krüger, central meridian 105E
OFFSET = (503_210.0, 3_284_650.0)  # the local grid's origin in that zone (near Neijiang, Sichuan)
LOCAL = [("C1", 0.0, 0.0), ("C2", 420.0, -310.0), ("C3", -650.5, 880.25)]
SITES = [("S1", 100.0, 50.0)]


def _dist(a, b):
    return GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])[2]


def test_offset_grid_round_trips_to_lonlat_and_back(tmp_path):
    from siteplan.scenario.load import load_scenario

    scen = _csv_city(tmp_path, "x,y", LOCAL, SITES, distance="haversine",
                     coordinates={"crs": GK, "offset": list(OFFSET)})
    got = load_scenario(scen).tables.committees[["lon", "lat"]].to_numpy(float)
    x = np.array([p[1] for p in LOCAL]) + OFFSET[0]
    y = np.array([p[2] for p in LOCAL]) + OFFSET[1]
    want = np.column_stack(Transformer.from_crs(GK, "EPSG:4326", always_xy=True).transform(x, y))
    assert np.max(_dist(got, want)) < 0.01
    bx, by = Transformer.from_crs("EPSG:4326", GK, always_xy=True).transform(got[:, 0], got[:, 1])
    assert np.max(np.hypot(bx - OFFSET[0] - (x - OFFSET[0]), by - y)) < 0.001  # back on the grid


def test_offset_grid_is_the_metric_plane_for_euclidean(tmp_path):
    from siteplan.io.gis import METRIC_CRS
    from siteplan.scenario.load import load_scenario

    scen = _csv_city(tmp_path, "x,y", LOCAL, SITES, coordinates={"crs": GK, "offset": list(OFFSET)})
    t = load_scenario(scen).tables
    got = t.committees[["x", "y"]].to_numpy(float)
    assert np.allclose(got, np.array([p[1:] for p in LOCAL]) + OFFSET)
    assert t.committees.attrs[METRIC_CRS] == GK


@pytest.mark.parametrize("coords, words", [
    ({"crs": "EPSG:4490", "offset": [10, 10]}, "is lon/lat"),
    ({"crs": "gcj02", "offset": [10, 10]}, "is lon/lat"),
    ({"crs": GK, "offset": [float("inf"), 0]}, "finite"),
    ({"crs": GK, "offset": [1, 2, 3]}, "offset"),
])
def test_bad_offsets_are_scenario_errors(tmp_path, coords, words):
    from siteplan.scenario.load import load_scenario

    scen = _csv_city(tmp_path, "x,y", LOCAL, SITES, coordinates=coords)  # inf is YAML's .inf
    with pytest.raises(InputError) as e:
        load_scenario(scen)
    assert "coordinates" in str(e.value) and words in str(e.value)


# BD-09 control pairs. Source: Baidu Maps Web Service API, 坐标转换 (geoconv v1) documentation
# example, coords=114.21892734521,29.575429778924 (WGS84, from=1); the service's answers to it
# (to=5: BD-09, to=3: GCJ-02) as recorded in public code that called it. Baidu's server
# answers vary by about a metre between calls, so the pairs hold to 2 m, not to the digit.
WGS = (114.21892734521, 29.575429778924)
BAIDU_ANSWERS = [(114.2307519546763, 29.57908428837437), (114.23074871003, 29.57908668194),
                 (114.23075654746, 29.579087603387), (114.23074789746, 29.579086404502)]
GCJ_ANSWER = (114.22430528428819, 29.57284912109375)


@pytest.mark.parametrize("bd", BAIDU_ANSWERS)
def test_bd09_control_pairs(bd):
    lon, lat = from_bd09(*bd)
    assert GEOD.inv(*WGS, float(lon), float(lat))[2] < 2.0
    f_lon, f_lat = to_bd09(*WGS)
    assert GEOD.inv(*bd, float(f_lon), float(f_lat))[2] < 2.0


def test_gcj02_control_pair_and_bd09_inverse_is_exact():
    g = to_gcj02(*WGS)
    assert GEOD.inv(*GCJ_ANSWER, float(g[0]), float(g[1]))[2] < 2.0
    lon, lat = np.array([116.397, 121.47, 101.72]), np.array([39.909, 31.23, 26.58])
    b_lon, b_lat = gcj02_to_bd09(lon, lat)
    assert np.min(_dist(np.column_stack([lon, lat]), np.column_stack([b_lon, b_lat]))) > 300
    back = np.column_stack(bd09_to_gcj02(b_lon, b_lat))
    assert np.max(_dist(back, np.column_stack([lon, lat]))) < 1e-3


def test_csv_bd09_is_undone_and_warns(tmp_path):
    from siteplan.scenario.load import load_scenario

    lon, lat = np.array([116.397, 116.407, 116.417]), np.array([39.909, 39.915, 39.905])
    b_lon, b_lat = to_bd09(lon, lat)
    scen = _csv_city(tmp_path, "lon,lat", list(zip(["C1", "C2", "C3"], b_lon, b_lat)),
                     [("S1", float(b_lon[1]), float(b_lat[1]))], distance="haversine",
                     coordinates={"crs": "bd09"})
    with pytest.warns(SiteplanWarning, match="BD-09 to WGS84 moved the points"):
        got = load_scenario(scen).tables.committees[["lon", "lat"]].to_numpy(float)
    assert np.max(_dist(got, np.column_stack([lon, lat]))) < 0.01


def test_far_points_are_named(tmp_path):
    from siteplan.scenario.load import load_scenario

    scen = _csv_city(tmp_path, "x,y", [*LOCAL, ("C9", 50_000.0, 0.0)], SITES)
    with pytest.warns(SiteplanWarning, match=r"committee C9 lies more than 10 km outside the extent of the sites"):
        load_scenario(scen)


def test_plan_json_stores_the_choice_and_solve_prints_it_once(tmp_path, run_cli):
    scen = _csv_city(tmp_path / "city", "x,y", LOCAL, [("S1", 100.0, 50.0), ("S2", -500.0, 700.0)],
                     coordinates={"crs": GK, "offset": list(OFFSET)}, reach={"walk_m": 2000})
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("solve", scen, "--out", out, "--no-store")
    assert code == 0, stderr
    assert stderr.count("coordinates: EPSG:4544 with offset (503,210.0, 3,284,650.0) m") == 1, stderr
    assert "coordinates" not in stdout
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["coordinates"] == {"declared_crs": GK, "offset": list(OFFSET), "metric_crs": GK,
                                  "coordinates": "x/y", "distances": f"straight metres on {GK}"}
    import pyogrio

    assert pyogrio.read_info(out / "plan.gpkg", layer="committees")["crs"] == GK
    code, _, stderr = run_cli("check", out)
    assert code == 0, stderr


def _mixed_city(folder, **scenario):
    """Committees on the local grid (x, y + OFFSET in GK); sites from a web map in GCJ-02."""
    import yaml

    folder.mkdir(parents=True)
    x = np.array([p[1] for p in LOCAL]) + OFFSET[0]
    y = np.array([p[2] for p in LOCAL]) + OFFSET[1]
    lon, lat = Transformer.from_crs(GK, "EPSG:4326", always_xy=True).transform(x + 30.0, y + 40.0)
    g_lon, g_lat = to_gcj02(lon, lat)
    (folder / "committees.csv").write_text("id,street,kind,x,y,households,residents\n" + "".join(
        f"{i},东街道,urban,{a!r},{b!r},1000,2500\n" for i, a, b in LOCAL), encoding="utf-8")
    (folder / "sites.csv").write_text("id,street,lon,lat,kind,fixed_cost,cost_per_m2,opex_per_m2_year,max_area_m2\n"
                                      + "".join(f"S{k},东街道,{float(a)!r},{float(b)!r},urban,0,1000,0,1000\n"
                                                for k, (a, b) in enumerate(zip(g_lon, g_lat))), encoding="utf-8")
    doc = {"name": "mixed", "data": {"committees": "committees.csv", "sites": "sites.csv"},
           "coordinates": {"crs": GK, "offset": list(OFFSET), "sites": {"crs": "gcj02"}}, **scenario}
    (folder / "scenario.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder / "scenario.yaml", x + 30.0, y + 40.0


def test_a_table_can_have_its_own_crs_and_lands_on_the_other_tables_plane(tmp_path):
    """Each site was placed 50 m (30 east, 40 north) from a committee, then published in GCJ-02:
    on the committees' grid plane the two are 50 m apart again."""
    from siteplan.io.gis import METRIC_CRS
    from siteplan.scenario.load import load_scenario

    scen, sx, sy = _mixed_city(tmp_path / "a")
    with pytest.warns(SiteplanWarning, match="GCJ-02 to WGS84"):
        t = load_scenario(scen).tables
    assert t.sites.attrs[METRIC_CRS] == GK
    assert np.max(np.hypot(t.sites["x"].to_numpy() - sx, t.sites["y"].to_numpy() - sy)) < 0.01
    d = np.hypot(*(t.sites[["x", "y"]].to_numpy() - t.committees[["x", "y"]].to_numpy()).T)
    assert np.allclose(d, 50.0, atol=0.01)
    scen, _, _ = _mixed_city(tmp_path / "b", distance="haversine")
    with pytest.warns(SiteplanWarning):
        t = load_scenario(scen).tables
    c, s = t.committees[["lon", "lat"]].to_numpy(), t.sites[["lon", "lat"]].to_numpy()
    assert np.allclose(_dist(c, s), 50.0, atol=0.1)  # on the ground, not on the grid
