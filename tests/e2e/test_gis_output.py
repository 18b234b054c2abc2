"""`solve --out DIR` writes plan.gpkg: facilities, committees (points), assignments (lines) and
walksheds (polygons) that match plan.json row for row; `--geojson` adds EPSG:4326 files."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

pyogrio = pytest.importorskip("pyogrio")

LAYERS = {"facilities": "Point", "committees": "Point", "assignments": "LineString", "walksheds": "Polygon"}
INFEASIBLE = ("--set", "budget.capex=1000")


def _read(gpkg: Path, layer: str):
    meta, _, geoms, fields = pyogrio.raw.read(str(gpkg), layer=layer)
    cols = dict(zip(meta["fields"], fields))
    return meta, [shapely.from_wkb(g) for g in geoms], cols


def _check_layers(out: Path, crs: str | None, circles: bool = True) -> dict:
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    gpkg = out / "plan.gpkg"
    assert {name: kind for name, kind in pyogrio.list_layers(str(gpkg))} == LAYERS
    open_ids = [f["site_id"] for f in doc["facilities"]]
    served = [c for c in doc["committees"] if c["site_id"] is not None]
    want_rows = {"facilities": len(open_ids), "committees": len(doc["committees"]),
                 "assignments": len(served), "walksheds": len(open_ids)}
    layers = {}
    for layer, n in want_rows.items():
        meta, geoms, cols = _read(gpkg, layer)
        assert len(geoms) == n, layer
        assert all(g.geom_type == LAYERS[layer] for g in geoms), layer
        if crs is None:
            assert meta["crs"] is None, layer
        else:
            assert meta["crs"] == crs, layer
        layers[layer] = (geoms, cols)
    # attributes equal plan.json's
    _, fcols = layers["facilities"]
    assert list(fcols["site_id"]) == open_ids
    assert list(fcols["area_m2"]) == pytest.approx([f["area_m2"] for f in doc["facilities"]])
    assert set(doc["facilities"][0]) <= set(fcols)  # every plan.json attribute
    _, ccols = layers["committees"]
    assert list(ccols["committee_id"]) == [c["committee_id"] for c in doc["committees"]]
    assert [s or None for s in ccols["site_id"]] == [c["site_id"] for c in doc["committees"]]
    _, acols = layers["assignments"]
    assert list(zip(acols["committee_id"], acols["site_id"])) == [(c["committee_id"], c["site_id"]) for c in served]
    # every assigned committee lies inside its facility's circle walkshed (network: see its test)
    sheds = dict(zip(layers["walksheds"][1]["site_id"], layers["walksheds"][0]))
    points = dict(zip(ccols["committee_id"], layers["committees"][0]))
    for c in served if circles else ():
        assert sheds[c["site_id"]].covers(points[c["committee_id"]]), c
    # the line runs from the committee to its facility's point
    fpoints = dict(zip(fcols["site_id"], layers["facilities"][0]))
    for line, c in zip(layers["assignments"][0], served):
        a, b = line.coords[0], line.coords[-1]
        assert shapely.Point(a).equals(points[c["committee_id"]])
        assert shapely.Point(b).equals(fpoints[c["site_id"]])
    return doc


def test_tiny_xy_metres_writes_four_layers_without_crs(tiny_dir, tmp_path, run_cli):
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store", "--quiet")
    assert code == 0, stderr
    assert "plan.gpkg" in stdout
    _check_layers(out, None)
    assert not [p.name for p in out.iterdir() if ".tmp" in p.name]
    code, stdout, stderr = run_cli("check", out)
    assert code == 0 and "check passed" in stdout, stderr


def test_geojson_is_refused_for_xy_metres_before_solving(tiny_dir, tmp_path, run_cli):
    out = tmp_path / "out"
    code, _, stderr = run_cli("solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store", "--quiet", "--geojson")
    assert code != 0
    assert "--geojson" in stderr and "CRS" in stderr
    assert not out.exists()


def _moved(folder: Path, name: str, changes: dict, move) -> Path:
    """The tiny scenario with its tables' coordinates rewritten by `move` (a DataFrame ->
    DataFrame) and `changes` made to its YAML, saved as `name`."""
    import yaml

    for table in ("committees.csv", "sites.csv"):
        move(pd.read_csv(folder / table)).to_csv(folder / table, index=False)
    doc = yaml.safe_load((folder / "tiny.yaml").read_text(encoding="utf-8"))
    doc.update(changes)
    path = folder / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _to_lonlat(folder: Path, lon0=116.40, lat0=39.90) -> Path:
    """The tiny scenario moved to lon/lat near Beijing, distance: haversine."""
    r = 6_371_008.8

    def move(df):
        df["lon"] = lon0 + np.degrees(df.pop("x") / (r * math.cos(math.radians(lat0))))
        df["lat"] = lat0 + np.degrees(df.pop("y") / r)
        return df

    return _moved(folder, "tiny_lonlat.yaml", {"distance": "haversine"}, move)


def test_haversine_layers_are_epsg_4326_and_geojson_on_request(tiny_dir, tmp_path, run_cli):
    path = _to_lonlat(tiny_dir)
    out = tmp_path / "out"
    code, _, stderr = run_cli("solve", path, "--out", out, "--no-store", "--quiet", "--geojson")
    assert code == 0, stderr
    doc = _check_layers(out, "EPSG:4326")
    for layer, kind in LAYERS.items():
        f = out / f"plan.{layer}.geojson"
        meta, _, geoms, _ = pyogrio.raw.read(str(f))
        assert meta["crs"] == "EPSG:4326" and meta["geometry_type"] == kind
    assert len(pyogrio.raw.read(str(out / "plan.facilities.geojson"))[2]) == len(doc["facilities"])
    # the circle is the reach in metres, not in degrees: ~1 km radius at Beijing
    geoms = _read(out / "plan.gpkg", "walksheds")[1]
    ring = np.array(geoms[0].exterior.coords)
    assert 0.005 < np.ptp(ring[:, 1]) < 0.05
    code, stdout, stderr = run_cli("check", out)
    assert code == 0 and "check passed" in stdout, stderr


def _to_gauss_kruger(folder: Path, crs="EPSG:4547") -> Path:
    """The tiny scenario's x,y moved into a CGCS2000 Gauss-Krüger zone (3-degree, 114°E:
    Wuhan), declared in the scenario: still distance: euclidean on x,y metres."""
    return _moved(folder, "tiny_gk.yaml", {"coordinates": {"crs": crs}},
                  lambda df: df.assign(x=df["x"] + 500_000.0,  # the zone's false easting
                                       y=df["y"] + 3_380_000.0))  # ~30.5°N


def test_declared_metric_crs_layers_carry_it_and_geojson_is_lonlat(tiny_dir, tmp_path, run_cli):
    from pyproj import Transformer

    path = _to_gauss_kruger(tiny_dir)
    out = tmp_path / "out"
    code, _, stderr = run_cli("solve", path, "--out", out, "--no-store", "--quiet", "--geojson")
    assert code == 0, stderr
    doc = _check_layers(out, "EPSG:4547")
    back = Transformer.from_crs("EPSG:4547", "EPSG:4326", always_xy=True)
    gk = dict(zip(_read(out / "plan.gpkg", "facilities")[2]["site_id"], _read(out / "plan.gpkg", "facilities")[1]))
    meta, _, geoms, fields = pyogrio.raw.read(str(out / "plan.facilities.geojson"))
    assert meta["crs"] == "EPSG:4326" and len(geoms) == len(doc["facilities"])
    for sid, g in zip(fields[meta["fields"].tolist().index("site_id")], geoms):
        p = shapely.from_wkb(g)
        lon, lat = back.transform(gk[sid].x, gk[sid].y)
        assert (p.x, p.y) == pytest.approx((lon, lat), abs=1e-9)
        assert 113.9 < p.x < 114.2 and 30.4 < p.y < 30.6
    for layer, kind in LAYERS.items():
        meta, _, geoms, _ = pyogrio.raw.read(str(out / f"plan.{layer}.geojson"))
        assert meta["crs"] == "EPSG:4326" and meta["geometry_type"] == kind
    code, stdout, stderr = run_cli("check", out)
    assert code == 0 and "check passed" in stdout, stderr


def _network_helpers():
    pytest.importorskip("pyrosm")
    here = Path(__file__).resolve().parents[1] / "unit" / "test_network.py"
    spec = importlib.util.spec_from_file_location("_siteplan_test_network", here)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _path_metres(line) -> float:
    from siteplan.distance.haversine import metres

    xy = np.asarray(line.coords)
    return float(metres(xy[:-1], xy[1:]).sum())


def test_network_scenario_layers(tmp_path, run_cli):
    tn = _network_helpers()
    graph = tn.network.Graph(tn.network.read_roads(tn.test_pbf())[0])
    rng = np.random.default_rng(7)
    big = tn._largest_component(graph)
    sites = tn._near_nodes(graph, rng, 8, big, jitter_deg=0.0003)
    isle = tn._island_nodes(graph, 1)
    sites = np.vstack([sites, graph.lonlat[isle]])  # S8: a site on a street island, useless
    committees = tn._near_nodes(graph, rng, 6, big, jitter_deg=0.0003)
    path = tn._write_scenario(tmp_path / "city", graph, committees, sites, reach=2000)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("solve", path, "--out", out, "--no-store", "--quiet", "--json")
    assert code == 0, stderr
    json.loads(stdout)  # --json: stdout stays JSON, the warning goes to stderr
    assert "warning:" in stderr and "'S8'" in stderr and "serve no one" in stderr
    doc = _check_layers(out, "EPSG:4326", circles=False)
    net = doc["network"]
    assert net["useless_sites"] == ["S8"] and net["unreachable_committees"] == []
    assert net["nodes"] == graph.n_nodes and net["edges"] == graph.n_edges and net["components"] > 1
    assert net["snapped"]["committees"]["count"] == 6 and net["snapped"]["sites"]["count"] == 9
    geoms, cols = _read(out / "plan.gpkg", "assignments")[1:]
    assert set(cols["path"]) == {"network"}
    served = [c for c in doc["committees"] if c["site_id"] is not None]
    assert len(served) == 6
    for line, c in zip(geoms, served):  # the walking path is as long as the walk
        assert abs(_path_metres(line) - c["distance_m"]) <= 1.0, (c, _path_metres(line))
        assert len(line.coords) > 3  # a path on the streets, not a straight line
    _, sgeoms, scols = _read(out / "plan.gpkg", "walksheds")
    assert set(scols["shape"]) == {"network"}
    assert all(g.geom_type == "Polygon" and g.is_valid for g in sgeoms)
    # each walkshed holds the snapped points (street feet) of the committees its site serves
    sheds = dict(zip(scols["site_id"], sgeoms))
    feet = graph.snap(committees).foot
    for c in served:
        assert sheds[c["site_id"]].covers(shapely.Point(feet[int(c["committee_id"][1:])])), c
    code, stdout, stderr = run_cli("check", out)
    assert code == 0 and "check passed" in stdout, stderr


def test_walkshed_is_the_reached_streets_not_a_circle():
    """A hand-drawn street: 1 km reach from a site at its west end reaches 1 km east along it,
    not the parallel street 300 m north that only joins 2 km away."""
    tn = _network_helpers()
    kind = tn.distance.get("network")
    roads = tn._street((1, 2, (116.00, 40.0), (116.03, 40.0)), (2, 4, (116.03, 40.0), (116.03, 40.0027)),
                       (3, 4, (116.00, 40.0027), (116.03, 40.0027)))
    t = tn._tables(roads, np.array([[116.005, 40.0001]]), np.array([[116.0, 40.0001]]))
    shed = kind.walkshed(t, 0, 1000.0)
    from siteplan.distance.haversine import metres

    east = 116.0 + 1000.0 / metres(np.array([[116.0, 40.0]]), np.array([[116.001, 40.0]]))[0] * 0.001
    assert shed.covers(shapely.Point(east - 0.0002, 40.0)) and not shed.covers(shapely.Point(east + 0.0012, 40.0))
    assert not shed.covers(shapely.Point(116.0, 40.0027))  # 300 m away as the crow flies, 2.6 km on foot
    path = kind.walk_paths(t, [0], [0])[0]
    assert path[0] == pytest.approx([116.005, 40.0001]) and path[-1] == pytest.approx([116.0, 40.0001])
    assert _path_metres(shapely.LineString(path)) == pytest.approx(kind.between(t, [0], [0])[0], abs=1e-6)


def test_an_infeasible_solve_leaves_no_plan_gpkg(tiny_dir, tmp_path, run_cli):
    out = tmp_path / "out"
    code, _, _ = run_cli("solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store", "--quiet")
    assert code == 0 and (out / "plan.gpkg").is_file()
    code, _, _ = run_cli("solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store", "--quiet", *INFEASIBLE)
    assert code == 4
    assert (out / "plan.json").is_file() and not (out / "plan.gpkg").exists()


def test_plan_gpkg_is_an_owned_name():
    from siteplan.outfolder import OWNED_NAMES

    assert {"plan.gpkg", *(f"plan.{n}.geojson" for n in LAYERS)} <= OWNED_NAMES




def test_a_network_plan_on_a_declared_city_grid_is_written_in_that_crs(tmp_path):
    """Walks are measured on lon/lat, but a city that declares its Gauss-Krüger zone (Xinhe on
    foot: EPSG:4548 with a local offset) gets plan.gpkg in that zone: the facilities land on
    the sites' own grid coordinates plus the offset, to a centimetre."""
    import pyogrio

    from siteplan.cli import main

    root = Path(__file__).resolve().parents[2] / "scenarios" / "xinhe"
    out = tmp_path / "walk"
    assert main(["solve", str(root / "walking.yaml"), "--out", str(out), "--no-store", "--quiet",
                 "--time-limit", "20"]) == 0
    gdf = pyogrio.read_dataframe(out / "plan.gpkg", layer="facilities")
    assert gdf.crs.to_epsg() == 4548
    sites = pd.read_csv(root / "sites.csv").set_index("id")
    want = sites.loc[gdf["site_id"], ["x", "y"]].to_numpy(float) + [517000.0, 4330000.0]
    got = np.column_stack([gdf.geometry.x, gdf.geometry.y])
    assert abs(got - want).max() < 0.01
