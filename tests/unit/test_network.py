"""The `network` distance kind on real streets nobody here drew: pyrosm's bundled extract
`test.osm.pbf` (a few km² of OpenStreetMap around Kouvola, Finland), read offline."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pandas as pd
import pytest

from siteplan import distance
from siteplan.errors import InputError
from siteplan.scenario.tables import Tables

pyrosm = pytest.importorskip("pyrosm")
network = pytest.importorskip("siteplan.distance.network")


def test_pbf() -> str:
    """The bundled file's path (pyrosm's package data: no download)."""
    return pyrosm.get_data("test_pbf")


test_pbf.__test__ = False  # a helper, not a test


@pytest.fixture(scope="module")
def roads():
    return network.read_roads(test_pbf())[0]


@pytest.fixture(scope="module")
def graph(roads):
    return network.Graph(roads)


def _largest_component(graph) -> np.ndarray:
    from scipy.sparse.csgraph import connected_components

    _, label = connected_components(graph.csr, directed=False)
    return np.flatnonzero(label == np.bincount(label).argmax())


def _near_nodes(graph, rng, n, nodes=None, jitter_deg=0.0002):
    """n points a few metres off random street nodes (off the node: the snap counts)."""
    pool = np.arange(graph.n_nodes) if nodes is None else nodes
    k = rng.choice(pool, n, replace=False)
    return graph.lonlat[k] + rng.normal(0, jitter_deg, (n, 2))


def _tables(roads, com_lonlat, site_lonlat) -> Tables:
    com = pd.DataFrame({"id": [f"C{i}" for i in range(len(com_lonlat))],
                        "lon": com_lonlat[:, 0], "lat": com_lonlat[:, 1]})
    sit = pd.DataFrame({"id": [f"S{j}" for j in range(len(site_lonlat))],
                        "lon": site_lonlat[:, 0], "lat": site_lonlat[:, 1]})
    return Tables(committees=com, sites=sit, distances=None, coords=("lon", "lat"),
                  fingerprint="", extra={"roads": roads})


def test_the_bundled_extract_is_a_real_street_network(graph):
    assert graph.n_nodes > 900 and graph.n_edges > 1000
    lon, lat = graph.lonlat[:, 0], graph.lonlat[:, 1]
    assert 26.9 < lon.min() < lon.max() < 27.0 and 60.5 < lat.min() < lat.max() < 60.6


def test_a_walk_is_never_shorter_than_the_straight_line(roads, graph):
    from siteplan.distance.haversine import metres

    rng = np.random.default_rng(3)
    c, s = _near_nodes(graph, rng, 40), _near_nodes(graph, rng, 30)
    t = _tables(roads, c, s)
    kind = distance.get("network")
    ci, si = (a.ravel() for a in np.meshgrid(np.arange(40), np.arange(30), indexing="ij"))
    walk = kind.between(t, ci, si)
    straight = metres(c[ci], s[si])
    finite = np.isfinite(walk)
    assert finite.sum() > 600  # most pairs share the big component
    assert np.all(walk[finite] >= straight[finite] * (1 - 1e-12))
    assert np.median(walk[finite] / np.maximum(straight[finite], 1.0)) > 1.1  # streets detour
    # the pairs within a reach are the finite ones within it, at the same distance
    pc, ps, pd_ = kind.pairs(t, np.full(40, 1200.0), 1.0)
    want = {(int(a), int(b)) for a, b, w in zip(ci, si, walk) if w <= 1200.0 * (1 - 1e-9)}
    got = {(int(a), int(b)): float(d) for a, b, d in zip(pc, ps, pd_)}
    assert want <= set(got) and all(d <= 1200.0 + 1e-6 for d in got.values())
    assert len(got) > 50


def test_the_model_side_and_the_checker_side_agree(roads, graph):
    rng = np.random.default_rng(5)
    t = _tables(roads, _near_nodes(graph, rng, 50), _near_nodes(graph, rng, 40))
    kind = distance.get("network")
    check = kind.checker(t)
    ci, si = rng.integers(0, 50, 400), rng.integers(0, 40, 400)
    model = kind.between(t, ci, si)
    n_finite = 0
    for c, s, m in zip(ci, si, model):
        want = check(f"C{c}", f"S{s}")
        if math.isinf(want):
            assert math.isinf(m)  # both see the island
        else:
            n_finite += 1
            assert abs(m - want) <= 1e-6 * max(want, 1.0), (c, s, m, want)
    assert n_finite > 250


def test_nodes_at_one_spot_snap_alike_on_both_sides(roads, graph):
    """A bridge over a street: two OSM nodes at one spot, on networks that do not meet there.
    Both sides snap to the lower id, so they agree (not one on the bridge, one below)."""
    rng = np.random.default_rng(9)
    x = int(rng.integers(0, len(roads)))
    a = roads.iloc[x]
    far = roads.iloc[(x + len(roads) // 2) % len(roads)]
    lo_id = int(roads[["u", "v"]].to_numpy().min()) - 1  # a lower id than every node
    bridge = pd.DataFrame({"u": [lo_id], "v": [int(far["u"])], "u_lon": [a["u_lon"]], "u_lat": [a["u_lat"]],
                           "v_lon": [far["u_lon"]], "v_lat": [far["u_lat"]]})
    both = pd.concat([roads, bridge], ignore_index=True)
    t = _tables(both, np.array([[a["u_lon"], a["u_lat"]]]), _near_nodes(graph, rng, 30))
    kind = distance.get("network")
    check = kind.checker(t)
    g = network.Graph(both)
    edge = g.snap(np.array([[a["u_lon"], a["u_lat"]]])).edge[0]
    assert g.ids[g.lo[edge]] == lo_id  # the bridge's lower-id end, at the point
    assert check.snap((float(a["u_lon"]), float(a["u_lat"])))[0] == lo_id
    model = kind.between(t, np.zeros(30, dtype=np.int64), np.arange(30))
    for s, m in enumerate(model):
        want = check("C0", f"S{s}")
        assert (math.isinf(m) and math.isinf(want)) or abs(m - want) <= 1e-6 * max(want, 1.0)


# ------------------------------------------------------------------ snapping to edges
def _street(*segments) -> pd.DataFrame:
    """A hand-drawn roads table: each segment (u, v, (lon, lat), (lon, lat))."""
    return pd.DataFrame([{"u": u, "v": v, "u_lon": a[0], "u_lat": a[1], "v_lon": b[0], "v_lat": b[1]}
                         for u, v, a, b in segments])


# a 1.7 km east-west street at 40°N (Beijing's latitude) and a short spur off its west end
LONG = _street((1, 2, (116.00, 40.0), (116.02, 40.0)), (1, 3, (116.00, 40.0), (116.00, 40.003)))


def test_a_point_beside_a_long_edge_snaps_perpendicular_not_to_a_node():
    from siteplan.distance.haversine import metres

    g = network.Graph(LONG)
    p = np.array([[116.01, 40.001]])  # 111 m north of the street's middle, 850 m from either end
    snap = g.snap(p)
    foot = np.array([[116.01, 40.0]])
    assert snap.metres[0] == pytest.approx(metres(p, foot)[0], rel=1e-9)
    assert 110 < snap.metres[0] < 112  # not the ~860 m to the nearest node
    assert snap.foot[0] == pytest.approx(foot[0], abs=1e-12)
    assert snap.along[0] == pytest.approx(metres(np.array([[116.0, 40.0]]), foot)[0], rel=1e-9)
    t = _tables(LONG, p, np.array([[116.0, 40.003]]))  # a site at the spur's far end
    check = network.NetworkChecker(t)
    lo, hi, along, snapped = check.snap((116.01, 40.001))
    assert (lo, hi) == (1, 2) and snapped == pytest.approx(snap.metres[0], rel=1e-12)
    assert along == pytest.approx(snap.along[0], rel=1e-9)
    # the walk: to the foot, west along the street to node 1, up the spur
    want = snap.metres[0] + snap.along[0] + metres(np.array([[116.0, 40.0]]), np.array([[116.0, 40.003]]))[0]
    assert distance.get("network").between(t, np.array([0]), np.array([0]))[0] == pytest.approx(want, rel=1e-9)
    assert check("C0", "S0") == pytest.approx(want, rel=1e-9)


def test_a_committee_and_a_site_on_one_edge_walk_straight_along_it():
    from siteplan.distance.haversine import metres

    # two committees and a site on the long street (three feet chained on one edge)
    com = np.array([[116.005, 40.0005], [116.012, 39.9996]])
    site = np.array([[116.015, 40.0005]])
    t = _tables(LONG, com, site)
    kind = distance.get("network")
    feet = np.column_stack([np.r_[com[:, 0], site[:, 0]], np.full(3, 40.0)])
    pts = np.vstack([com, site])
    snaps = metres(pts, feet)
    want = snaps[:2] + metres(feet[:2], np.repeat(feet[2:], 2, axis=0)) + snaps[2]
    # (along the street: haversine pieces from its end, ~1e-9 off the chord between the feet)
    assert kind.between(t, np.array([0, 1]), np.array([0, 0])) == pytest.approx(want, rel=1e-8)
    c, s, d = kind.pairs(t, np.full(2, 2000.0), 1.0)
    assert list(zip(c, s)) == [(0, 0), (1, 0)] and d == pytest.approx(want, rel=1e-8)
    check = kind.checker(t)
    assert [check("C0", "S0"), check("C1", "S0")] == pytest.approx(list(want), rel=1e-8)
    # a reach shorter than the walk: no pair, however near the straight line
    c, _, _ = kind.pairs(t, np.array([want[0] - 1.0, want[1] + 1.0]), 1.0)
    assert list(c) == [1]


def test_model_pairs_equal_the_checker_on_the_real_extract(roads, graph):
    """Points up to ~100 m off the streets (mid-edge snaps), all pairs within 1.5 km."""
    rng = np.random.default_rng(11)
    big = _largest_component(graph)
    t = _tables(roads, _near_nodes(graph, rng, 60, big, 0.0006), _near_nodes(graph, rng, 40, big, 0.0006))
    kind = distance.get("network")
    c, s, d = kind.pairs(t, np.full(60, 1500.0), 1.0)
    assert len(c) > 300
    snap = network.walks_of(t).snap
    assert np.mean((snap.along > 1e-6) & (snap.along < graph.w[snap.edge] - 1e-6)) > 0.5  # mostly mid-edge
    check = kind.checker(t)
    for ci, si, m in zip(c, s, d):
        want = check(f"C{ci}", f"S{si}")
        assert abs(m - want) <= 1e-6 * max(want, 1.0), (ci, si, m, want)
    # and nothing within reach is left out: the checker's own walks of some pairs not listed
    listed = set(zip(c.tolist(), s.tolist()))
    for ci, si in zip(rng.integers(0, 60, 300), rng.integers(0, 40, 300)):
        if (int(ci), int(si)) not in listed:
            assert check(f"C{ci}", f"S{si}") > 1500.0 * (1 - 1e-9)


def test_snapping_in_chunks_changes_nothing(graph, monkeypatch):
    from siteplan.distance import walkgraph

    pts = _near_nodes(graph, np.random.default_rng(12), 50, jitter_deg=0.0008)
    whole = graph.snap(pts)
    monkeypatch.setattr(walkgraph, "SNAP_CHUNK", 7)
    for a, b in zip(whole, graph.snap(pts)):
        assert np.array_equal(a, b)


def _write_raw(path, **changes):
    import yaml

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc.update(changes)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_points_beyond_snap_max_m_are_named_with_their_distances(tmp_path, graph):
    from siteplan.scenario.load import load_scenario

    rng = np.random.default_rng(4)
    far = np.array([[27.10, 60.53], [27.12, 60.54]])  # kilometres east of the extract
    path = _write_scenario(tmp_path / "city", graph, np.vstack([_near_nodes(graph, rng, 2), far]),
                           _near_nodes(graph, rng, 2))
    with pytest.raises(InputError) as e:
        load_scenario(path)
    msg, err = str(e.value), e.value
    assert "2 committees are more than 500 m" in msg and "'C2' (" in msg and "'C3' (" in msg
    assert "'C0'" not in msg and "committees.csv" in msg and "streets.osm.pbf" in msg
    assert "network.snap_max_m" in (err.fix or "")
    km = [float(x.replace(",", "")) for x in __import__("re").findall(r"\(([\d,]+) m\)", msg)]
    assert len(km) == 2 and all(5_000 < k < 15_000 for k in km)
    # a limit of 100 m refuses the ordinary points too; a wide one lets the far ones through
    with pytest.raises(InputError, match="network.snap_max_m"):
        load_scenario(_write_raw(path, network={"snap_max_m": 1}))
    assert len(load_scenario(_write_raw(path, network={"snap_max_m": 20_000})).tables.committees) == 4


@pytest.mark.parametrize("bad", [0, -5, ".inf", "lots"])
def test_snap_max_m_must_be_a_positive_finite_number(tmp_path, graph, bad):
    from siteplan.scenario.load import load_scenario

    rng = np.random.default_rng(4)
    path = _write_scenario(tmp_path / "city", graph, _near_nodes(graph, rng, 2), _near_nodes(graph, rng, 2))
    text = path.read_text(encoding="utf-8") + f"network: {{snap_max_m: {bad}}}\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="network.snap_max_m"):
        load_scenario(path)


@pytest.mark.parametrize("content", [b"", b"id,street\nC1,x\n", b"\x00\x00\x00\x0dOSMHeader"])
def test_a_file_that_is_not_a_pbf_is_refused(tmp_path, content):
    bad = tmp_path / "roads.osm.pbf"
    bad.write_bytes(content)
    with pytest.raises(InputError, match="OpenStreetMap .pbf"):
        network.read_roads(str(bad))


def test_a_truncated_pbf_is_refused(tmp_path):
    cut = tmp_path / "cut.osm.pbf"
    with open(test_pbf(), "rb") as fh:
        cut.write_bytes(fh.read(20_000))
    with pytest.raises(InputError, match="OpenStreetMap .pbf"):
        network.read_roads(str(cut))


def test_a_roads_file_over_the_limit_says_what_to_clip(tmp_path, monkeypatch):
    monkeypatch.setattr(network, "MAX_ROADS_BYTES", 100_000)
    with pytest.raises(InputError) as e:
        network.read_roads(test_pbf())
    assert "the limit is" in str(e.value) and "osmium extract" in (e.value.fix or "")
    with pytest.raises(InputError, match="not a regular file|folder"):
        network.read_roads(str(tmp_path))


# ------------------------------------------------------------------ a scenario, end to end
def _write_scenario(folder, graph, committees, sites, reach=1500):
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(test_pbf(), folder / "streets.osm.pbf")
    rows = ["id,street,kind,lon,lat,households,residents"]
    rows += [f"C{i},东街道,urban,{lon:.7f},{lat:.7f},1000,2500" for i, (lon, lat) in enumerate(committees)]
    (folder / "committees.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    rows = ["id,street,lon,lat,kind,fixed_cost,cost_per_m2,opex_per_m2_year,max_area_m2,existing_area_m2"]
    rows += [f"S{j},东街道,{lon:.7f},{lat:.7f},urban,100000,1000,0,1500,0" for j, (lon, lat) in enumerate(sites)]
    (folder / "sites.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    doc = {"name": "streets", "preset": "national",
           "data": {"committees": "committees.csv", "sites": "sites.csv", "roads": "streets.osm.pbf"},
           "distance": {"method": "network"}, "reach": {"walk_m": reach},
           "costs": {"worker_per_year": 100_000, "horizon_years": 5},
           "solver": {"time_limit": 60, "mip_gap": 1e-6}}
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_street_scenario_solves_and_passes_check(tmp_path, graph, run_cli):
    from siteplan.distance.haversine import metres
    from siteplan.pipeline import solve_scenario
    from siteplan.report.outputs import write_outputs

    rng = np.random.default_rng(7)
    big = _largest_component(graph)
    sites = _near_nodes(graph, rng, 8, big, jitter_deg=0.0001)
    committees = _near_nodes(graph, rng, 6, big, jitter_deg=0.0001)
    path = _write_scenario(tmp_path / "city", graph, committees, sites, reach=2500)
    out = solve_scenario(path)
    assert out.result.status.value == "optimal"
    assert out.evaluation.ok
    served = {r["committee_id"]: r for r in out.evaluation.committees}
    assert set(served) == {f"C{i}" for i in range(6)}
    for r in served.values():  # walked on streets: no shorter than the straight line
        c, s = int(r["committee_id"][1:]), int(r["site_id"][1:])
        assert r["distance_m"] >= metres(committees[[c]], sites[[s]])[0] - 1e-6
    out_dir = write_outputs(out, tmp_path / "out")
    code, stdout, stderr = run_cli("check", out_dir)
    assert code == 0 and "check passed" in stdout, stderr


def test_a_committee_on_an_island_is_named(tmp_path, graph):
    from scipy.sparse.csgraph import connected_components

    from siteplan.errors import InfeasibleError
    from siteplan.pipeline import solve_scenario

    _, label = connected_components(graph.csr, directed=False)
    big = _largest_component(graph)
    small = np.flatnonzero(label != label[big[0]])
    rng = np.random.default_rng(2)
    committees = np.vstack([_near_nodes(graph, rng, 2, big, 0.0), graph.lonlat[small[:1]]])
    sites = _near_nodes(graph, rng, 4, big, 0.0)
    path = _write_scenario(tmp_path / "city", graph, committees, sites, reach=50_000)
    with pytest.raises(InfeasibleError) as e:
        solve_scenario(path)
    assert "C2 → no site at any distance" in str(e.value)


def _island_nodes(graph, count):
    """Nodes of `count` different small components (islands), one each."""
    label = graph.components()
    big = label[_largest_component(graph)[0]]
    firsts = [int(np.flatnonzero(label == k)[0]) for k in np.unique(label) if k != big]
    assert len(firsts) >= count
    return np.array(firsts[:count])


def test_islands_are_reported_by_id(tmp_path, graph):
    from siteplan.errors import SiteplanWarning
    from siteplan.scenario.load import load_scenario

    rng = np.random.default_rng(8)
    big = _largest_component(graph)
    isle = _island_nodes(graph, 2)
    committees = np.vstack([_near_nodes(graph, rng, 3, big, 0.0), graph.lonlat[isle[:1]]])  # C3 on an island
    sites = np.vstack([_near_nodes(graph, rng, 3, big, 0.0), graph.lonlat[isle[1:]]])  # S3 on another
    path = _write_scenario(tmp_path / "city", graph, committees, sites)
    with pytest.warns(SiteplanWarning) as got:
        scn = load_scenario(path)
    said = [str(w.message) for w in got]
    assert any("1 committee on street islands" in m and "'C3'" in m for m in said), said
    assert any("1 candidate site on street islands" in m and "'S3'" in m for m in said), said
    found = network.islands(scn.tables)
    assert found["unreachable_committees"] == ["C3"] and found["useless_sites"] == ["S3"]
    assert {(tuple(i["committees"]), tuple(i["sites"])) for i in found["islands"]} == {(("C3",), ()), ((), ("S3",))}
    assert found["components"] == int(graph.components().max()) + 1 > 2
    assert found["nodes"] == graph.n_nodes and found["snapped"]["committees"]["count"] == 4
    # an excluded site is no candidate: a committee beside only that one is stuck too
    sites_csv = (tmp_path / "city" / "sites.csv")
    rows = sites_csv.read_text(encoding="utf-8").splitlines()
    rows[0] += ",excluded"
    rows[1:] = [r + (",true" if i == 3 else ",false") for i, r in enumerate(rows[1:])]
    sites_csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.warns(SiteplanWarning):
        scn = load_scenario(path)
    assert network.islands(scn.tables)["useless_sites"] == []


def test_a_network_scenario_without_roads_says_so(tmp_path, graph):
    import yaml

    from siteplan.scenario.load import load_scenario

    rng = np.random.default_rng(1)
    path = _write_scenario(tmp_path / "city", graph, _near_nodes(graph, rng, 2), _near_nodes(graph, rng, 2))
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    del doc["data"]["roads"]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="needs data.roads"):
        load_scenario(path)
