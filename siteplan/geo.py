"""Compatibility shim: distances now live in `siteplan.distance` (one module per kind).

These functions take bare coordinate arrays, as they always did, and ask the registered
kind; new code should call `siteplan.distance.get(method)` with the scenario's tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siteplan import distance


def _tables(method: str, cxy: np.ndarray, sxy: np.ndarray):
    from siteplan.scenario.tables import Tables

    cols = distance.get(method).columns
    frames = [pd.DataFrame({"id": [f"{p}{i}" for i in range(len(xy))], cols[0]: xy[:, 0], cols[1]: xy[:, 1]})
              for p, xy in (("c", np.asarray(cxy, float)), ("s", np.asarray(sxy, float)))]
    return Tables(committees=frames[0], sites=frames[1], distances=None, coords=cols, fingerprint="")


def pair_distances(a: np.ndarray, b: np.ndarray, method: str) -> np.ndarray:
    """Element-wise distance in metres between rows of `a` and rows of `b`."""
    n = np.arange(len(a))
    return distance.get(method).between(_tables(method, a, b), n, n)


def reachable_pairs(cxy: np.ndarray, sxy: np.ndarray, radius: np.ndarray, method: str,
                    circuity: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(committee index, site index, metres) for every pair with circuity*distance <= radius."""
    return distance.get(method).pairs(_tables(method, cxy, sxy), np.asarray(radius, float), circuity)


def nearest_sites(cxy: np.ndarray, sxy: np.ndarray, method: str, circuity: float = 1.0):
    """Index of and distance to the nearest site for each committee (for diagnostics)."""
    return distance.get(method).nearest(_tables(method, cxy, sxy), np.arange(len(cxy)),
                                        np.arange(len(sxy)), circuity)
