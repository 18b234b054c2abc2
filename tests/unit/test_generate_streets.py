"""`siteplan generate --streets`: a street layer the city lies on, cut by a river and a rail
line, deterministic by seed, whose walks exceed the straight line across the barriers."""

from __future__ import annotations

import numpy as np
import pytest

pyogrio = pytest.importorskip("pyogrio")
import shapely

from siteplan.generate import GENERATED_CRS, GENERATED_OFFSET


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from siteplan.cli import main

    out = tmp_path_factory.mktemp("gen") / "city"
    assert main(["generate", "--committees", "80", "--sites", "60", "--seed", "11", "--streets", str(out)]) == 0
    return out


def test_the_layers_and_the_scenario(city):
    layers = {str(n): str(t) for n, t in pyogrio.list_layers(city / "streets.gpkg")}
    assert layers == {"streets": "MultiLineString", "rivers": "LineString", "rails": "LineString",
                      "crossings": "Point"}
    for name in layers:
        assert pyogrio.read_info(city / "streets.gpkg", layer=name)["crs"] == GENERATED_CRS
    assert pyogrio.read_info(city / "streets.gpkg", layer="rivers")["features"] == 1
    assert pyogrio.read_info(city / "streets.gpkg", layer="rails")["features"] == 1
    text = (city / "scenario.yaml").read_text(encoding="utf-8")
    assert "distance: network" in text and "roads: streets.gpkg" in text and GENERATED_CRS in text


def test_same_seed_same_bytes(city, tmp_path, run_cli):
    code, _, err = run_cli("generate", "--committees", "80", "--sites", "60", "--seed", "11", "--streets",
                           tmp_path / "again")
    assert code == 0, err
    for name in ("streets.gpkg", "committees.csv", "sites.csv", "scenario.yaml"):
        assert (tmp_path / "again" / name).read_bytes() == (city / name).read_bytes(), name


def test_rivers_need_streets(tmp_path, run_cli):
    code, _, err = run_cli("generate", "--committees", "10", "--sites", "10", "--rivers", "2", tmp_path / "x")
    assert code == 2 and "--streets" in err


def test_walks_across_the_river_exceed_the_straight_line(city):
    """Every committee and site lies on the streets (no snap); a walk is never shorter than
    the straight line; across the river, away from the bridges, it is much longer."""
    from siteplan import distance
    from siteplan.scenario.load import load_scenario

    scn = load_scenario(city / "scenario.yaml")
    t = scn.tables
    kind = distance.get("network")
    from siteplan.distance.network import graph_of

    for which in ("committees", "sites"):
        snap = graph_of(t).snap(distance.coordinates(t, which)).metres
        assert snap.max() < 0.01
    river = pyogrio.read_dataframe(city / "streets.gpkg", layer="rivers").geometry.iloc[0]
    river = shapely.transform(river, lambda xy: xy - np.asarray(GENERATED_OFFSET))
    import pandas as pd

    com = pd.read_csv(city / "committees.csv")
    sit = pd.read_csv(city / "sites.csv")
    ci, si = np.meshgrid(np.arange(len(com)), np.arange(len(sit)), indexing="ij")
    ci, si = ci.ravel(), si.ravel()
    a, b = com[["x", "y"]].to_numpy()[ci], sit[["x", "y"]].to_numpy()[si]
    straight = np.hypot(*(a - b).T)
    near = straight < 1500
    ci, si, a, b, straight = ci[near], si[near], a[near], b[near], straight[near]
    walk = kind.between(t, ci, si)
    assert np.all(walk >= straight * (1 - 5e-3))  # great-circle vs grid metres: 0.5%
    across = shapely.intersects(shapely.linestrings(np.stack([a, b], axis=1)), river)
    assert across.any() and (~across).any()
    assert np.max(walk[across] - straight[across]) > 1000  # a detour to a bridge
    assert np.median(walk[~across] / straight[~across]) < 1.5  # on one bank: a grid walk


def test_the_generated_city_on_foot_solves_and_checks(city, tmp_path, run_cli):
    code, stdout, err = run_cli("solve", city / "scenario.yaml", "--out", tmp_path / "out", "--no-store",
                                "--mip-gap", "0.02")
    assert code == 0, err
    assert (tmp_path / "out" / "inputs" / "roads.gpkg").is_file()
    code, stdout, err = run_cli("check", tmp_path / "out")
    assert code == 0 and "check passed" in stdout, err


def test_a_committee_beside_the_river_gets_a_plot_on_its_own_bank(tmp_path, run_cli):
    """Seed 1 puts committee C00156 20 m from the river; when a covering plot could land across
    the river from the committees it covers, its nearest plot on foot was 1,106 m away and the
    city on foot was infeasible. Covering plots now stay on their committees' bank."""
    code, _, err = run_cli("generate", "--committees", "300", "--sites", "200", "--seed", "1", "--streets",
                           tmp_path / "city")
    assert code == 0, err
    code, stdout, err = run_cli("validate", tmp_path / "city" / "scenario.yaml")
    assert code == 0 and "no proof of infeasibility" in stdout, err
