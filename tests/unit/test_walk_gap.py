"""`compare` of one city in a straight line and on foot: the committees whose nearest plot in a
straight line is out of reach on foot, and the cost of the plan on foot, on a case worked out
by hand."""

from __future__ import annotations

import json

import pytest

gpd = pytest.importorskip("geopandas")
from shapely.geometry import LineString

GK = "EPSG:4544"
OFFSET = (500_000.0, 3_300_000.0)  # on the zone's central meridian: grid metres are ground metres


def _city(folder):
    """Two bank streets (y = 0 and y = 200, x 0..2000) joined by one bridge at x = 2000.

    C0 (500, -5) south bank: S0 (500, 205) across the river is 210 m in a straight line and
    5 + 1500 + 200 + 1500 + 5 = 3,210 m on foot; S2 (1000, -5) on its bank is 500 / 510 m.
    C1 (1900, 205) north bank: S1 (1900, -5) is 210 m / 5 + 100 + 200 + 100 + 5 = 410 m.
    In a straight line the cheapest plan opens S0 (no fixed cost) for C0 and S1 for C1; on
    foot C0 must go to S2 (fixed cost 100,000 more), so the plan costs exactly 100,000 more.
    """
    import yaml

    folder.mkdir()
    south = LineString([(0, 0), (500, 0), (1000, 0), (1900, 0), (2000, 0)])
    north = LineString([(0, 200), (500, 200), (1900, 200), (2000, 200)])
    bridge = LineString([(2000, 0), (2000, 200)])
    gdf = gpd.GeoDataFrame(geometry=[south, north, bridge], crs=GK)
    gdf.geometry = gdf.geometry.translate(*OFFSET)
    gdf.to_file(folder / "streets.gpkg")
    (folder / "committees.csv").write_text(
        "id,street,kind,x,y,households,residents\nC0,南街道,urban,500,-5,1000,2500\n"
        "C1,北街道,urban,1900,205,1000,2500\n", encoding="utf-8")
    (folder / "sites.csv").write_text(
        "id,street,x,y,kind,fixed_cost,cost_per_m2,opex_per_m2_year,max_area_m2\n"
        "S0,北街道,500,205,urban,0,1000,100,2000\nS1,南街道,1900,-5,urban,50000,1000,100,2000\n"
        "S2,南街道,1000,-5,urban,100000,1000,100,2000\n", encoding="utf-8")
    base = {"name": "river-straight", "data": {"committees": "committees.csv", "sites": "sites.csv"},
            "coordinates": {"crs": GK, "offset": list(OFFSET)}, "reach": {"walk_m": 1000},
            "solver": {"mip_gap": 0}}
    (folder / "straight.yaml").write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    walk = {"extends": "straight.yaml", "name": "river-on-foot", "distance": "network",
            "data": {"roads": "streets.gpkg"}}
    (folder / "walk.yaml").write_text(yaml.safe_dump(walk, allow_unicode=True), encoding="utf-8")
    return folder / "straight.yaml", folder / "walk.yaml"


def test_compare_lists_the_committee_cut_off_by_the_river(tmp_path, run_cli):
    straight, walk = _city(tmp_path / "city")
    md = tmp_path / "cmp.md"
    code, stdout, err = run_cli("compare", straight, walk, "--store", tmp_path / "s.sqlite", "--json",
                                "--md", md)
    assert code == 0, err
    doc = json.loads(stdout)  # --json: stdout is the document only
    gap = doc["walk_gap"]
    assert [(r["committee"], r["nearest_plot"]) for r in gap["nearest_out_of_reach"]] == [("C0", "S0")]
    row = gap["nearest_out_of_reach"][0]
    assert row["straight_m"] == pytest.approx(210.0, abs=0.05)
    assert row["walk_m"] == pytest.approx(3210.0, rel=4e-3) and row["reach_m"] == 1000
    assert gap["straight_plan_beyond_reach"] == 1  # C0 sent to S0 across the river
    assert gap["cost_difference"] == pytest.approx(100_000.0, abs=1.0)
    rows = {r[0]: r[1:] for r in doc["rows"]}
    assert rows["committees: nearest plot out of reach on foot"][1] == 1
    text = md.read_text(encoding="utf-8")
    assert "| C0 | S0 | 210 | 3,2" in text and "+0.10M" in text


def test_compare_text_names_the_committee(tmp_path, run_cli):
    straight, walk = _city(tmp_path / "city")
    code, stdout, err = run_cli("compare", straight, walk, "--store", tmp_path / "s.sqlite")
    assert code == 0, err
    assert "1 of 2 committees have their nearest plot in a straight line out of reach on foot" in stdout
    line = next(ln for ln in stdout.splitlines() if ln.strip().startswith("C0 "))
    assert line.split()[:3] == ["C0", "S0", "210"]
    assert "the straight-line plan sends 1 committee beyond the reach on foot" in stdout
