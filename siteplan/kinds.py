"""The closed sets of names a scenario and a solve use: what is optimised and where floor
area is counted. (Why a run stopped is `siteplan.result.Termination`.)

A leaf module, importing nothing from siteplan, so that the scenario schema, the policy
rules, the model builder and the pipeline can all use these without an import cycle (the
schema itself imports the rules, and the model layer sits below the scenario layer).

They are `StrEnum`s: each member *is* its string, so `json.dumps`, f-strings, CSV cells and
SQLite columns get the plain value ("min_cost"), and a value read back from plan.json or the
run store compares equal to its member. Only `yaml.safe_dump` refuses them; the one place
that dumps scenario YAML (`runrecord.write_bundle`) gets a mapping that went through JSON.
"""

from __future__ import annotations

import enum


class Objective(enum.StrEnum):
    """What a scenario asks the planning model to optimise (`objective:`)."""

    MIN_COST = "min_cost"
    MAX_COVERAGE = "max_coverage"
    MIN_DISTANCE = "min_distance"


class Phase(enum.StrEnum):
    """What a model optimises (`Model.meta["objective"]`; plan.json `solver.phases[].phase`):
    the scenario's objective; the second phase of max_coverage, which finds the cheapest plan
    that keeps the coverage the first phase reached; or the elastic (diagnosis) model's
    weighted shortfalls."""

    MIN_COST = "min_cost"
    MAX_COVERAGE = "max_coverage"
    MIN_DISTANCE = "min_distance"
    MIN_COST_AT_MAX_COVERAGE = "min_cost_at_max_coverage"
    ELASTIC = "elastic"


#: phases whose objective is money (total cost): their gap is a gap in CNY
MONEY_PHASES = (Phase.MIN_COST, Phase.MIN_COST_AT_MAX_COVERAGE)


class AreaScope(enum.StrEnum):
    """Where the floor-area-per-100-households rule is counted (`standards.area_scope`):
    each facility for the households it serves, or each street's facilities together for the
    street's households (Shanghai 三(三)1 以街镇为单位)."""

    FACILITY = "facility"
    STREET = "street"
