"""Frozen arrays built from a scenario: what the model builder and the checks need.

Everything here is computed once per solve: committee and site attributes as numpy arrays,
the sparse reachable pairs, each committee's area need and worker band, each site's
minimum area. Excluded sites are kept in the tables but get no pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siteplan import distance
from siteplan.errors import InputError
from siteplan.scenario.load import Scenario
from siteplan.scenario.presets import ResolvedStandards
from siteplan.scenario.schema import WorkerBand

MAX_PAIRS = 50_000_000


@dataclass(frozen=True)
class Instance:
    committee_ids: np.ndarray
    committee_street: np.ndarray  # street index
    households: np.ndarray
    residents: np.ndarray
    urban: np.ndarray  # bool
    area_need: np.ndarray  # m² the committee's households need (rate/100 * households)
    band_min: np.ndarray
    band_max: np.ndarray
    reach_m: np.ndarray
    site_ids: np.ndarray
    site_street: np.ndarray
    site_kind: np.ndarray  # "urban" | "rural" | "centre"
    fixed_cost: np.ndarray
    cost_per_m2: np.ndarray
    opex_per_m2: np.ndarray
    max_area: np.ndarray
    existing_area: np.ndarray
    existing: np.ndarray  # bool
    required: np.ndarray  # bool
    excluded: np.ndarray  # bool
    min_area: np.ndarray
    streets: np.ndarray  # street names, index = street code
    pair_c: np.ndarray
    pair_s: np.ndarray
    pair_d: np.ndarray
    required_workers: float  # workers_per_10k_urban * urban residents / 10,000
    worker_cost: float
    horizon: float
    residents_per_window: int | None
    window_extra_staff: int

    @property
    def n_committees(self) -> int:
        return len(self.committee_ids)

    @property
    def n_sites(self) -> int:
        return len(self.site_ids)

    @property
    def n_pairs(self) -> int:
        return len(self.pair_c)

    def pairs_per_committee(self) -> np.ndarray:
        return np.bincount(self.pair_c, minlength=self.n_committees)


def _band(st: ResolvedStandards, households: int, kind: str) -> WorkerBand:
    """A committee's worker band; loading the tables already refused a committee without one."""
    band = st.band_for(households, kind)
    assert band is not None, f"no worker band for {households} households ({kind})"
    return band


def build_instance(scn: Scenario) -> Instance:
    t, st, spec = scn.tables, scn.standards, scn.spec
    com, sit = t.committees, t.sites
    streets, codes = np.unique(np.concatenate([com["street"].to_numpy(str), sit["street"].to_numpy(str)]),
                               return_inverse=True)
    n_c = len(com)
    urban = (com["kind"] == "urban").to_numpy()
    hh = com["households"].to_numpy(np.int64)
    rate = np.where(urban, st.area_rate["urban"], st.area_rate["rural"])
    bands = [_band(st, int(h), k) for h, k in zip(hh, com["kind"])]
    reach = np.where(urban, spec.reach.metres("urban"), spec.reach.metres("rural"))
    from siteplan.scenario.facility_types import SERVICE, hosts

    excluded = sit["excluded"].to_numpy(bool) | ~hosts(sit, SERVICE)  # a plot not for the service facility
    kind = distance.get(spec.distance_spec.method)
    pc, ps, pd_ = kind.pairs(t, reach, spec.distance_spec.circuity)
    keep = ~excluded[ps]
    pc, ps, pd_ = pc[keep], ps[keep], pd_[keep]
    if len(pc) > MAX_PAIRS:
        raise InputError(f"{len(pc)} committee-site pairs are within reach, above the {MAX_PAIRS} limit",
                         where=str(scn.path), fix="reduce reach or the number of candidate sites")
    win = st.windows
    existing_area = sit["existing_area_m2"].to_numpy(float)
    return Instance(
        committee_ids=com["id"].to_numpy(str),
        committee_street=codes[:n_c],
        households=hh,
        residents=com["residents"].to_numpy(np.int64),
        urban=urban,
        area_need=rate * hh / 100.0,
        band_min=np.array([b.min for b in bands], dtype=np.int64),
        band_max=np.array([b.max for b in bands], dtype=np.int64),
        reach_m=reach,
        site_ids=sit["id"].to_numpy(str),
        site_street=codes[n_c:],
        site_kind=sit["kind"].to_numpy(str),
        fixed_cost=sit["fixed_cost"].to_numpy(float),
        cost_per_m2=sit["cost_per_m2"].to_numpy(float),
        opex_per_m2=sit["opex_per_m2_year"].to_numpy(float),
        max_area=sit["max_area_m2"].to_numpy(float),
        existing_area=existing_area,
        existing=existing_area > 0,
        required=sit["required"].to_numpy(bool),
        excluded=excluded,
        min_area=np.array([st.min_area[k] for k in sit["kind"]], dtype=float),
        streets=streets,
        pair_c=pc.astype(np.int64),
        pair_s=ps.astype(np.int64),
        pair_d=pd_,
        required_workers=st.workers_per_10k_urban * float(com["residents"].to_numpy()[urban].sum()) / 10_000,
        worker_cost=float(spec.costs.worker_per_year),
        horizon=float(spec.costs.horizon_years),
        residents_per_window=win.residents_per_window if win else None,
        window_extra_staff=win.extra_staff if win else 0,
    )
