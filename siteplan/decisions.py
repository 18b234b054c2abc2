"""A Plan: what a plan decides, and nothing derived.

Its own module so that the model side (decode, the warm-start heuristic) can make plans
without importing the checker (`siteplan.plan`), which re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Plan:
    """What a plan decides; everything else is derived by `siteplan.plan.evaluate`."""

    areas: dict[str, float]  # open site id -> floor area m²
    windows: dict[str, int]  # open site id -> service windows (window rule only)
    assignment: dict[str, str | None]  # committee id -> serving site id, or None
    workers: dict[str, int]  # committee id -> community workers
    #: decisions a rule adds (its field -> {site id: value}), e.g. elderly-care floor area
    extra: dict[str, dict[str, float]] = field(default_factory=dict)
    #: facility types besides service (siteplan.scenario.facility_types): type -> {site id:
    #: floor area m²} for each open facility of the type, and type -> {committee id: site id}
    type_areas: dict[str, dict[str, float]] = field(default_factory=dict)
    type_assignment: dict[str, dict[str, str | None]] = field(default_factory=dict)
