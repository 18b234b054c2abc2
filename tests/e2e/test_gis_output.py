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


def _check_layers(out: Path, crs: str | None) -> dict:
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
    # every assigned committee lies inside its facility's (circle) walkshed
    sheds = dict(zip(layers["walksheds"][1]["site_id"], layers["walksheds"][0]))
    points = dict(zip(ccols["committee_id"], layers["committees"][0]))
    for c in served:
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


def _to_lonlat(folder: Path, lon0=116.40, lat0=39.90) -> Path:
    """The tiny scenario moved to lon/lat near Beijing, distance: haversine."""
    import yaml

    r = 6_371_008.8
    for name in ("committees.csv", "sites.csv"):
        df = pd.read_csv(folder / name)
        df["lon"] = lon0 + np.degrees(df.pop("x") / (r * math.cos(math.radians(lat0))))
        df["lat"] = lat0 + np.degrees(df.pop("y") / r)
        df.to_csv(folder / name, index=False)
    doc = yaml.safe_load((folder / "tiny.yaml").read_text(encoding="utf-8"))
    doc["distance"] = "haversine"
    path = folder / "tiny_lonlat.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


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


def _network_helpers():
    pytest.importorskip("pyrosm")
    here = Path(__file__).resolve().parents[1] / "unit" / "test_network.py"
    spec = importlib.util.spec_from_file_location("_siteplan_test_network", here)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_network_scenario_layers(tmp_path, run_cli):
    tn = _network_helpers()
    graph = tn.network.Graph(tn.network.read_roads(tn.test_pbf())[0])
    rng = np.random.default_rng(7)
    big = tn._largest_component(graph)
    sites = tn._near_nodes(graph, rng, 8, big, jitter_deg=0.0001)
    committees = tn._near_nodes(graph, rng, 6, big, jitter_deg=0.0001)
    path = tn._write_scenario(tmp_path / "city", graph, committees, sites, reach=2500)
    out = tmp_path / "out"
    code, _, stderr = run_cli("solve", path, "--out", out, "--no-store", "--quiet")
    assert code == 0, stderr
    _check_layers(out, "EPSG:4326")
    _, cols = _read(out / "plan.gpkg", "assignments")[1:]
    assert set(cols["path"]) == {"straight"}  # the walking path is not drawn yet
    code, stdout, stderr = run_cli("check", out)
    assert code == 0 and "check passed" in stdout, stderr


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


