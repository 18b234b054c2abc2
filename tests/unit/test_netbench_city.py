"""The network benchmarks' synthetic city (benchmarks/network/streets.py): it must be a
street network worth measuring (connected, with detours) and its .osm.pbf must read back
through siteplan's own reader as the same streets, or the pbf benchmark measures nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "network"))
streets = pytest.importorskip("streets")


@pytest.fixture(scope="module")
def city():
    return streets.street_grid(3000, seed=4)


def test_the_city_is_deterministic_and_as_large_as_asked(city):
    again = streets.street_grid(3000, seed=4)
    assert np.array_equal(city.u, again.u) and np.array_equal(city.lon, again.lon)
    assert city.street_nodes().size >= 3000
    assert not np.array_equal(city.u, streets.street_grid(3000, seed=5).u)


def test_the_city_is_connected_and_walks_detour(city):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components, dijkstra

    from siteplan.distance.haversine import metres

    lonlat = np.column_stack([city.lon, city.lat])
    w = metres(lonlat[city.u], lonlat[city.v])
    n = city.n_nodes
    g = coo_matrix((w, (city.u, city.v)), shape=(n, n)).tocsr()
    _, label = connected_components(g, directed=False)
    assert np.bincount(label).max() >= 0.95 * city.street_nodes().size  # one city, a few stubs
    rng = np.random.default_rng(0)
    src = rng.choice(city.street_nodes(), 20, replace=False)
    walk = dijkstra(g, directed=False, indices=src)
    straight = np.stack([metres(np.repeat(lonlat[[s]], n, axis=0), lonlat) for s in src])
    near = np.isfinite(walk) & (straight > 300) & (straight < 2000)
    ratio = walk[near] / straight[near]
    assert ratio.min() >= 1 - 1e-9  # a walk is never shorter than the straight line
    assert np.median(ratio) > 1.15  # blocks, compounds, the river and the rail make detours


def test_the_pbf_reads_back_as_the_same_streets(tmp_path):
    pytest.importorskip("osmium")
    pytest.importorskip("pyrosm")
    from siteplan.distance.network import read_roads

    city = streets.street_grid(600, seed=4)
    path = tmp_path / "city.osm.pbf"
    info = streets.write_pbf(city, path, buildings_per_node=0.5, seed=1)
    assert info["buildings"] > 0 and path.stat().st_size == info["bytes"]
    roads, _ = read_roads(str(path))
    want = city.roads()
    key = lambda df: sorted(zip(np.minimum(df.u, df.v), np.maximum(df.u, df.v)))
    assert key(roads) == key(want)  # every street segment, and no building edge
    got = roads.set_index(["u", "v"]).sort_index()
    ref = want.set_index(["u", "v"]).sort_index()
    assert np.allclose(got.to_numpy(), ref.to_numpy(), atol=1e-7)  # OSM keeps 7 decimals
