"""`explain` on multi-type scenarios, single period and timeline: a shortfall names its year,
its budget or rule, its amount, the facility type and the street (issue 12 item 3).

Amounts worked by hand from the comments of scenarios/tiny/tiny_types.yaml and
tiny_timeline_types.yaml: the network of both types costs 4.525M capex (service S1 2.3M, S3
0.5M; elderly care S1 1.4M, S3 0.325M after the 100k co-location saving on each plot), of
which street east (A, B) needs 3.7M and street hill (C) 0.825M.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from siteplan.analysis.explain import explain_infeasible
from siteplan.cli import cli as main
from siteplan.errors import InfeasibleError
from siteplan.scenario.load import load_scenario

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny"


def _variant(tmp_path: Path, base: str, name: str, body: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {TINY / base}\nname: {name}\n{body}", encoding="utf-8")
    return load_scenario(path)


def test_single_period_capex_shortfall_names_types_and_streets():
    diag = explain_infeasible(load_scenario(TINY / "tiny_types.yaml", {"budget.capex": 4.0e6}))
    (sf,) = diag.shortfalls
    assert sf.group == "capex" and sf.amount == pytest.approx(525_000, rel=1e-4)  # 4.525M - 4.0M
    assert sf.facts["types"] == ["service", "elderly_care"] and sf.facts["streets"] == ["east", "hill"]
    assert "short of opening the service and elderly_care (社区养老服务站) facilities that streets east and hill" \
        in sf.text
    gross = {(p["type"], p["street"]): p["capex"] for p in sf.facts["pieces"]}
    assert gross[("elderly_care", "east")] == pytest.approx(1_500_000)  # 300k + 4000·300, before the saving


def test_a_street_out_of_reach_of_a_type_is_named_with_type_and_street():
    # elderly care within 350 m: B (street east) has S1 at 400 m, nothing nearer
    diag = explain_infeasible(load_scenario(TINY / "tiny_types.yaml",
                                            {"facility_types.elderly_care.reach.walk_m": 350}))
    (sf,) = diag.shortfalls
    assert sf.group == "type_uncovered" and sf.ids == ["B"] and sf.unit == "committees"
    assert sf.facts["type"] == "elderly_care" and sf.facts["streets"] == ["east"]
    assert sf.facts["lonely"] == [["B", "east", "S1", 400.0]]
    assert sf.text.startswith("committee B of street east cannot be served by elderly_care (社区养老服务站)")
    assert sf.price is None  # no budget brings a plot within reach: not priced


def test_types_on_a_full_plot_say_what_each_type_takes(tmp_path):
    # S3 holds 120 m² of service + C's 50 m² elderly-care minimum; capped at 150 m² it is 20 m² over
    # (S3 is C's only plot within either reach, so the plot cap gives before any binding rule)
    scn = _variant(tmp_path, "tiny_types.yaml", "capped", "")
    sites = scn.tables.sites
    sites.loc[sites["id"] == "S3", "max_area_m2"] = 150.0
    diag = explain_infeasible(scn, price=False)
    (sf,) = diag.shortfalls
    assert sf.group == "plot_share" and sf.amount == pytest.approx(20.0, abs=1e-3)
    assert sf.facts["plots"][0]["types"] == {"service": 120.0, "elderly_care": 50.0}
    assert "plot S3 of street hill holds 150 m²" in sf.text and "elderly_care (社区养老服务站) 50 m² (its minimum size)" \
        in sf.text


def test_timeline_2024_capex_short_of_what_street_east_needs(tmp_path):
    # 2024's coverage milestone serves the urban A and B by both types: 3.7M from 3.0M, 0.7M short
    scn = _variant(tmp_path, "tiny_timeline_types.yaml", "early", "budget: {capex: {2024: 3.0e6, 2025: 4.0e6}}\n")
    diag = explain_infeasible(scn)
    (sf,) = diag.shortfalls
    assert sf.facts["year"] == 2024 and sf.amount == pytest.approx(700_000, rel=1e-4)
    assert sf.facts["streets"] == ["east"] and sf.facts["types"] == ["service", "elderly_care"]
    assert sf.text.startswith("in 2024 the capex budget of 3.0M CNY is 700,0")
    assert "facilities that street east needs" in sf.text


def test_timeline_2025_names_only_what_is_new_that_year(tmp_path):
    # 2024 pays A and B's 3.7M from its 3.8M; 2025 adds C by both types (0.825M): the two years'
    # 4.3M are 225k short of 4.525M, and what is short is street hill's, not east's
    scn = _variant(tmp_path, "tiny_timeline_types.yaml", "late", "budget: {capex: {2024: 3.8e6, 2025: 0.5e6}}\n")
    diag = explain_infeasible(scn)
    (sf,) = diag.shortfalls
    assert sf.facts["year"] == 2025 and sf.amount == pytest.approx(225_000, rel=1e-4)
    assert sf.facts["streets"] == ["hill"]
    assert {p["type"]: p["sites"] for p in sf.facts["pieces"]} == {"service": ["S3"], "elderly_care": ["S3"]}
    assert "street hill needs" in sf.text and "2024–2025" in sf.text and "for east" not in sf.text


def test_explain_cli_json_names_year_type_and_street(tmp_path):
    res = CliRunner().invoke(main, ["explain", str(TINY / "tiny_timeline_types.yaml"), "--set",
                                    "facility_types.elderly_care.reach.walk_m=350", "--json",
                                    "--out", str(tmp_path / "out")])
    assert isinstance(res.exception, InfeasibleError), res.output  # exit code 4 under `siteplan`
    doc = json.loads(res.stdout)
    (sf,) = doc["shortfalls"]
    assert sf["facts"]["year"] == 2024 and sf["facts"]["type"] == "elderly_care" and sf["ids"] == ["B"]
    assert sf["text"].startswith("in 2024 committee B of street east cannot be served by elderly_care")
    text = (tmp_path / "out" / "diagnosis.txt").read_text(encoding="utf-8")
    assert "社区养老服务站" in text


def test_a_street_centre_no_plot_can_hold_is_named_with_its_street():
    # 1+N with centres of 1,100 m²: no plot of street east is that large (S1 1,000, S2 600)
    diag = explain_infeasible(load_scenario(TINY / "tiny_types.yaml",
                                            {"facility_types.elderly_care.centres.min_area_m2": 1100}))
    (sf,) = diag.shortfalls
    assert sf.group == "type_centres" and sf.ids == ["east"] and sf.amount == 1.0
    assert sf.facts["type"] == "elderly_care" and sf.facts["missing"] == [1]
    assert "street east lacks 1 (0 plots there may host one that large)" in sf.text


def test_a_street_centre_that_overfills_its_plot_says_so():
    # every street needs a 400 m² centre: hill's only plot S3 (500 m²) also holds C's 120 m² of service
    diag = explain_infeasible(load_scenario(TINY / "tiny_types.yaml", {
        "facility_types.elderly_care.centres.min_area_m2": 400, "facility_types.elderly_care.centres.streets": "all"}))
    (sf,) = diag.shortfalls
    assert sf.group == "plot_share" and sf.amount == pytest.approx(20.0, abs=1e-3) and sf.ids == ["S3"]
    assert "elderly_care (社区养老服务站) 400 m² (a 1+N street centre's minimum)" in sf.text


def test_the_chinese_sentences_name_year_type_and_street(tmp_path):
    from siteplan.report.words_zh import shortfall_zh

    scn = _variant(tmp_path, "tiny_timeline_types.yaml", "early_zh", "budget: {capex: {2024: 3.0e6, 2025: 4.0e6}}\n")
    (sf,) = explain_infeasible(scn).shortfalls
    assert shortfall_zh(sf.as_dict()).startswith(
        "2024年，建设投资预算300.0万元缺口70.0万元，缺口用于开设east所需的综合服务设施和社区养老服务站")
    (sf,) = explain_infeasible(load_scenario(TINY / "tiny_types.yaml",
                                             {"facility_types.elderly_care.reach.walk_m": 350})).shortfalls
    zh = shortfall_zh(sf.as_dict())
    assert zh.startswith("居委会B（east）在350米步行范围内没有可设置社区养老服务站的地块")
    assert zh.endswith("［各类设施服务覆盖，约束性］")  # the rule's own title, not its id


@pytest.mark.parametrize(("name", "area_cost"), [
    # +1 m² per 100 households on the service facilities: A+B 15 m² at S1 (60k), C 4 m² at S3 (10k);
    # opex 200·15 + 100·4 = 3.4k a year: over tiny's 5-year horizon 87k; in the timeline A+B from
    # 2024 and C from 2025: 3.0k + 3.4k = 6.4k, 76.4k in all
    ("tiny_types.yaml", 87_000), ("tiny_timeline_types.yaml", 76_400)])
def test_what_binds_keeps_the_types_and_the_years(name, area_cost):
    from siteplan.analysis.binding import binding_report

    rows = {r.key: r for r in binding_report(load_scenario(TINY / name)).rows}
    assert all(r.status == "solved" for r in rows.values())  # nudged copies keep types and timeline
    assert rows["area_per_100_households"].delta_total == pytest.approx(area_cost, abs=1.0)
    assert rows["reach.walk_m"].delta_total == pytest.approx(0.0, abs=1.0)  # elderly care is not dropped
    if "budget.capex" in rows:  # 4M a year, 2024 spends 3.7M: slack, not "113% used"
        assert rows["budget.capex"].tight is False and rows["budget.capex"].used_share is None
