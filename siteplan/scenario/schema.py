"""The scenario schema: the single source of truth for what a scenario file may say.

Unknown keys are rejected (with a did-you-mean in the loader's message). Standards given
here override the preset's values; the compliance report marks them as overridden.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

KINDS = ("urban", "rural")
SITE_KINDS = ("urban", "rural", "centre")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataTables(Strict):
    committees: str
    sites: str
    #: optional sparse walking distances: committee,site,metres (method: matrix)
    distances: str | None = None


def _known_distance(v: str) -> str:
    """The distance kinds are whatever `siteplan.distance` has registered."""
    from siteplan import distance

    if v not in distance.names():
        raise ValueError(f"unknown distance method {v!r}; use one of: {', '.join(distance.names())}")
    return v


class DistanceSpec(Strict):
    #: a registered distance kind (siteplan/distance/): euclidean, haversine, matrix, ...
    method: str = "euclidean"
    #: network / crow-flies detour factor applied to computed distances (1.0 = none)
    circuity: float = Field(1.0, ge=1.0, le=3.0)

    @field_validator("method")
    @classmethod
    def _known_method(cls, v: str) -> str:
        return _known_distance(v)


class ReachSpec(Strict):
    walk_m: float | None = Field(None, gt=0, le=50_000)
    minutes: float | None = Field(None, gt=0, le=600)
    speed_m_per_min: float | None = Field(None, gt=0, le=500)
    #: a different reach for rural committees (villages are far apart)
    rural_walk_m: float | None = Field(None, gt=0, le=100_000)

    @model_validator(mode="after")
    def one_way(self):
        if self.walk_m is None and self.minutes is None:
            raise ValueError("give walk_m, or minutes and speed_m_per_min")
        if self.walk_m is not None and self.minutes is not None:
            raise ValueError("give walk_m or minutes, not both")
        if self.minutes is not None and self.speed_m_per_min is None:
            raise ValueError("minutes needs speed_m_per_min (e.g. 60 m/min for all ages)")
        return self

    def metres(self, kind: str = "urban") -> float:
        if kind == "rural" and self.rural_walk_m is not None:
            return float(self.rural_walk_m)
        if self.walk_m is not None:
            return float(self.walk_m)
        return float(self.minutes) * float(self.speed_m_per_min)


class WorkerBand(Strict):
    households: tuple[int, int | None]
    min: int = Field(ge=0, le=1000)
    max: int = Field(ge=0, le=1000)
    kind: Literal["urban", "rural"] | None = None

    @model_validator(mode="after")
    def ordered(self):
        lo, hi = self.households
        if lo < 0 or (hi is not None and hi < lo):
            raise ValueError(f"households range [{lo}, {hi}] is not ordered")
        if self.max < self.min:
            raise ValueError(f"max {self.max} is below min {self.min}")
        return self

    def covers(self, households: int, kind: str) -> bool:
        lo, hi = self.households
        return lo <= households and (hi is None or households <= hi) and self.kind in (None, kind)

    def overlaps(self, other: WorkerBand) -> bool:
        """Some committee would fall in both (bands of different kinds never share one)."""
        if self.kind is not None and other.kind is not None and self.kind != other.kind:
            return False
        (a, b), (c, d) = self.households, other.households
        return (b is None or c <= b) and (d is None or a <= d)

    def label(self) -> str:
        lo, hi = self.households
        return f"[{lo}, {'null' if hi is None else hi}]" + (f" ({self.kind})" if self.kind else "")


class WindowRule(Strict):
    residents_per_window: int = Field(5000, gt=0)
    extra_staff: int = Field(1, ge=0)


ByKind = dict[Literal["urban", "rural"], float]
BySiteKind = dict[Literal["urban", "rural", "centre"], float]


class Standards(Strict):
    """Every value is optional here: missing ones come from the preset."""

    area_per_100_households: float | ByKind | None = None
    area_scope: Literal["facility", "street"] | None = None
    min_facility_area_m2: float | BySiteKind | None = None
    workers_per_10k_urban: float | None = Field(None, ge=0, le=1000)
    committee_workers: list[WorkerBand] | None = None
    windows: WindowRule | None | Literal[False] = None
    coverage: ByKind | None = None
    open_hours_per_day: float | None = Field(None, ge=0, le=24)
    activity_share: float | None = Field(None, ge=0, le=1)
    certified_share: float | None = Field(None, ge=0, le=1)

    @field_validator("committee_workers")
    @classmethod
    def bands_apart(cls, bands):
        """A committee in two bands would get whichever comes first: say so instead."""
        for i, a in enumerate(bands or []):
            for b in bands[i + 1:]:
                if a.overlaps(b):
                    raise ValueError(f"bands {a.label()} and {b.label()} overlap; a committee must fall "
                                     "in one band (bands of different kind: may overlap)")
        return bands

    @field_validator("area_per_100_households", "min_facility_area_m2")
    @classmethod
    def non_negative(cls, v):
        vals = v.values() if isinstance(v, dict) else [v]
        if any(x is not None and x < 0 for x in vals):
            raise ValueError("must not be negative")
        return v


class Costs(Strict):
    worker_per_year: float = Field(120_000, ge=0)
    horizon_years: float = Field(5, gt=0, le=100)


class Budget(Strict):
    capex: float | None = Field(None, ge=0)
    opex_per_year: float | None = Field(None, ge=0)


class FacilityProgram(Strict):
    """What the bureau declares about how facilities run: checked against the standards."""

    open_hours_per_day: float = Field(8, ge=0, le=24)
    activity_share: float = Field(0.6, ge=0, le=1)
    certified_share: float = Field(0.2, ge=0, le=1)


class SolverSpec(Strict):
    backend: str | None = None
    profile: str | None = None
    time_limit: float | None = Field(60, gt=0)
    mip_gap: float | None = Field(1e-4, ge=0, le=1)
    threads: int | None = Field(None, ge=1, le=256)
    seed: int | None = None
    log: bool = False

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, v: str | None) -> str | None:
        """A misspelt backend is a scenario error (exit 3), found before anything is solved."""
        from siteplan.backends.registry import ROUTES

        if v is not None and v not in ROUTES:
            raise ValueError(f"unknown solver backend; use one of: {', '.join(ROUTES)}")
        return v


class ScenarioSpec(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    preset: str = "national"
    data: DataTables
    distance: str | DistanceSpec = "euclidean"
    reach: ReachSpec = ReachSpec(walk_m=1000)
    standards: Standards = Standards()
    costs: Costs = Costs()
    budget: Budget = Budget()
    facilities: FacilityProgram = FacilityProgram()
    objective: Literal["min_cost", "max_coverage", "min_distance"] = "min_cost"
    solver: SolverSpec = SolverSpec()

    @field_validator("distance")
    @classmethod
    def _known_distance_name(cls, v):
        return _known_distance(v) if isinstance(v, str) else v

    @property
    def distance_spec(self) -> DistanceSpec:
        if isinstance(self.distance, str):
            return DistanceSpec(method=self.distance)
        return self.distance
