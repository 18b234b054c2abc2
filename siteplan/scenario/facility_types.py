"""Several facility types on shared plots: `facility_types:` and `co_location:` resolved.

A scenario names the types besides `service` (综合服务设施, today's facility, whose values stay
`standards:`, `reach:` and the sites table's prices). Each type takes the preset's values
(`facility_types:` in presets/*.yaml, each with its source clause), overridden key by key by
the scenario. This module checks what can be checked before a model exists: a type no plot
may host, a co-location saving that would pay for a plot's fixed costs, a type that would
double the elderly-care rule. Model (siteplan/rules/facility_types.py) and checker
(siteplan/rules/_types_check.py) read these settings and compute their numbers apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from siteplan.errors import InputError

SERVICE = "service"
NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
ELDERLY_RULE = "elderly_care_area_per_100_households"


@dataclass(frozen=True)
class FacilityType:
    """One resolved type (not `service`)."""

    name: str
    title: str
    rate: dict  # m² per 100 households: {"all": n} | {"urban", "rural"} | {"new", "built", "rural"}
    min_area: float
    reach: Any  # schema.ReachSpec
    costs: dict  # fixed / per_m2 / opex_per_m2_year -> number or None (the site's own)
    centres: Any  # schema.TypeCentres, or None
    source: str  # where the values come from (preset clause, or "scenario")

    def reach_m(self, kind: str) -> float:
        return float(self.reach.metres(kind))


@dataclass(frozen=True)
class TypeSettings:
    types: tuple[FacilityType, ...]
    #: co-location: one saving per plot hosting >= 2 types, or {(type, type): saving}
    saving: float | None = None
    pairs: dict = field(default_factory=dict)
    #: a timeline year before the last: a committee may wait for a type (coverage is due at the end)
    partial: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (SERVICE, *(t.name for t in self.types))

    def get(self, name: str) -> FacilityType:
        return next(t for t in self.types if t.name == name)


def hosts(sites, name: str) -> np.ndarray:
    """Which plots may host type `name` (sites column `types`; blank = every type)."""
    if "types" not in sites.columns:
        return np.ones(len(sites), dtype=bool)
    cells = sites["types"].to_numpy(object)
    return np.array([c == "" or name in str(c).split(";") for c in cells], dtype=bool)


def type_price(sites, t: FacilityType, key: str, column: str) -> np.ndarray:
    """A type's price per plot: its own number, else the sites table's column."""
    v = t.costs.get(key)
    return np.full(len(sites), float(v)) if v is not None else sites[column].to_numpy(float)


def _bad(where: str, key: str, msg: str, fix: str) -> InputError:
    return InputError(msg, where=f"{where}: {key}", fix=fix)


def resolve_types(spec, preset, standards, sites, where: str) -> TypeSettings | None:
    """The scenario's facility types with the preset's values, checked; None without any."""
    given = spec.facility_types
    if not given:
        if spec.co_location is not None:
            raise _bad(where, "co_location", "co_location without facility_types: nothing can share a plot",
                       "declare facility_types, or remove co_location")
        return None
    types = []
    for name, value in given.items():
        key = f"facility_types.{name}"
        if not NAME.match(name):
            raise _bad(where, key, f"type name {name!r} is not a lower-case identifier",
                       "use letters, digits and _ (e.g. elderly_care)")
        if name == SERVICE:
            if value is True or value == {} or (not isinstance(value, bool) and not value.model_fields_set - {"title"}):
                continue
            raise _bad(where, key, "service is the community service facility itself: its values are "
                       "standards.area_per_100_households, standards.min_facility_area_m2, reach and the sites table",
                       "set those keys instead (facility_types.service may carry only a title)")
        if value is False:
            continue
        types.append(_one(name, value, preset, where))
    if ELDERLY_RULE in standards.settings and standards.settings[ELDERLY_RULE] and any(
            t.name == "elderly_care" for t in types):
        raise _bad(where, "facility_types.elderly_care", "the elderly_care type and the standard "
                   f"{ELDERLY_RULE} would both plan elderly-care floor area",
                   f"keep one: the type (its own plots and reach) or the standard (care space in the "
                   f"serving service facility); set standards.{ELDERLY_RULE}: false")
    ts = TypeSettings(types=tuple(types))
    ts = _co_location(ts, spec.co_location, where)
    _check_hosts(ts, sites, spec, where)
    _check_savings(ts, sites, where)
    return ts


def _one(name: str, value, preset, where: str) -> FacilityType:
    """Preset values (if the preset states the type), overridden key by key."""
    base = dict(preset.types.get(name, {})) if preset is not None else {}
    mine = {} if value is True else value.model_dump(exclude_unset=True)
    merged = {**{k: v for k, v in base.items() if k not in ("source", "assumption")}, **mine}
    if "costs" in base and "costs" in mine:
        merged["costs"] = {**base["costs"], **mine["costs"]}
    from siteplan.scenario.schema import FacilityTypeSpec

    spec = FacilityTypeSpec.model_validate(merged)
    key = f"facility_types.{name}"
    for need in ("area_per_100_households", "reach"):
        if getattr(spec, need) is None:
            raise _bad(where, f"{key}.{need}", f"the {preset.name if preset else ''} preset states no {need} "
                       f"for type {name!r}", f"give facility_types.{name}.{need}")
    rate: Any = spec.area_per_100_households
    if isinstance(rate, dict):
        if any(v < 0 for v in rate.values()):
            raise _bad(where, f"{key}.area_per_100_households", "a rate is negative", "give rates >= 0")
        if {"new", "built"} & rate.keys() and "urban" in rate:
            raise _bad(where, f"{key}.area_per_100_households", "urban and new/built both given",
                       "give {urban, rural} or {new, built, rural}")
        rate = {k: float(rate.get(k, 0.0)) for k in
                (("new", "built", "rural") if {"new", "built"} & rate.keys() else ("urban", "rural"))}
    else:
        if rate < 0:
            raise _bad(where, f"{key}.area_per_100_households", "the rate is negative", "give a rate >= 0")
        rate = {"urban": float(rate), "rural": float(rate)}
    src = base.get("source") or ""
    if base.get("assumption"):
        src += f" (scenario assumption, not a standard: {base['assumption']})"
    source = src + ("; overridden by the scenario" if mine and src else "" if src else "set by the scenario")
    return FacilityType(name=name, title=spec.title or name, rate=rate, min_area=float(spec.min_area_m2 or 0.0),
                        reach=spec.reach, costs=(spec.costs.model_dump() if spec.costs else {}),
                        centres=spec.centres, source=source)


def _co_location(ts: TypeSettings, co, where: str) -> TypeSettings:
    if co is None:
        return ts
    if co.saving is not None:
        return TypeSettings(types=ts.types, saving=float(co.saving))
    pairs: dict = {}
    for i, p in enumerate(co.pairs):
        a, b = p.types
        for t in (a, b):
            if t not in ts.names:
                raise _bad(where, f"co_location.pairs[{i}].types", f"{t!r} is not a facility type of this scenario",
                           f"use {', '.join(ts.names)}")
        if a == b or frozenset((a, b)) in pairs:
            raise _bad(where, f"co_location.pairs[{i}].types", f"the pair {a}, {b} is repeated or not a pair",
                       "name each pair of two different types once")
        pairs[frozenset((a, b))] = float(p.saving)
    return TypeSettings(types=ts.types, pairs=pairs)


def _check_hosts(ts: TypeSettings, sites, spec, where: str) -> None:
    excluded = sites["excluded"].to_numpy(bool)
    for name in ts.names:
        if not (hosts(sites, name) & ~excluded).any():
            raise _bad(where, f"facility_types.{name}", f"no candidate site may host type {name!r}",
                       f"list {name} in the types column of {spec.data.sites} for some plot (blank = every type)")
    gone = (sites["existing_area_m2"].to_numpy(float) > 0) & ~hosts(sites, SERVICE)
    if gone.any():
        sid = sites["id"].iloc[int(np.argmax(gone))]
        raise InputError(f"site {sid!r} has an existing service facility but its types leave out service",
                         where=f"{spec.data.sites}, column 'types'", fix="add service to its types")


def fixed_costs(ts: TypeSettings, sites) -> dict[str, np.ndarray]:
    """Each type's fixed cost per plot (service: the sites table's fixed_cost)."""
    out = {SERVICE: sites["fixed_cost"].to_numpy(float)}
    for t in ts.types:
        out[t.name] = type_price(sites, t, "fixed", "fixed_cost")
    return out


def plot_saving(ts: TypeSettings, present: list[str]) -> float:
    """The co-location saving of one plot hosting `present` (checker and validation)."""
    if len(present) < 2:
        return 0.0
    if ts.saving is not None:
        return ts.saving
    return sum(ts.pairs.get(frozenset(p), 0.0) for p in combinations(sorted(present), 2))


def _check_savings(ts: TypeSettings, sites, where: str) -> None:
    """Savings may not exceed what they share: on every plot and every set of two or more
    types it may host, the fixed costs less the saving stay at least the largest one's."""
    if ts.saving is None and not ts.pairs:
        return
    fixed = fixed_costs(ts, sites)
    can = {n: hosts(sites, n) for n in ts.names}
    for k in range(2, len(ts.names) + 1):
        for group in combinations(ts.names, k):
            both = np.logical_and.reduce([can[n] for n in group])
            if not both.any():
                continue
            f = np.vstack([fixed[n] for n in group])
            room = f.sum(axis=0) - f.max(axis=0)
            save = plot_saving(ts, list(group))
            bad = both & (save > room + 1e-6)
            if bad.any():
                i = int(np.argmax(bad))
                key = "co_location.saving" if ts.saving is not None else "co_location.pairs"
                costs = ", ".join(f"{n} {fixed[n][i]:,.0f}" for n in group)
                raise _bad(where, key, f"co-location saves {save:,.0f} on plot {sites['id'].iloc[i]!r} hosting "
                           f"{', '.join(group)}, more than the fixed costs it shares ({costs}: at most "
                           f"{room[i]:,.0f})", f"lower the saving to at most {room[i]:,.0f}, or raise the fixed costs")
