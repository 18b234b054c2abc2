"""`siteplan explain` and `siteplan report` end to end through the CLI entry point."""

from __future__ import annotations

import json
import re

import pytest
from tinycity import four_committees, write_city

from siteplan.cli import main


@pytest.fixture
def solved(tmp_path):
    from siteplan.pipeline import solve_scenario
    from siteplan.report.outputs import write_outputs

    path = four_committees(tmp_path / "city", budget={"capex": 2_000_000})
    return write_outputs(solve_scenario(path), tmp_path / "out")


def test_explain_writes_infeasible_plan_and_exits_4(tmp_path, capsys):
    path = four_committees(tmp_path / "city", budget={"opex_per_year": 1_700_000})
    rc = main(["explain", str(path), "--out", str(tmp_path / "out")])
    assert rc == 4
    out, err = capsys.readouterr()
    assert "17.0 community workers per 10,000 urban residents, not 18" in out
    assert "diagnostic_plan.json (NOT compliant)" in out
    assert err.startswith("error: ") and err.count("\n") <= 2  # one clean line, no traceback
    doc = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert doc["status"] == "infeasible"


def test_explain_on_a_feasible_scenario_exits_0(tmp_path, capsys):
    assert main(["explain", str(four_committees(tmp_path))]) == 0
    assert "feasible" in capsys.readouterr().out


def test_explain_binding_on_an_output_folder_feeds_the_report(solved, tmp_path, capsys):
    assert main(["explain", "--binding", str(solved)]) == 0
    text = capsys.readouterr().out
    assert "+1M CNY capex budget" in text
    b = json.loads((solved / "binding.json").read_text(encoding="utf-8"))
    assert {r["key"] for r in b["rows"]} >= {"workers_per_10k_urban", "area_per_100_households", "budget.capex"}
    assert main(["report", str(solved), "--out", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.count("data-role='binding-row'") == len(b["rows"])


def test_report_is_self_contained_and_counts_sites(solved, tmp_path):
    assert main(["report", str(solved), "--out", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    doc = json.loads((solved / "plan.json").read_text(encoding="utf-8"))
    assert html.count('data-role="site"') == len(doc["facilities"])
    assert not re.search(r"""(src|href)\s*=""", html) and "<script" not in html and "@import" not in html
    assert "<html lang='en'>" in html  # national preset: English by default
    assert "国办发〔2021〕56号" in html  # rule source clauses are shown


def test_report_language_defaults_to_chinese_for_city_presets(tmp_path):
    from siteplan.pipeline import solve_scenario
    from siteplan.report.outputs import write_outputs

    out = write_outputs(solve_scenario(four_committees(tmp_path / "c", preset="shanghai")), tmp_path / "o")
    assert main(["report", str(out), "--out", str(tmp_path / "zh.html")]) == 0
    assert "<html lang='zh-CN'>" in (tmp_path / "zh.html").read_text(encoding="utf-8")
    assert main(["report", str(out), "--out", str(tmp_path / "en.html"), "--lang", "en"]) == 0
    assert "Compliance with the standards" in (tmp_path / "en.html").read_text(encoding="utf-8")


def test_report_escapes_names_from_input_files(tmp_path):
    from siteplan.pipeline import solve_scenario
    from siteplan.report.outputs import write_outputs

    evil = "<img onerror=alert(1)>"
    path = write_city(tmp_path / "c", [("C1", evil, "urban", 0, 0, 1000, 2500)],
                      [("S1", evil, 10, 0, "urban", 0, 1000, 0, 1000, 0)])
    out = write_outputs(solve_scenario(path), tmp_path / "o")
    assert main(["report", str(out), "--out", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert evil not in html and "&lt;img onerror=alert(1)&gt;" in html


def test_report_errors_are_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 3
    err = capsys.readouterr().err
    assert "not a solve output folder" in err and "Traceback" not in err
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "plan.json").write_text("{not json", encoding="utf-8")
    assert main(["report", str(bad), "--out", str(tmp_path / "r.html")]) == 3
    assert "plan.json is not valid JSON" in capsys.readouterr().err


def test_report_of_a_compare_csv(tmp_path):
    csv = tmp_path / "compare.csv"
    csv.write_text("kpi,base,cheaper\ncapex (CNY),1000000,800000\nsites opened,2,1\n", encoding="utf-8")
    assert main(["report", str(csv), "--out", str(tmp_path / "c.html")]) == 0
    assert (tmp_path / "c.html").read_text(encoding="utf-8").count("data-role='compare-row'") == 2


def test_report_of_a_matrix_scenario_without_coordinates_has_no_map(tmp_path):
    from siteplan.pipeline import solve_scenario
    from siteplan.report.outputs import write_outputs

    (tmp_path / "committees.csv").write_text("id,street,kind,households,residents\nC1,E,urban,1000,2500\n",
                                             encoding="utf-8")
    (tmp_path / "sites.csv").write_text(
        "id,street,kind,fixed_cost,cost_per_m2,opex_per_m2_year,max_area_m2,existing_area_m2\n"
        "S1,E,urban,0,1000,0,1000,0\n", encoding="utf-8")
    (tmp_path / "d.csv").write_text("committee,site,metres\nC1,S1,100\n", encoding="utf-8")
    (tmp_path / "s.yaml").write_text("name: nm\ndata: {committees: committees.csv, sites: sites.csv, "
                                     "distances: d.csv}\ndistance: matrix\n", encoding="utf-8")
    out = write_outputs(solve_scenario(tmp_path / "s.yaml"), tmp_path / "o")
    assert main(["report", str(out), "--out", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "id='map'" not in html and "id='compliance'" in html
