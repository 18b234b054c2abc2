"""Every kind of bad input gets one clear message (file, row or key, fix), a non-zero exit
code and no traceback; nothing is solved when a cheap proof shows no plan exists."""

from __future__ import annotations

import pytest
from badinput import edit, expect, write


def test_missing_key(tiny_dir, run_cli):
    text = (tiny_dir / "tiny.yaml").read_text().replace("name: tiny\n", "")
    expect(run_cli, ["validate", write(tiny_dir / "t.yaml", text)], 3, "missing required key 'name'", "t.yaml")


def test_misspelled_key_suggests_the_right_one(tiny_dir, run_cli):
    text = (tiny_dir / "tiny.yaml").read_text().replace("objective:", "objectve:")
    expect(run_cli, ["validate", write(tiny_dir / "t.yaml", text)], 3, "unknown key 'objectve'",
            "did you mean 'objective'")


def test_misspelled_nested_key(tiny_dir, run_cli):
    text = (tiny_dir / "tiny.yaml").read_text().replace("horizon_years", "horizon_yeers")
    expect(run_cli, ["validate", write(tiny_dir / "t.yaml", text)], 3, "costs.horizon_yeers",
            "did you mean 'horizon_years'")


def test_wrong_type(tiny_dir, run_cli):
    text = (tiny_dir / "tiny.yaml").read_text().replace("horizon_years: 5", "horizon_years: five")
    expect(run_cli, ["validate", write(tiny_dir / "t.yaml", text)], 3, "costs.horizon_years", "five")


def test_unknown_preset(tiny_dir, run_cli):
    text = (tiny_dir / "tiny.yaml").read_text().replace("preset: national", "preset: shanghia")
    expect(run_cli, ["validate", write(tiny_dir / "t.yaml", text)], 3, "unknown preset 'shanghia'",
            "did you mean 'shanghai'")


@pytest.mark.parametrize("value", ["0", "-5", "12.5", "many"])
def test_bad_households(tiny_dir, run_cli, value):
    edit(tiny_dir / "committees.csv", "A,east,0,0,1000,", f"A,east,0,0,{value},")
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 3, "committees.csv, line 2", "households",
            "positive whole number")


def test_duplicate_ids(tiny_dir, run_cli):
    edit(tiny_dir / "sites.csv", "S2,east", "S1,east")
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 3, "sites.csv, line 3", "duplicate site id 'S1'",
            "first on line 2")


def test_missing_column_suggests_a_rename(tiny_dir, run_cli):
    edit(tiny_dir / "committees.csv", "households", "houshold")
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 3, "no 'households' column",
            "rename column 'houshold' to 'households'")


def test_bad_kind(tiny_dir, run_cli):
    edit(tiny_dir / "committees.csv", ",urban\n", ",city\n")
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 3, "kind is 'city'", "urban, rural")


def test_unreadable_and_missing_files(tiny_dir, run_cli):
    expect(run_cli, ["validate", tiny_dir / "nope.yaml"], 3, "nope.yaml", "file not found")
    (tiny_dir / "sites.csv").unlink()
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 3, "sites table not found", "data.sites")
    write(tiny_dir / "bad.yaml", "name: [unclosed\n")
    expect(run_cli, ["validate", tiny_dir / "bad.yaml"], 3, "invalid YAML at line")
    (tiny_dir / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    expect(run_cli, ["validate", tiny_dir / "latin1.yaml"], 3, "not UTF-8")


def test_yaml_aliases_and_extends_cycles_are_refused(tiny_dir, run_cli):
    text = (tiny_dir / "tiny.yaml").read_text() + "description: &d x\nextra: *d\n"
    expect(run_cli, ["validate", write(tiny_dir / "t.yaml", text)], 3, "aliases")
    write(tiny_dir / "a.yaml", "extends: b.yaml\n")
    write(tiny_dir / "b.yaml", "extends: a.yaml\n")
    expect(run_cli, ["validate", tiny_dir / "a.yaml"], 3, "cycle")


def test_extends_inherits_and_overrides(tiny_dir, run_cli):
    sub = tiny_dir / "variants"
    sub.mkdir()
    write(sub / "v.yaml", "extends: ../tiny.yaml\nname: tiny-v\ncosts: {worker_per_year: 50000}\n")
    from siteplan.scenario.load import load_scenario

    scn = load_scenario(sub / "v.yaml")
    assert scn.name == "tiny-v"
    assert scn.spec.costs.worker_per_year == 50000 and scn.spec.costs.horizon_years == 5  # merged
    assert scn.spec.data.committees.endswith("tiny/committees.csv")  # relative to the parent file


def test_committee_with_no_site_in_reach(tiny_dir, run_cli):
    edit(tiny_dir / "committees.csv", "C,hill,3000,0", "C,hill,6000,0")
    expect(run_cli, ["solve", tiny_dir / "tiny.yaml", "--out", tiny_dir / "o"], 4,
            "committee C has no candidate site within 1,000 m", "nearest: C → S3 at 3,007 m")
    import json

    doc = json.loads((tiny_dir / "o" / "plan.json").read_text(encoding="utf-8"))
    assert doc["status"] == "infeasible"  # the diagnosis, not a plan
    assert (tiny_dir / "o" / "diagnostic_plan.json").exists() and (tiny_dir / "o" / "diagnosis.txt").exists()
    assert not (tiny_dir / "o" / "facilities.csv").exists()  # nothing that looks like a compliant plan


def test_budget_below_what_the_rules_need(tiny_dir, run_cli):
    # capex: S1 or S2 must hold A (and S3 must open for C): at least 0.5M + the cheapest m2
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml", "--set", "budget.capex=1e5"], 4,
            "capex budget 0.1M is below the")
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml", "--set", "budget.opex_per_year=5e5"], 4,
            "opex budget 0.5M a year is below the 1.1M a year", "10 workers")


def test_worker_bands_that_cannot_reach_the_density(tiny_dir, run_cli):
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml", "--set", "standards.workers_per_10k_urban=60"], 4,
            "bands allow at most 22 urban workers", "needs 24")


def test_area_cap_below_a_committee_need(tiny_dir, run_cli):
    edit(tiny_dir / "sites.csv", "S3,hill,3000,200,rural,200000,2500,100,500", "S3,hill,3000,200,rural,200000,2500,100,100")
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 4, "committee C needs 120 m²", "more than 100 m²")


def test_plots_that_cannot_hold_their_committees_together(tiny_dir, run_cli):
    edit(tiny_dir / "sites.csv", "S1,east,400,0,urban,500000,4000,200,1000", "S1,east,400,0,urban,500000,4000,200,310")
    edit(tiny_dir / "sites.csv", "S2,east,0,300,urban,100000,5000,200,600", "S2,east,0,300,urban,100000,5000,200,130")
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 4, "committees A, B need 450 m² together",
            "allow only 440 m²")


def test_bad_set_and_bad_output_folder(tiny_dir, run_cli):
    expect(run_cli, ["solve", tiny_dir / "tiny.yaml", "--set", "budget"], 3, "not KEY=VALUE")
    blocker = tiny_dir / "file"
    blocker.write_text("x")
    expect(run_cli, ["solve", tiny_dir / "tiny.yaml", "--out", blocker / "sub"], 3, "cannot create --out", "is a file")


def test_check_on_a_folder_without_a_plan(tmp_path, run_cli):
    expect(run_cli, ["check", tmp_path], 3, "no plan.json here")


def test_existing_facility_cannot_be_excluded(tiny_dir, run_cli):
    text = (tiny_dir / "sites.csv").read_text().splitlines()
    text[0] += ",existing_area_m2,excluded"
    text[1] += ",200,true"
    text[2] += ",0,false"
    text[3] += ",0,false"
    (tiny_dir / "sites.csv").write_text("\n".join(text) + "\n")
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 3, "existing facility cannot be excluded", "line 2")
