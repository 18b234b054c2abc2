"""Policy presets: the standards of each plan, each rule with its value, scope, kind and source.

A preset is a YAML file in `presets/`. A scenario's `standards:` block overrides values;
`resolve_standards` returns the values the model and checker use together with the rule
metadata (marked `overridden` where the scenario changed a value) for the compliance report.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel

from siteplan.errors import InputError
from siteplan.scenario.schema import WorkerBand

PRESET_NAMES = ("national", "shanghai", "shenyang", "panzhihua")


@dataclass
class Preset:
    name: str
    title: str
    document: str
    year: int
    reach_m: float
    rules: list[dict]
    #: facility types the preset states (siteplan.scenario.facility_types), with their sources
    types: dict = field(default_factory=dict)
    #: which types the plan asks to share a plot, and where (shown by `presets show`)
    co_location: dict = field(default_factory=dict)

    def rule(self, rule_id: str) -> dict:
        for r in self.rules:
            if r["id"] == rule_id:
                return r
        raise KeyError(rule_id)


def _setting(rule_id: str) -> property:
    """A named view of one rule's setting (read and write)."""
    return property(lambda self: self.settings[rule_id],
                    lambda self, value: self.settings.__setitem__(rule_id, value))


@dataclass
class ResolvedStandards:
    """The numbers the model enforces and the checker verifies, after overrides.

    `settings` holds each registered rule's resolved setting by rule id (None: the rule is
    off); the named properties are typed views of the built-in rules' settings.
    """

    preset: str
    settings: dict[str, Any]
    rules: list[dict] = field(default_factory=list)

    area_rate = _setting("area_per_100_households")  # committee kind -> m² per 100 households
    area_scope = _setting("area_scope")
    min_area = _setting("min_facility_area_m2")  # site kind -> m²
    workers_per_10k_urban = _setting("workers_per_10k_urban")
    bands = _setting("committee_workers")
    windows = _setting("windows")
    coverage = _setting("coverage")
    open_hours_per_day = _setting("open_hours_per_day")
    activity_share = _setting("activity_share")
    certified_share = _setting("certified_share")

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
                  year=int(raw["year"]), reach_m=float(raw["reach_m"]), rules=raw["rules"],
                  types=raw.get("facility_types") or {}, co_location=raw.get("co_location") or {})


def resolve_standards(preset: Preset, overrides: BaseModel) -> ResolvedStandards:
    """Preset values with the scenario's overrides applied, each turned into its rule's
    setting by the rule (siteplan.rules); rule metadata marks overrides. A rule the preset
    does not declare takes the rule's own default (None: off) unless the scenario sets it;
    a preset rule marked `opt_in: true` is stated but off until the scenario turns it on
    (`standards.<id>: true`, or its own values)."""
    from siteplan.rules import registered

    rules = copy.deepcopy(preset.rules)
    given = overrides.model_dump(exclude_none=True)
    declared = {r["id"] for r in rules}
    for rule in registered():
        if rule.schema is None or rule.id in declared:
            continue
        if rule.id in given or rule.default is not None:
            rules.append(dict(copy.deepcopy(rule.meta), id=rule.id, value=rule.default))
    for r in rules:
        r.setdefault("assessed", True)
        r["preset_value"] = r["value"]
        r["overridden"] = False
        if r["id"] in given:
            value = given[r["id"]]
            if value is True:  # "on": an opt-in rule with its preset's (or the rule's) values
                value = r["value"] if r["value"] is not None else next(
                    (x.default or x.meta.get("value") for x in registered() if x.id == r["id"]), None)
            r["value"] = None if value is False else value  # false turns a rule off
            r["overridden"] = True
    vals = {r["id"]: r["value"] for r in rules}
    off = {r["id"] for r in rules if r.get("opt_in") and r["id"] not in given}
    settings: dict[str, Any] = {}
    for rule in registered():
        if rule.schema is None:
            continue
        value = vals.get(rule.id)
        if rule.id in off or (value is None and rule.id not in declared and rule.id not in given):
            settings[rule.id] = None  # opt-in and not opted in, or not stated anywhere: off
            continue
        preset_value = next((r["preset_value"] for r in rules if r["id"] == rule.id), None)
        settings[rule.id] = rule.resolve(value, given, preset_value)
    return ResolvedStandards(preset=preset.name, settings=settings, rules=rules)
