"""The scenario schema: the single source of truth for what a scenario file may say.

Unknown keys are rejected (with a did-you-mean in the loader's message). Standards given
here override the preset's values; the compliance report marks them as overridden.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from siteplan.kinds import Objective
from siteplan.rules.base import SITE_KINDS, ByKind, BySiteKind
from siteplan.rules.committee_workers import WorkerBand
from siteplan.rules.windows import WindowRule

__all__ = ["KINDS", "SITE_KINDS", "ByKind", "BySiteKind", "ScenarioSpec", "Standards", "WindowRule", "WorkerBand"]

KINDS = ("urban", "rural")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: the tables whose layer and field names a scenario may set (data.layers, data.columns)
MAPPED_TABLES = ("committees", "sites")
#: the data keys that name files (the rest describe how to read them)
FILE_KEYS = ("committees", "sites", "distances", "roads")


class DataTables(Strict):
    committees: str
    sites: str
    #: optional sparse walking distances: committee,site,metres (method: matrix)
    distances: str | None = None
    #: optional street network, an OpenStreetMap .osm.pbf (method: network)
    roads: str | None = None
    #: the layer of a multi-layer GIS file that holds a table: {committees: 居委会}
    layers: dict[str, str] = Field(default_factory=dict)
    #: per table, a field named otherwise -> the siteplan column: {committees: {户数: households}}
    columns: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("layers", "columns")
    @classmethod
    def _per_table(cls, v: dict) -> dict:
        bad = sorted(set(v) - set(MAPPED_TABLES))
        if bad:
            raise ValueError(f"{', '.join(map(repr, bad))} is not a table with layers or columns; "
                             f"use {' or '.join(MAPPED_TABLES)}")
        return v


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


class TableCoordinates(Strict):
    """One coordinate system: gcj02, bd09, wgs84, cgcs2000, or an EPSG code
    (siteplan.geo.convert); geographic ones are read from lon, lat columns, projected ones from
    x, y. `offset: [dx, dy]` (projected CRSs only): a city's local grid, x + dx, y + dy in `crs`."""

    crs: str
    offset: tuple[float, float] | None = None

    @field_validator("crs")
    @classmethod
    def _known_crs(cls, v: str) -> str:
        from siteplan.geo.convert import check_crs

        return check_crs(v)

    @model_validator(mode="after")
    def _offset_on_a_plane(self):
        from siteplan.geo.convert import check_offset

        check_offset(self.crs, self.offset)
        return self


class CoordinatesSpec(TableCoordinates):
    """The coordinate system of CSV tables' coordinates (a GIS layer's own CRS wins); the
    distance kind gets what it needs. `committees:` / `sites:` override it for one table (sites
    from a web map in gcj02 beside committees on the city's grid, say)."""

    committees: TableCoordinates | None = None
    sites: TableCoordinates | None = None

    def of(self, table: str) -> TableCoordinates:
        return getattr(self, table) or self


class NetworkSpec(Strict):
    """Options of `distance: network` (siteplan.distance.network)."""

    #: a committee or site farther than this from any walkable street is an input error
    snap_max_m: float = Field(500.0, gt=0, le=100_000, allow_inf_nan=False)


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


def _standards_model() -> type[BaseModel]:
    """`standards:` takes one optional key per registered rule (siteplan.rules), typed by it."""
    from siteplan.rules import registered

    fields = {r.id: (r.schema | None, None) for r in registered() if r.schema is not None}
    return create_model("Standards", __base__=Strict, __module__=__name__, **fields)


#: Every value is optional here: missing ones come from the preset.
Standards = _standards_model()


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
    #: rounds of the cover-cut loop on the plots' knapsacks before the MIP (0: off);
    #: siteplan.model.covers
    cover_rounds: int = Field(0, ge=0, le=50)

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, v: str | None) -> str | None:
        """A misspelt backend is a scenario error (exit 3), found before anything is solved."""
        from siteplan.backends.registry import ROUTES

        if v is not None and v not in ROUTES:
            raise ValueError(f"unknown solver backend; use one of: {', '.join(ROUTES)}")
        return v


class TypeCosts(Strict):
    """A facility type's prices; a missing one is the site's own (sites table) price."""

    fixed: float | None = Field(None, ge=0, le=1e12)
    per_m2: float | None = Field(None, ge=0, le=1e12)
    opex_per_m2_year: float | None = Field(None, ge=0, le=1e12)


class TypeCentres(Strict):
    """Shanghai's "1+N": at least `per_street` centres of at least `min_area_m2` per street
    (街镇; `streets: urban`, the default, counts only streets with an urban committee)."""

    per_street: int = Field(1, ge=1, le=100)
    min_area_m2: float = Field(gt=0, le=1e7)
    streets: Literal["urban", "all"] = "urban"


#: m² per 100 households: one number, by committee kind, or by residential area (new/built,
#: the committees column `residential`, blank = built; urban committees) with an optional rural
TypeRate = float | dict[Literal["urban", "rural", "new", "built"], float]


class FacilityTypeSpec(Strict):
    """One facility type besides `service` (siteplan.scenario.facility_types)."""

    title: str = Field("", max_length=200)
    area_per_100_households: TypeRate | None = None
    min_area_m2: float | None = Field(None, ge=0, le=1e7)
    reach: ReachSpec | None = None
    costs: TypeCosts | None = None
    centres: TypeCentres | None = None


class CoLocationPair(Strict):
    types: tuple[str, str]
    saving: float = Field(ge=0, le=1e12)


class CoLocation(Strict):
    """What sharing a plot saves (毗邻建设/综合设置): `saving` once per plot that hosts two or
    more types, or `pairs`: each listed pair once per plot that hosts both."""

    saving: float | None = Field(None, ge=0, le=1e12)
    pairs: list[CoLocationPair] | None = Field(None, max_length=64)

    @model_validator(mode="after")
    def one_way(self):
        if (self.saving is None) == (self.pairs is None):
            raise ValueError("give saving (once per shared plot) or pairs (per pair of types), one of the two")
        return self


class ScenarioSpec(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    preset: str = "national"
    data: DataTables
    distance: str | DistanceSpec = "euclidean"
    coordinates: CoordinatesSpec | None = None
    network: NetworkSpec = NetworkSpec()
    reach: ReachSpec = ReachSpec(walk_m=1000)
    standards: Standards = Standards()
    costs: Costs = Costs()
    budget: Budget = Budget()
    facilities: FacilityProgram = FacilityProgram()
    objective: Objective = Objective.MIN_COST
    solver: SolverSpec = SolverSpec()
    #: several facility types on shared plots: name -> its values (true or {}: the preset's)
    facility_types: dict[str, FacilityTypeSpec | bool] | None = Field(None, max_length=8)
    co_location: CoLocation | None = None

    @field_validator("distance")
    @classmethod
    def _known_distance_name(cls, v):
        return _known_distance(v) if isinstance(v, str) else v

    @property
    def distance_spec(self) -> DistanceSpec:
        if isinstance(self.distance, str):
            return DistanceSpec(method=self.distance)
        return self.distance
