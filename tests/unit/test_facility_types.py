"""Several facility types on shared plots (issue 12 item 2), on scenarios/tiny/tiny_types.yaml.

The worked optimum is in that file's header: service as in tiny (A+B at S1 450 m², C at S3
120 m²), elderly care A+B at S1 (300 m²) and C at S3 (50 m²), 100k saved on each of the two
shared plots: 10.36M. The variants below change one thing and say what it does by hand.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from siteplan.cli import main
from siteplan.errors import InputError
from siteplan.instance import build_instance
from siteplan.model.build import build_planning_model
from siteplan.pipeline import solve_scenario
from siteplan.scenario.load import load_scenario

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny"
TYPES = TINY / "tiny_types.yaml"
CANTEEN = {"facility_types.canteen": {"area_per_100_households": 5, "min_area_m2": 20,
                                      "reach": {"walk_m": 500}, "costs": {"fixed": 150000}}}


def copy_tiny(tmp_path: Path, sites: str | None = None) -> Path:
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    if sites is not None:
        (d / "sites.csv").write_text(sites, encoding="utf-8")
    return d / "tiny_types.yaml"


def sites_with(column: str, cells: list[str], max_s1: int = 1000) -> str:
    rows = [f"S1,east,400,0,urban,500000,4000,200,{max_s1}", "S2,east,0,300,urban,100000,5000,200,600",
            "S3,hill,3000,200,rural,200000,2500,100,500"]
    head = "id,street,x,y,kind,fixed_cost,cost_per_m2,opex_per_m2_year,max_area_m2"
    if column:
        head += f",{column}"
        rows = [f"{r},{c}" for r, c in zip(rows, cells)]
    return "\n".join([head, *rows]) + "\n"


def test_the_worked_optimum_shares_plots_and_saves_once_per_plot():
    out = solve_scenario(TYPES)
    t = out.evaluation.totals
    assert out.evaluation.ok
    assert t["total_cost"] == pytest.approx(10_360_000)
    assert t["co_location_saving"] == pytest.approx(200_000) and t["co_located_plots"] == 2
    assert out.plan.type_areas["elderly_care"] == {"S1": pytest.approx(300), "S3": pytest.approx(50)}
    assert out.plan.type_assignment["elderly_care"] == {"A": "S1", "B": "S1", "C": "S3"}
    assert out.plan.areas == {"S1": pytest.approx(450), "S3": pytest.approx(120)}


def test_three_types_on_one_plot_save_once_not_per_pair():
    # canteen: 5 m² per 100 households (A 50, B 25, C 20), at least 20 m², 150k to open; it
    # joins S1 and S3 too, so each plot hosts three types (three pairs) and still saves 100k
    out = solve_scenario(TYPES, overrides=CANTEEN)
    ev = out.evaluation
    assert ev.ok
    assert out.plan.type_areas["canteen"] == {"S1": pytest.approx(75), "S3": pytest.approx(20)}
    assert ev.totals["co_location_saving"] == pytest.approx(200_000)  # 2 plots x 100k, not 6 x 100k
    gross = sum(f["capex"] for f in ev.facilities) + sum(f["capex"] for f in ev.type_facilities)
    assert ev.totals["capex"] == pytest.approx(gross - 200_000)
    # 10.36M + canteen S1 150k + (4000 + 5·200)·75 + S3 150k + (2500 + 5·100)·20
    assert ev.totals["total_cost"] == pytest.approx(10_360_000 + 150_000 + 375_000 + 150_000 + 60_000)


def test_pair_savings_apply_to_the_pairs_present():
    pairs = {"co_location": {"pairs": [{"types": ["service", "elderly_care"], "saving": 100000},
                                       {"types": ["elderly_care", "canteen"], "saving": 50000}]}}
    out = solve_scenario(TYPES, overrides={**CANTEEN, **pairs})
    assert out.evaluation.ok
    # S1 and S3 each host all three: service-elderly 100k + elderly-canteen 50k, no service-canteen
    assert out.evaluation.totals["co_location_saving"] == pytest.approx(300_000)


def test_the_shared_plot_cap_binds(tmp_path):
    # S1 takes only 700 m²: service 450 + elderly 300 no longer fit together. By hand:
    #   service A+B at S2 (450 m²) 2.80M, elderly A+B at S1 alone (300 m²) 1.80M   = 4.60M
    #   service A+B at S1 2.75M, elderly B at S1 0.70M, A at S2 1.50M              = 4.95M
    #   service A at S2 1.90M, B at S1 1.25M, elderly A+B at S1 (co-located) 1.70M = 4.85M
    # so 4.60M + C (0.56M + 0.35M) + workers 5.00M = 10.51M, and no plot is shared in the east
    out = solve_scenario(copy_tiny(tmp_path, sites_with("", [], max_s1=700)))
    ev = out.evaluation
    assert ev.ok and ev.totals["total_cost"] == pytest.approx(10_510_000)
    assert out.plan.areas == {"S2": pytest.approx(450), "S3": pytest.approx(120)}
    assert out.plan.type_areas["elderly_care"] == {"S1": pytest.approx(300), "S3": pytest.approx(50)}
    assert ev.totals["co_located_plots"] == 1


def test_each_type_walks_within_its_own_reach_and_the_model_stays_sparse(tmp_path):
    scn = load_scenario(TYPES)
    inst = build_instance(scn)
    model, _ = build_planning_model(inst, scn.spec.objective, scn.standards.area_scope, None, None, scenario=scn)
    # service pairs within 1,000 m: A-S1, A-S2, B-S1, B-S2, C-S3; elderly within 500 m: A-S1, A-S2, B-S1, C-S3
    assert inst.n_pairs == 5
    assert model.var_blocks["type_assign:elderly_care"].stop - model.var_blocks["type_assign:elderly_care"].start == 4
    out = solve_scenario(TYPES)
    walks = {c["committee_id"]: c["elderly_care_distance_m"] for c in out.evaluation.committees}
    assert walks == {"A": 400.0, "B": 400.0, "C": 200.0}
    # at 350 m, B (400 m from S1, 854 m from S2) has no elderly-care plot in reach: no plan
    rc = main(["solve", str(TYPES), "--set", "facility_types.elderly_care.reach.walk_m=350", "--quiet",
               "--store", str(tmp_path / "runs.sqlite"), "--out", str(tmp_path / "out")])
    assert rc == 4


def test_a_scenario_without_types_builds_todays_model():
    scn = load_scenario(TINY / "tiny.yaml")
    assert scn.types is None
    inst = build_instance(scn)
    model, _ = build_planning_model(inst, scn.spec.objective, scn.standards.area_scope, None, None, scenario=scn)
    assert not [b for b in model.var_blocks if b.startswith(("type_", "co_location"))]


def test_a_types_column_limits_what_a_plot_hosts(tmp_path):
    # S1 may not host elderly care: A's goes to S2 (200 m²), B has no other plot in reach
    cells = ["service", "", ""]
    yaml = copy_tiny(tmp_path, sites_with("types", cells))
    scn = load_scenario(yaml)
    from siteplan.checks import prove_infeasible

    said = " ".join(prove_infeasible(scn, build_instance(scn)))
    assert "elderly_care" in said and "B" in said


@pytest.mark.parametrize(("sites", "overrides", "key"), [
    (sites_with("types", ["service", "service", "service"]), {}, "facility_types.elderly_care"),
    (None, {"co_location.saving": 150000}, "co_location.saving"),
    (sites_with("types", ["service;elderly_care", "service;elderly", ""]), {}, "column 'types'"),
    (None, {"co_location": {"pairs": [{"types": ["service", "canteen"], "saving": 1}]}},
     "co_location.pairs[0].types"),
    (None, {"facility_types.service": {"min_area_m2": 100}}, "facility_types.service"),
    (None, {"standards.elderly_care_area_per_100_households": True}, "facility_types.elderly_care"),
    (None, {"years": [2024, 2025], "co_location.saving": 150000}, "co_location.saving"),  # a timeline checks types too
])
def test_bad_input_names_file_and_key_and_writes_nothing(tmp_path, capsys, sites, overrides, key):
    yaml = copy_tiny(tmp_path, sites)
    args = ["solve", str(yaml), "--out", str(tmp_path / "out"), "--store", str(tmp_path / "runs.sqlite")]
    for k, v in overrides.items():
        args += ["--set", f"{k}={json.dumps(v)}"]
    assert main(args) == 3
    err = capsys.readouterr().err
    assert key in err and ("tiny_types.yaml" in err or "sites.csv" in err), err
    assert not (tmp_path / "out").exists()


def test_saving_above_the_fixed_costs_names_the_plot_and_the_limit():
    with pytest.raises(InputError) as exc:
        load_scenario(TYPES, overrides={"co_location.saving": 150000})
    assert "'S2'" in str(exc.value) and "100,000" in str(exc.value)


def test_shanghai_preset_states_1_plus_n_elderly_care_with_its_clause(tmp_path, capsys):
    text = TYPES.read_text(encoding="utf-8")
    yaml = copy_tiny(tmp_path)
    yaml.write_text(text.replace("extends: tiny.yaml", "extends: tiny.yaml\npreset: shanghai")
                    .split("facility_types:")[0] + "facility_types: {elderly_care: true, canteen: true}\n",
                    encoding="utf-8")
    scn = load_scenario(yaml)
    care = scn.types.get("elderly_care")
    assert care.centres.per_street == 1 and care.centres.min_area_m2 == 800 and care.centres.streets == "urban"
    assert "专栏3 #1" in care.source and "1+N" in care.source and "assumption" in care.source
    assert "assumption" in scn.types.get("canteen").source  # the plan gives no canteen size
    assert main(["presets", "show", "shanghai"]) == 0
    shown = capsys.readouterr().out
    for name in ("elderly_care", "canteen", "childcare", "health"):
        assert f"- {name} (" in shown
    assert "scenario assumption, not a standard" in shown and "毗邻建设" in shown


def test_check_catches_a_tampered_type_area_in_plan_json(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["solve", str(TYPES), "--out", str(out), "--quiet", "--store", str(tmp_path / "r.sqlite")]) == 0
    assert main(["check", str(out)]) == 0
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert {(f["site_id"], f["type"]) for f in doc["type_facilities"]} == {("S1", "elderly_care"), ("S3", "elderly_care")}
    assert (out / "type_facilities.csv").exists()
    s1 = next(f for f in doc["type_facilities"] if f["site_id"] == "S1")
    s1["area_m2"] = 250.0  # A and B need 300 m² of elderly care
    doc["committees"][2]["elderly_care_site_id"] = "S1"  # C: 2.6 km from S1
    (out / "plan.json").write_text(json.dumps(doc), encoding="utf-8")
    capsys.readouterr()
    assert main(["check", str(out)]) == 6
    said = capsys.readouterr()
    assert "type_area" in said.out + said.err and "type_reach" in said.out + said.err


def test_a_street_without_a_plot_large_enough_for_its_centre_is_proved_infeasible():
    # 1+N with a 700 m² centre on every street: hill's only plot, S3, holds 500 m²
    scn = load_scenario(TYPES, overrides={"facility_types.elderly_care.centres": {"min_area_m2": 700, "streets": "all"}})
    from siteplan.checks import prove_infeasible

    said = " ".join(prove_infeasible(scn, build_instance(scn)))
    assert "street hill" in said and "700" in said and "street east" not in said
