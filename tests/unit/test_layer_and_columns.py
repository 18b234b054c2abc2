"""`data.layers` and `data.columns`: a bureau's GeoPackage holds several layers, and its
fields are named its own way (户数, 人口): the scenario names the layer and maps the fields,
the run bundle keeps both, and `check` re-reads the plan from the bundle alone."""

from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from siteplan.cli import main
from tests.unit.tinycity import write_city

LON0, LAT0 = 116.39, 39.91


def _city(tmp_path):
    x0, y0 = Transformer.from_crs("EPSG:4490", "EPSG:4526", always_xy=True).transform(LON0, LAT0)
    scen = write_city(tmp_path / "city", [], [
        ("S1", "东街道", round(x0 + 100, 3), round(y0 + 100, 3), "urban", 0, 1000, 0, 1000, 0),
        ("S2", "东街道", round(x0 + 1600, 3), round(y0 + 100, 3), "urban", 0, 1000, 0, 1000, 0)])
    gpkg = tmp_path / "city" / "district.gpkg"
    # a decoy first layer: without data.layers the committees would be read from it
    gpd.GeoDataFrame({"名称": ["河"]}, geometry=[Point(x0, y0)], crs="EPSG:4526").to_file(gpkg, layer="河流")
    gpd.GeoDataFrame({"编号": ["C1", "C2", "C3", "C4"], "street": ["东街道"] * 4, "kind": ["urban"] * 4,
                      "户数": [1000] * 4, "人口": [2500] * 4},
                     geometry=[Point(x0 + dx, y0) for dx in (0, 200, 1500, 1700)],
                     crs="EPSG:4526").to_file(gpkg, layer="居委会")
    return scen


def _use(scen, data_lines: str) -> None:
    text = scen.read_text(encoding="utf-8").replace("committees: committees.csv",
                                                    "committees: district.gpkg\n" + data_lines)
    scen.write_text(text, encoding="utf-8")


def test_a_named_layer_with_fields_mapped_solves_and_checks_from_its_bundle(tmp_path):
    scen = _city(tmp_path)
    _use(scen, "  layers: {committees: 居委会}\n"
               "  columns: {committees: {编号: id, 户数: households, 人口: residents}}")
    out = tmp_path / "out"
    assert main(["solve", str(scen), "--out", str(out), "--no-store", "--quiet"]) == 0
    assert (out / "inputs" / "committees.gpkg").is_file()
    resolved = (out / "scenario.resolved.yaml").read_text(encoding="utf-8")
    assert "居委会" in resolved and "户数" in resolved
    assert main(["check", str(out)]) == 0


@pytest.mark.parametrize("lines, words", [
    ("  layers: {committees: 社区}\n  columns: {committees: {编号: id, 户数: households, 人口: residents}}",
     ("no layer '社区'", "居委会")),
    ("  layers: {committees: 居委会}\n  columns: {committees: {编号: id, 户籍: households}}",
     ("no field '户籍'", "户数")),
    ("  layers: {committees: 居委会}\n  columns: {committees: {编号: id, 户数: street}}",
     ("already has a column 'street'",)),
    ("  layers: {streets: 居委会}", ("'streets'", "committees or sites")),
])
def test_wrong_layers_and_fields_are_named(tmp_path, capsys, lines, words):
    scen = _city(tmp_path)
    _use(scen, lines)
    out = tmp_path / "out"
    assert main(["solve", str(scen), "--out", str(out), "--no-store", "--quiet"]) == 3
    err = capsys.readouterr().err
    assert all(w in err for w in words), err
    assert not out.exists()


def test_a_layer_for_a_csv_table_is_refused(tmp_path, capsys):
    scen = _city(tmp_path)
    _use(scen, "  layers: {committees: 居委会, sites: x}\n"
               "  columns: {committees: {编号: id, 户数: households, 人口: residents}}")
    assert main(["solve", str(scen), "--out", str(tmp_path / "out"), "--no-store", "--quiet"]) == 3
    assert "cannot name one" in capsys.readouterr().err


def test_layers_in_two_projected_crs_are_reconciled(tmp_path):
    """Committees in one Gauss-Krüger zone (EPSG:4526), sites in UTM (EPSG:32650): the sites
    land on the committees' plane, where they are (to a centimetre), and the plan solves."""
    from siteplan.scenario.load import load_scenario

    scen = _city(tmp_path)
    folder = tmp_path / "city"
    x0, y0 = Transformer.from_crs("EPSG:4490", "EPSG:4526", always_xy=True).transform(LON0, LAT0)
    to_utm = Transformer.from_crs("EPSG:4526", "EPSG:32650", always_xy=True)
    gk = [(x0 + 100, y0 + 100), (x0 + 1600, y0 + 100)]
    utm = [to_utm.transform(x, y) for x, y in gk]
    gpd.GeoDataFrame({"id": ["S1", "S2"], "street": ["东街道"] * 2, "kind": ["urban"] * 2, "fixed_cost": [0] * 2,
                      "cost_per_m2": [1000] * 2, "opex_per_m2_year": [0] * 2, "max_area_m2": [1000] * 2,
                      "existing_area_m2": [0] * 2},
                     geometry=[Point(p) for p in utm], crs="EPSG:32650").to_file(folder / "plots.gpkg")
    _use(scen, "  layers: {committees: 居委会}\n"
               "  columns: {committees: {编号: id, 户数: households, 人口: residents}}")
    scen.write_text(scen.read_text(encoding="utf-8").replace("sites: sites.csv", "sites: plots.gpkg"),
                    encoding="utf-8")
    sites = load_scenario(scen).tables.sites
    got = sites[["x", "y"]].to_numpy(float)
    assert abs(got - [[x, y] for x, y in gk]).max() < 0.01
    assert main(["solve", str(scen), "--out", str(tmp_path / "out"), "--no-store", "--quiet"]) == 0
