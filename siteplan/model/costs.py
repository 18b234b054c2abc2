"""The cost formula, once, for the model, the warm-start heuristic and the lower bounds.

    capex_s  = fixed_s · y_s · [E_s = 0] + cost_s · (floor_s − E_s)
    opex_s   = opex_s · floor_s + wage · staff_s                        (a year)
    workers  = wage · Σ_c w_c                                            (a year)
    total    = Σ capex + H · (Σ opex + workers)

floor_s is all floor area built on the site: the facility's a_s plus any floor a rule adds
(e.g. elderly care); E_s is the existing area, already paid for; staff_s the window staff.
The model (siteplan.model.build) takes these as linear expressions, the heuristic
(siteplan.model.heuristic) evaluates them for one site, and siteplan.checks bounds them
from below. The checker (siteplan.plan) prices a plan with its own copy, on purpose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from siteplan.instance import Instance


@dataclass(frozen=True)
class SiteCosts:
    fixed: np.ndarray  # CNY to open a new site (0 for an existing facility)
    capex_m2: np.ndarray  # CNY per m² built
    opex_m2: np.ndarray  # CNY per m² a year
    existing: np.ndarray  # m² already there (not paid again)
    wage: float  # CNY per worker a year
    horizon: float  # years

    @classmethod
    def of(cls, inst: Instance) -> SiteCosts:
        return cls(fixed=np.where(inst.existing, 0.0, inst.fixed_cost), capex_m2=inst.cost_per_m2,
                   opex_m2=inst.opex_per_m2, existing=inst.existing_area, wage=float(inst.worker_cost),
                   horizon=float(inst.horizon))

    # ------------------------------------------------------------------ the model

    def capex_terms(self, y: np.ndarray, floors: list[np.ndarray]) -> tuple[tuple[np.ndarray, np.ndarray], float]:
        """((columns, coefficients), constant) of capex, with `floors` the per-site floor columns."""
        cols = [y, *floors]
        vals = [self.fixed] + [self.capex_m2] * len(floors)
        return (np.concatenate(cols), np.concatenate(vals)), -float(self.capex_m2 @ self.existing)

    def opex_terms(self, floors: list[np.ndarray], w: np.ndarray,
                   staff: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        """(columns, coefficients) of opex a year: floor area, the committees' workers, staff."""
        cols = [*floors, w] + [c for c, _ in staff]
        vals = [self.opex_m2] * len(floors) + [np.full(len(w), self.wage)] + [self.wage * u for _, u in staff]
        return np.concatenate(cols), np.concatenate(vals)

    # ------------------------------------------------------------------ one site

    def unit(self) -> np.ndarray:
        """CNY per m² of floor over the horizon (capex + H · opex)."""
        return self.capex_m2 + self.horizon * self.opex_m2

    def site_total(self, s: int, floor: float, staff: float = 0.0) -> float:
        """capex + H · opex of site s open with `floor` m² and `staff` window staff."""
        return (self.fixed[s] - self.capex_m2[s] * self.existing[s] + self.unit()[s] * floor
                + self.horizon * self.wage * staff)

    # ------------------------------------------------------------------ lower bounds

    def cheapest_per_committee(self, inst: Instance, per_m2: np.ndarray, free: np.ndarray | None = None) -> np.ndarray:
        """Each committee's cheapest per-m² price over its reachable sites (0 where `free`,
        0 for a committee with no site in reach)."""
        unit = per_m2[inst.pair_s]
        if free is not None:
            unit = np.where(free[inst.pair_s], 0.0, unit)
        best = np.full(inst.n_committees, np.inf)
        np.minimum.at(best, inst.pair_c, unit)
        best[~np.isfinite(best)] = 0.0
        return best


def window_staff(residents: float, per_window: int | None, extra: int) -> int:
    """Staff of a facility serving `residents` under the N+k window rule (0 without one)."""
    if not per_window:
        return 0
    return math.ceil(residents / per_window - 1e-9) + extra
