"""The elderly-care rule (Shenyang 专栏4 #5), added as one rule module plus preset lines:
in the presets, the model, the checker, the diagnosis and the report.

Worked on scenarios/tiny with a `residential` column: A (1,000 households, new) needs 35 m²
per 100 households = 350 m² of care, B (500, built by default) 125 m², C is rural: 0.
A+B at S1: 450 m² facility + 475 m² care = 925 m² of its 1,000 m² plot;
500k + 4,000·925 + 5·200·925 = 5.125M; C at S3 0.56M; workers 5.00M: 10.685M in all
(splitting A and B over S1 and S2 costs 5.5M for the two).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from siteplan.errors import InputError
from siteplan.pipeline import solve_scenario
from siteplan.plan import evaluate
from siteplan.report.outputs import read_plan_dir, write_outputs
from siteplan.scenario.load import load_scenario

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny"
RULE = "elderly_care_area_per_100_households"
ON = {f"standards.{RULE}": True}
COMMITTEES = """\
id,street,x,y,households,residents,kind,residential
A,east,0,0,1000,2600,urban,new
B,east,800,0,500,1300,urban,
C,hill,3000,0,400,1200,rural,new
"""


def city(tmp_path, committees=COMMITTEES, sites=None, preset=None) -> Path:
    d = tmp_path / "city"
    shutil.copytree(TINY, d)
    (d / "committees.csv").write_text(committees, encoding="utf-8")
    if sites:
        (d / "sites.csv").write_text(sites, encoding="utf-8")
    if preset:
        text = (d / "tiny.yaml").read_text(encoding="utf-8").replace("preset: national", f"preset: {preset}")
        (d / "tiny.yaml").write_text(text, encoding="utf-8")
    return d / "tiny.yaml"


def test_the_worked_optimum_and_its_plan_json(tmp_path):
    said = []
    out = solve_scenario(city(tmp_path), overrides=ON, progress=said.append)
    assert out.plan.extra["elderly_care_area_m2"] == {"S1": pytest.approx(475), "S3": pytest.approx(0)}
    t = out.evaluation.totals
    assert t["total_cost"] == pytest.approx(10_685_000) and t["elderly_care_area_m2"] == pytest.approx(475)
    assert not [m for m in said if "breaks" in m]  # the heuristic's start fits the rule's rows
    (row,) = [r for r in out.evaluation.compliance if r["rule"] == RULE]
    assert row["ok"] and row["required"] == {"new": 35, "built": 25} and "专栏4 #5" in row["source"]
    folder = write_outputs(out, tmp_path / "out")
    doc = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    s1 = next(f for f in doc["facilities"] if f["site_id"] == "S1")
    assert s1["elderly_care_area_m2"] == pytest.approx(475) and s1["elderly_care_need_m2"] == pytest.approx(475)
    assert s1["capex"] == pytest.approx(500_000 + 4000 * 925)  # care is costed like floor area
    scn, plan, doc = read_plan_dir(folder)  # `siteplan check` re-reads the care area
    assert plan.extra["elderly_care_area_m2"]["S1"] == pytest.approx(475)
    assert evaluate(scn, plan, doc["totals"]).ok


def test_off_unless_the_scenario_turns_it_on(tmp_path):
    for preset in ("national", "shenyang"):
        scn = load_scenario(city(tmp_path / preset, preset=preset))
        assert scn.standards.settings[RULE] is None
        out = solve_scenario(scn)
        assert not [r for r in out.evaluation.compliance if r["rule"] == RULE]
        assert "elderly_care" not in out.model.row_blocks and "elderly_care_area_m2" not in out.evaluation.totals
    # the Shenyang preset states the clause's numbers; `true` takes them
    scn = load_scenario(city(tmp_path / "on", preset="shenyang"), ON)
    assert scn.standards.settings[RULE] == {"new": 35.0, "built": 25.0}
    scn = load_scenario(city(tmp_path / "own", preset="shenyang"), {f"standards.{RULE}": {"new": 40}})
    assert scn.standards.settings[RULE] == {"new": 40.0, "built": 25.0}


def test_without_the_column_every_committee_counts_as_built(tmp_path):
    plain = COMMITTEES.replace(",residential", "").replace(",new\n", "\n").replace(",\n", "\n")
    out = solve_scenario(city(tmp_path, committees=plain), overrides=ON)
    assert out.evaluation.totals["elderly_care_area_m2"] == pytest.approx(25 * 15)  # A+B 1,500 households


def test_a_bad_residential_value_names_the_column(tmp_path):
    with pytest.raises(InputError) as exc:
        load_scenario(city(tmp_path, committees=COMMITTEES.replace("urban,new", "urban,old")), ON)
    assert "residential" in str(exc.value.render())


def test_diagnosis_says_the_care_area_short_in_english_and_chinese(tmp_path):
    from siteplan.analysis.explain import explain_infeasible
    from siteplan.report.words_zh import shortfall_zh

    # A alone needs 300 + 350 m², but no plot holds more than 500: the binding area rule and the
    # plot caps hold, the care area (a standard) gives
    small = """\
id,street,x,y,kind,fixed_cost,cost_per_m2,opex_per_m2_year,max_area_m2
S1,east,400,0,urban,500000,4000,200,500
S2,east,0,300,urban,100000,5000,200,500
S3,hill,3000,200,rural,200000,2500,100,500
"""
    diag = explain_infeasible(load_scenario(city(tmp_path, sites=small), ON))
    (sf,) = [s for s in diag.shortfalls if s.group == "elderly_care"]
    assert sf.rule == RULE and sf.kind == "standard" and sf.amount > 0
    assert "less elderly-care floor area than 35 (new) / 25 (built) m² per 100 urban households" in sf.text
    assert "社区居家养老服务设施面积比新建居住区每百户35平方米" in shortfall_zh(sf.as_dict())


def test_binding_nudges_and_report_names_come_from_the_rule(tmp_path):
    from siteplan.analysis.binding import default_nudges
    from siteplan.report.i18n import RULE_NAMES, Labels

    keys = [n.key for n in default_nudges(load_scenario(city(tmp_path), ON))]
    assert RULE in keys
    assert RULE_NAMES[RULE][0] == "每百户配建社区居家养老服务设施建筑面积"
    assert Labels("zh").note("elderly care for 1,500 households") == "服务1,500户的居家养老服务设施"


def _facility_table(html: str) -> tuple[list[str], list[list[str]]]:
    """(headers, rows of cell texts) of the report's facilities table."""
    import re

    table = html[html.index("id='costs'"):]
    table = table[table.index("<table>"):table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r) for r in rows]
    return cells[0], cells[1:]


@pytest.mark.parametrize("lang, header", [("en", "Elderly-care area m²"), ("zh", "养老服务面积 m²")])
def test_report_facilities_table_shows_the_care_area(tmp_path, lang, header):
    from siteplan.report.html import build_report

    out = write_outputs(solve_scenario(TINY / "tiny_elderly.yaml"), tmp_path / "out")
    head, rows = _facility_table(build_report(out, tmp_path / "r.html", lang=lang).read_text(encoding="utf-8"))
    assert head.index(header) == head.index("Area m²" if lang == "en" else "面积 m²") + 1
    care = {r[0]: r[head.index(header)] for r in rows}
    assert care == {"S1": "475", "S3": "0"}  # A (new) 350 + B (built) 125 at S1; C rural


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_without_the_rule_has_no_care_column(tmp_path, lang):
    from siteplan.report.html import build_report

    out = write_outputs(solve_scenario(TINY / "tiny.yaml"), tmp_path / "out")
    html = build_report(out, tmp_path / "r.html", lang=lang).read_text(encoding="utf-8")
    head, rows = _facility_table(html)
    assert len(head) == 7 and all(len(r) == 7 for r in rows)
    assert "Elderly-care area" not in html and "养老服务面积" not in html
