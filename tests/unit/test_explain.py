"""Infeasibility explained: one scenario per cause, with the diagnosis's numbers and ids."""

from __future__ import annotations

import json

import pytest
from tinycity import four_committees

from siteplan.analysis.explain import explain_infeasible, write_diagnosis


def _one(diag, group):
    hits = [s for s in diag.shortfalls if s.group == group]
    assert len(hits) == 1, [s.text for s in diag.shortfalls]
    return hits[0]


def test_feasible_scenario_has_nothing_to_relax(tmp_path):
    diag = explain_infeasible(four_committees(tmp_path))
    assert diag.feasible and diag.shortfalls == []
    assert "feasible" in diag.text()


def test_opex_budget_leaves_worker_density_short_and_prices_it(tmp_path):
    # 17 workers' pay (1.7M) fits, 18 are needed: density 17.0 per 10k, 0.1M a year more meets it
    diag = explain_infeasible(four_committees(tmp_path, budget={"opex_per_year": 1_700_000}))
    assert not diag.feasible
    sf = _one(diag, "density")
    assert sf.kind == "expected" and sf.amount == pytest.approx(1)
    assert "with the opex budget of 1.7M CNY a year, the city reaches 17.0 community workers per 10,000 " \
           "urban residents, not 18" in sf.text
    assert sf.price["opex_per_year"] == pytest.approx(100_000, abs=1)
    assert "100,000 CNY a year more opex (an opex budget of 1.8M CNY a year) would meet it" in sf.text
    assert [s.group for s in diag.shortfalls] == ["density"]  # bands (16 minimum) still hold


def test_capex_budget_short_by_what_the_binding_area_rule_needs(tmp_path):
    # 1,200 m² at 1,000 CNY/m² = 1.2M is the least capex meeting 30 m² per 100 households
    diag = explain_infeasible(four_committees(tmp_path, budget={"capex": 1_000_000}))
    sf = _one(diag, "capex")
    assert sf.amount == pytest.approx(200_000, abs=1)
    assert "the capex budget of 1.0M CNY is 200,000 CNY short" in sf.text and "1.2M CNY" in sf.text
    assert [s.group for s in diag.shortfalls] == ["capex"]  # the binding area rule is kept


def test_reach_names_the_lonely_committees_and_their_nearest_site(tmp_path):
    far = [("C9", "东街道", "urban", 1600, 2100, 600, 1500)]  # 2,000 m from S2
    diag = explain_infeasible(four_committees(tmp_path, committees=far))
    sf = _one(diag, "uncovered")
    assert sf.kind == "binding" and sf.ids == ["C9"] and sf.price is None
    assert "committee C9 has no candidate site within 1,000 m; the nearest is S2 at 2,000 m" in sf.text
    assert diag.proofs and "C9" in diag.proofs[0]


def test_area_cap_names_the_plot_and_the_area_it_would_need(tmp_path):
    # C5: 3,000 households need 900 m², but the only site in reach (S3) allows 600 m²
    big = [("C5", "西街道", "urban", 5000, 0, 3000, 7500)]
    plot = [("S3", "西街道", 5100, 0, "urban", 0, 1000, 0, 600, 0)]
    diag = explain_infeasible(four_committees(tmp_path, committees=big, sites=plot))
    sf = _one(diag, "plot_cap")
    assert sf.ids == ["S3"] and sf.amount == pytest.approx(300, abs=1e-3)
    assert "S3 needs 900 m² but its plot allows 600 m²" in sf.text
    assert [s.group for s in diag.shortfalls] == ["plot_cap"]  # area rule (binding) kept


def test_worker_bands_too_narrow_for_the_density_rule(tmp_path):
    bands = [{"households": [0, None], "min": 1, "max": 3}]
    diag = explain_infeasible(four_committees(tmp_path, standards={"committee_workers": bands}))
    sf = _one(diag, "band_high")
    assert sf.amount == pytest.approx(6)
    assert "the committee_workers bands allow at most 12 urban workers (12.0 per 10,000 urban residents), " \
           "but 18 per 10,000 needs 18: band maxima would have to allow 6 more workers" in sf.text
    assert [s.group for s in diag.shortfalls] == ["band_high"]  # density (expected) kept


def test_write_diagnosis_marks_plan_infeasible_and_diagnostic_not_compliant(tmp_path):
    diag = explain_infeasible(four_committees(tmp_path / "city", budget={"opex_per_year": 1_700_000}))
    out = write_diagnosis(diag, tmp_path / "out")
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["status"] == "infeasible" and doc["diagnostic_plan"] == "diagnostic_plan.json"
    assert doc["diagnosis"]["shortfalls"][0]["group"] == "density"
    dp = json.loads((out / "diagnostic_plan.json").read_text(encoding="utf-8"))
    assert dp["status"] == "diagnostic_not_compliant" and dp["compliant"] is False
    assert "NOT A COMPLIANT PLAN" in dp["note"]
    assert any(r["rule"] == "workers_per_10k_urban" and r["ok"] is False for r in dp["compliance"])
    assert (out / "scenario.resolved.yaml").exists() and (out / "diagnosis.txt").exists()


def test_diagnosis_reads_in_chinese_from_the_same_numbers(tmp_path):
    from siteplan.report.words_zh import shortfall_zh

    diag = explain_infeasible(four_committees(tmp_path, budget={"opex_per_year": 1_700_000}))
    zh = shortfall_zh(_one(diag, "density").as_dict())
    assert zh.startswith("在年运营预算170.0万元的限制下，每万城镇常住人口社区工作者为17.0名，未达到18名")
    assert "再增加每年运营费用10.0万元即可满足" in zh and "预期性" in zh


@pytest.mark.parametrize("preset, standards", [("national", {}), ("shanghai", {}), ("panzhihua", {}),
                                               ("shenyang", {"area_scope": "street"})])
def test_every_row_block_of_the_planning_model_is_classified(tmp_path, preset, standards):
    """A row block belongs to the structure or to the rule that adds it (its row_blocks), and
    says what each of its rows is about, so the elastic model never re-derives it."""
    from siteplan.analysis.elastic import unowned_row_blocks
    from siteplan.instance import build_instance
    from siteplan.model.build import build_planning_model
    from siteplan.scenario.load import load_scenario

    scn = load_scenario(four_committees(tmp_path, preset=preset, standards=standards,
                                        budget={"capex": 1e8, "opex_per_year": 1e8}))
    model, pm = build_planning_model(build_instance(scn), "min_cost", scn.standards.area_scope, 1e8, 1e8,
                                     scenario=scn)
    assert unowned_row_blocks(model) == []
    for block, sl in model.row_blocks.items():
        assert len(pm.row_keys[block][1]) == sl.stop - sl.start, block


def test_diagnose_into_is_the_one_call_solve_needs(tmp_path):
    from siteplan.analysis.explain import diagnose_into
    from siteplan.scenario.load import load_scenario

    ok = load_scenario(four_committees(tmp_path / "a"))
    assert diagnose_into(ok, tmp_path / "out_ok") is None and not (tmp_path / "out_ok").exists()
    bad = load_scenario(four_committees(tmp_path / "b", budget={"capex": 1_000_000}))
    diag = diagnose_into(bad, tmp_path / "out_bad")
    assert diag is not None and (tmp_path / "out_bad" / "diagnostic_plan.json").exists()
