"""Streets from a GIS line layer (siteplan.io.roads) walked by the network kind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas")
from pyproj import Geod, Transformer
from shapely.geometry import LineString, MultiLineString, Point

from siteplan import distance
from siteplan.distance.network import ROAD_COLUMNS, read_roads
from siteplan.errors import InputError
from siteplan.scenario.tables import Tables

GEOD = Geod(ellps="WGS84")
GK = "EPSG:4544"  # CGCS2000 3-degree Gauss-Krüger CM 105E (Chongqing, Chengdu's east)
E0, N0 = 500_000.0, 3_300_000.0  # on the central meridian: grid metres are ground metres
TO_LL = Transformer.from_crs(GK, "EPSG:4326", always_xy=True)


def _ll(x, y):
    lon, lat = TO_LL.transform(E0 + np.asarray(x, float), N0 + np.asarray(y, float))
    return np.column_stack([np.atleast_1d(lon), np.atleast_1d(lat)])


def _shift(g, crs):
    """A local-metre geometry placed at (E0, N0) in GK, or converted to lon/lat."""
    import shapely

    if crs == GK:
        return shapely.transform(g, lambda xy: xy + [E0, N0])
    return shapely.transform(g, lambda xy: _ll(xy[:, 0], xy[:, 1]))


def _write(tmp_path, name, lines, crs, **cols):
    gdf = gpd.GeoDataFrame(cols or None, geometry=[_shift(g, crs) if crs else g for g in lines], crs=crs)
    path = tmp_path / name
    gdf.to_file(path)
    return str(path)


def _tables(roads, com_xy, site_xy) -> Tables:
    c, s = _ll(*np.transpose(com_xy)), _ll(*np.transpose(site_xy))
    com = pd.DataFrame({"id": [f"C{i}" for i in range(len(c))], "lon": c[:, 0], "lat": c[:, 1]})
    sit = pd.DataFrame({"id": [f"S{j}" for j in range(len(s))], "lon": s[:, 0], "lat": s[:, 1]})
    return Tables(committees=com, sites=sit, distances=None, coords=("lon", "lat"), fingerprint="",
                  extra={"roads": roads})


def _walk(roads, a, b) -> tuple[float, float]:
    """(model side, checker side) metres from point a to point b (local metres)."""
    t = _tables(roads, [a], [b])
    kind = distance.get("network")
    return float(kind.between(t, np.array([0]), np.array([0]))[0]), kind.checker(t)("C0", "S0")


# a square block 0..300 x 0..200: the streets share corner vertices; a MultiLineString too
BLOCK = [LineString([(0, 0), (300, 0)]), LineString([(300, 0), (300, 200)]),
         MultiLineString([[(300, 200), (0, 200)], [(0, 200), (0, 0)]])]


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
@pytest.mark.parametrize("crs", [GK, "EPSG:4326"])
def test_each_format_and_crs_gives_the_same_street_graph(tmp_path, suffix, crs):
    roads, digest = read_roads(_write(tmp_path, f"streets{suffix}", BLOCK, crs))
    assert tuple(roads.columns) == ROAD_COLUMNS and len(digest) == 32
    assert len(roads) == 4 and len(set(roads["u"]) | set(roads["v"])) == 4  # corners shared
    corners = _ll([0, 300, 300, 0], [0, 0, 200, 200])
    got = np.unique(np.vstack([roads[["u_lon", "u_lat"]].to_numpy(), roads[["v_lon", "v_lat"]].to_numpy()]),
                    axis=0)
    for lon, lat in corners:  # every corner in WGS84, to the centimetre
        assert np.min(GEOD.inv(got[:, 0], got[:, 1], np.full(len(got), lon), np.full(len(got), lat))[2]) < 0.01
    model, checker = _walk(roads, (0, 0), (300, 200))  # half way round the block
    assert model == pytest.approx(500, rel=4e-3) and checker == pytest.approx(model, abs=1e-6)


def test_vertices_a_millimetre_apart_are_one_node(tmp_path):
    lines = [LineString([(0, 0), (100, 0)]), LineString([(100.001, 0.0005), (100, 100)])]
    roads, _ = read_roads(_write(tmp_path, "s.gpkg", lines, GK))
    assert len(set(roads["u"]) | set(roads["v"])) == 3


def test_a_river_crossed_without_a_shared_vertex_is_a_detour(tmp_path):
    """Two bank streets 200 m apart joined by one bridge at x = 2000; a rail line crosses both
    at x = 520 with no vertex on them (an overpass). A walk from (500, -5) to (500, 205) goes
    5 + 1500 along the south bank + 200 over the bridge + 1500 back + 5 = 3,210 m; the
    straight line is 210 m. With a shared vertex at each crossing, it is 5 + 20 + 200 + 20 + 5."""
    banks = [LineString([(0, 0), (500, 0), (2000, 0)]), LineString([(0, 200), (500, 200), (2000, 200)]),
             LineString([(2000, 0), (2000, 200)])]
    rail = LineString([(520, -100), (520, 300)])
    roads, _ = read_roads(_write(tmp_path, "cut.gpkg", [*banks, rail], GK))
    model, checker = _walk(roads, (500, -5), (500, 205))
    assert model == pytest.approx(3210, rel=4e-3) and checker == pytest.approx(model, abs=1e-6)
    joined = LineString([(520, -100), (520, 0), (520, 200), (520, 300)])
    banks_j = [LineString([(0, 0), (500, 0), (520, 0), (2000, 0)]),
               LineString([(0, 200), (500, 200), (520, 200), (2000, 200)]), banks[2]]
    roads_j, _ = read_roads(_write(tmp_path, "joined.gpkg", [*banks_j, joined], GK))
    assert _walk(roads_j, (500, -5), (500, 205))[0] == pytest.approx(250, rel=4e-3)


def test_motorways_and_foot_no_are_not_walked(tmp_path):
    lines = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (200, 0)]),
             LineString([(200, 0), (300, 0)]), LineString([(300, 0), (400, 0)])]
    path = _write(tmp_path, "hw.gpkg", lines, GK, highway=["residential", "motorway", "footway", "trunk_link"],
                  foot=["", "", "no", ""])
    roads, _ = read_roads(path)
    assert len(roads) == 1


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_a_layer_without_crs_says_how_to_assign_one(tmp_path):
    with pytest.raises(InputError) as e:
        read_roads(_write(tmp_path, "nocrs.gpkg", BLOCK, None))
    assert "no coordinate reference system" in str(e.value) and "QGIS" in e.value.fix


def test_a_point_layer_is_not_streets(tmp_path):
    with pytest.raises(InputError) as e:
        read_roads(_write(tmp_path, "pts.gpkg", [Point(0, 0), Point(1, 1)], GK))
    assert "feature 1 is a Point" in str(e.value) and "feature 1" in e.value.where


def test_a_degenerate_line_is_named_by_feature(tmp_path):
    lines = [BLOCK[0], LineString([(5, 5), (5, 5)])]
    with pytest.raises(InputError, match="feature 2 is a degenerate line"):
        read_roads(_write(tmp_path, "bad.gpkg", lines, GK))


def test_an_empty_layer_and_a_csv_are_refused(tmp_path):
    gdf = gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs=GK))
    empty = tmp_path / "empty.gpkg"
    gdf.to_file(empty, driver="GPKG")
    with pytest.raises(InputError, match="has no features"):
        read_roads(str(empty))
    fake = tmp_path / "fake.geojson"
    fake.write_text("u,v\n1,2\n")
    with pytest.raises(InputError, match="could not be read as a GIS line layer"):
        read_roads(str(fake))


def test_a_layer_over_the_limit_is_refused_before_gdal(tmp_path, monkeypatch):
    from siteplan.distance import network

    path = _write(tmp_path, "s.gpkg", BLOCK, GK)
    monkeypatch.setattr(network, "MAX_ROADS_BYTES", 1000)
    with pytest.raises(InputError, match="limit"):
        network.read_roads(path)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_feature_without_geometry_is_named(tmp_path):
    gdf = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[_shift(BLOCK[0], GK), None], crs=GK)
    gdf.to_file(tmp_path / "none.gpkg")
    with pytest.raises(InputError, match="feature 2 has no geometry"):
        read_roads(str(tmp_path / "none.gpkg"))


def test_a_layer_of_motorways_only_says_so(tmp_path):
    path = _write(tmp_path, "mw.gpkg", BLOCK[:2], GK, highway=["motorway", "trunk"])
    with pytest.raises(InputError, match="every street is a motorway"):
        read_roads(path)


def test_rivers_and_rails_beside_the_streets_reach_the_map_but_not_the_walk():
    """`generate --streets` writes `rivers` and `rails` layers beside `streets`: the reader
    keeps them (for the map) and walks none of them; the map draws one path per line."""
    from pathlib import Path

    from siteplan.io.roads import BARRIERS, read_line_roads
    from siteplan.report.mapshapes import MapShapes
    from siteplan.report.svg import _barrier_layer

    gpkg = Path(__file__).resolve().parents[2] / "scenarios" / "xinhe" / "streets.gpkg"
    roads, _ = read_line_roads(str(gpkg), 1 << 28)
    kinds = sorted(kind for kind, _ in roads.attrs[BARRIERS])
    assert kinds == ["rail", "river"]
    river = next(line for kind, line in roads.attrs[BARRIERS] if kind == "river")
    assert river.shape[1] == 2 and len(river) > 10
    # the river is no street: none of its vertices is a street node
    nodes = {(round(a, 7), round(b, 7)) for a, b in roads[["u_lon", "u_lat"]].to_numpy()}
    assert not any((round(a, 7), round(b, 7)) in nodes for a, b in river[1:-1])
    svg = _barrier_layer(MapShapes(barriers=roads.attrs[BARRIERS]),
                         [line * 1000 for _, line in roads.attrs[BARRIERS]])
    assert svg.count('data-role="river"') == 1 and svg.count('data-role="rail"') == 1
