"""Presets carry the values of STANDARDS.md with their source clauses."""

from __future__ import annotations

import pytest

from siteplan.scenario.presets import PRESET_NAMES, load_preset, resolve_standards
from siteplan.scenario.schema import Standards


def _std(name, **over):
    return resolve_standards(load_preset(name), Standards(**over))


def test_values_from_the_source_plans():
    sh = _std("shanghai")
    assert sh.area_rate == {"urban": 30, "rural": 30} and sh.area_scope == "street"
    assert sh.workers_per_10k_urban == 18
    band = sh.band_for(1200, "urban")
    assert (band.min, band.max) == (4, 11)
    sy = _std("shenyang")
    assert sy.area_rate == {"urban": 40, "rural": 30}
    assert sy.min_area["urban"] == 600 and sy.min_area["rural"] == 350
    assert sy.workers_per_10k_urban == 22 and sy.activity_share == 0.8
    pz = _std("panzhihua")
    assert pz.windows.residents_per_window == 5000 and pz.windows.extra_staff == 1
    assert pz.min_area["urban"] == 400 and pz.min_area["centre"] == 800
    assert pz.coverage == {"urban": 1.0, "rural": 0.5}
    na = _std("national")
    assert na.area_rate["urban"] == 30 and na.workers_per_10k_urban == 18 and na.open_hours_per_day == 8


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_rule_has_metadata(name):
    for r in load_preset(name).rules:
        assert r["source"] and r["kind"] in ("binding", "expected", "standard", "default")
        assert {"id", "title", "value", "unit", "scope"} <= set(r)


def test_overrides_are_marked():
    st = _std("shanghai", area_per_100_households=35, windows=False)
    rule = st.rule("area_per_100_households")
    assert rule["overridden"] and rule["preset_value"] == {"urban": 30, "rural": 30}
    assert st.area_rate == {"urban": 35, "rural": 35} and st.windows is None
    assert not st.rule("workers_per_10k_urban")["overridden"]
    partial = _std("shenyang", area_per_100_households={"urban": 45})
    assert partial.area_rate == {"urban": 45, "rural": 30}


def test_presets_cli(run_cli):
    code, out, _ = run_cli("presets")
    assert code == 0 and all(n in out for n in PRESET_NAMES)
    code, out, _ = run_cli("presets", "show", "panzhihua")
    assert code == 0 and "按照辖区居民5000人设置一个综合服务窗口" in out and "residents_per_window" in out
