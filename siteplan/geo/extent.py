"""Points far outside the other table's extent: the usual sign of a wrong CRS, a swapped
lon/lat or a missing local-grid offset on one table, said by id before anything is solved.

A committee more than `FAR_M` outside the box around all sites (or a site that far outside
the box around all committees) cannot be what the planner meant; it is a warning, not an
error, because a real district can have an outlying village.
"""

from __future__ import annotations

import warnings

import numpy as np

from siteplan.errors import SiteplanWarning

FAR_M = 10_000.0
SHOWN = 5


def far_outside(points: np.ndarray, others: np.ndarray, far_m: float = FAR_M) -> np.ndarray:
    """Whether each of `points` lies more than `far_m` outside the bounding box of `others`
    (both in metres on one plane)."""
    lo, hi = others.min(axis=0), others.max(axis=0)
    gap = np.maximum(np.maximum(lo - points, points - hi), 0.0)
    return np.hypot(gap[:, 0], gap[:, 1]) > far_m


def warn_far_outside(kind, committees, sites, cols, where: str) -> None:
    """Warn, by id, about committees far from every site's extent and vice versa."""
    c = committees[list(cols)].to_numpy(float)
    s = sites[list(cols)].to_numpy(float)
    if not (len(c) and len(s) and np.isfinite(c).all() and np.isfinite(s).all()):
        return
    plane = kind.planar(np.vstack([c, s]))  # one projection for both tables
    pc, ps = plane[:len(c)], plane[len(c):]
    for what, pts, others, ids, other in (("committee", pc, ps, committees["id"], "sites"),
                                          ("site", ps, pc, sites["id"], "committees")):
        far = np.flatnonzero(far_outside(pts, others))
        if len(far):
            names = ", ".join(str(ids.iloc[i]) for i in far[:SHOWN])
            more = f" and {len(far) - SHOWN} more" if len(far) > SHOWN else ""
            many = len(far) > 1
            warnings.warn(f"{where}: {what}{'s' if many else ''} {names}{more} "
                          f"{'lie' if many else 'lies'} more than {FAR_M / 1000:g} km outside the "
                          f"extent of the {other}: check their coordinates and the tables' CRS "
                          "(coordinates: crs / offset)", SiteplanWarning, stacklevel=2)
