"""Policy presets: the standards of each plan, each rule with its value, scope, kind and source.

A preset is a YAML file in `presets/`. A scenario's `standards:` block overrides values;
`resolve_standards` returns the values the model and checker use together with the rule
metadata (marked `overridden` where the scenario changed a value) for the compliance report.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from importlib import resources

import yaml

from siteplan.errors import InputError
from siteplan.scenario.schema import SITE_KINDS, Standards, WindowRule, WorkerBand

PRESET_NAMES = ("national", "shanghai", "shenyang", "panzhihua")


@dataclass
class Preset:
    name: str
    title: str
    document: str
    year: int
    reach_m: float
    rules: list[dict]

    def rule(self, rule_id: str) -> dict:
        for r in self.rules:
            if r["id"] == rule_id:
                return r
        raise KeyError(rule_id)


@dataclass
class ResolvedStandards:
    """The numbers the model enforces and the checker verifies, after overrides."""

    preset: str
    area_rate: dict[str, float]  # committee kind -> m² per 100 households
    area_scope: str
    min_area: dict[str, float]  # site kind -> m²
    workers_per_10k_urban: float
    bands: list[WorkerBand]
    windows: WindowRule | None
    coverage: dict[str, float]
    open_hours_per_day: float
    activity_share: float
    certified_share: float
    rules: list[dict] = field(default_factory=list)

    def rule(self, rule_id: str) -> dict:
        for r in self.rules:
            if r["id"] == rule_id:
                return r
        return {"id": rule_id, "source": "", "kind": "default", "title": rule_id}

    def band_for(self, households: int, kind: str) -> WorkerBand | None:
        for b in self.bands:
            if b.covers(households, kind):
                return b
        return None


def load_preset(name: str) -> Preset:
    if name not in PRESET_NAMES:
        import difflib

        near = difflib.get_close_matches(name, PRESET_NAMES, n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        raise InputError(f"unknown preset {name!r}",
                         fix=f"{hint}use one of: {', '.join(PRESET_NAMES)} (siteplan presets)")
    text = resources.files("siteplan.scenario").joinpath("presets", f"{name}.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    return Preset(name=raw["name"], title=raw["title"], document=raw["document"],
                  year=int(raw["year"]), reach_m=float(raw["reach_m"]), rules=raw["rules"])


def _by_kind(value, keys) -> dict[str, float]:
    if isinstance(value, dict):
        return {k: float(value.get(k, 0.0)) for k in keys}
    return {k: float(value) for k in keys}


def resolve_standards(preset: Preset, overrides: Standards) -> ResolvedStandards:
    """Preset values with the scenario's overrides applied; rule metadata marks overrides."""
    rules = copy.deepcopy(preset.rules)
    given = overrides.model_dump(exclude_none=True)
    for r in rules:
        r.setdefault("assessed", True)
        r["preset_value"] = r["value"]
        r["overridden"] = False
        if r["id"] in given:
            value = given[r["id"]]
            if r["id"] == "windows" and value is False:
                value = None
            r["value"] = value
            r["overridden"] = True
    vals = {r["id"]: r["value"] for r in rules}
    windows = vals.get("windows")
    area_rate = _by_kind(vals["area_per_100_households"], ("urban", "rural"))
    # a partial by-kind override keeps the preset's value for the kind it does not name
    for key, pv, keys in (("area_per_100_households", "area_rate", ("urban", "rural")),):
        if isinstance(given.get(key), dict):
            base = _by_kind(preset.rule(key)["value"], keys)
            area_rate = {k: float(given[key].get(k, base[k])) for k in keys}
    min_area = _by_kind(vals["min_facility_area_m2"], SITE_KINDS)
    if isinstance(given.get("min_facility_area_m2"), dict):
        base = _by_kind(preset.rule("min_facility_area_m2")["value"], SITE_KINDS)
        min_area = {k: float(given["min_facility_area_m2"].get(k, base[k])) for k in SITE_KINDS}
    coverage = _by_kind(vals["coverage"], ("urban", "rural"))
    return ResolvedStandards(
        preset=preset.name,
        area_rate=area_rate,
        area_scope=str(vals["area_scope"]),
        min_area=min_area,
        workers_per_10k_urban=float(vals["workers_per_10k_urban"]),
        bands=[b if isinstance(b, WorkerBand) else WorkerBand(**b) for b in vals["committee_workers"]],
        windows=None if not windows else (windows if isinstance(windows, WindowRule) else WindowRule(**windows)),
        coverage=coverage,
        open_hours_per_day=float(vals["open_hours_per_day"]),
        activity_share=float(vals["activity_share"]),
        certified_share=float(vals["certified_share"]),
        rules=rules,
    )
