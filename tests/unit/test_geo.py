"""Reachable pairs from the KD-tree equal a brute-force check, for both distance methods."""

from __future__ import annotations

import numpy as np
import pytest

from siteplan.geo import pair_distances, reachable_pairs


@pytest.mark.parametrize("method", ["euclidean", "haversine"])
def test_reachable_pairs_match_brute_force(method):
    rng = np.random.default_rng(3)
    if method == "euclidean":
        c, s = rng.uniform(0, 5000, (300, 2)), rng.uniform(0, 5000, (120, 2))
    else:
        c = np.column_stack([rng.uniform(121.3, 121.6, 300), rng.uniform(31.1, 31.3, 300)])
        s = np.column_stack([rng.uniform(121.3, 121.6, 120), rng.uniform(31.1, 31.3, 120)])
    radius = np.where(np.arange(300) % 3 == 0, 1500.0, 900.0)
    ci, si, _ = reachable_pairs(c, s, radius, method, circuity=1.2)
    got = set(zip(ci.tolist(), si.tolist()))
    want = set()
    for i in range(300):
        dist = pair_distances(np.repeat(c[i:i + 1], 120, axis=0), s, method) * 1.2
        want |= {(i, j) for j in np.flatnonzero(dist <= radius[i])}
    assert got == want
    assert np.all(np.diff(ci) >= 0)


def test_haversine_one_degree_of_latitude():
    d = pair_distances(np.array([[120.0, 30.0]]), np.array([[120.0, 31.0]]), "haversine")
    assert d[0] == pytest.approx(111_195, rel=1e-3)
