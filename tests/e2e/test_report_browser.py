"""The HTML report in a real browser: headless Chromium (Debian's `chromium`).

Checks that the map and charts render (SVG with one site marker per open site, non-empty
boxes), that the page logs no console error and asks for nothing but itself (no network),
and saves a screenshot under the test's temp dir. Skipped with the reason when Chromium is
missing; `SITEPLAN_REQUIRE_BROWSER=1` (CI) turns that skip into a failure.
"""

from __future__ import annotations

import json
import os

import pytest

from siteplan.report.browser import Chromium, find_chromium
from siteplan.report.html import build_report

PROBE = """(() => {
  const box = e => { if (!e) return [0, 0]; const r = e.getBoundingClientRect(); return [r.width, r.height]; };
  const q = s => document.querySelectorAll(s).length;
  return {sites: q('svg.map [data-role=site]'), committees: q('svg.map [data-role=committee]'),
          reach: q('svg.map [data-role=reach]'), assign: q('svg.map [data-role=assign]'),
          map: box(document.querySelector('svg.map')), bars: q('svg [data-role=bar]'),
          points: q('svg [data-role=point]'), chart: box(document.querySelector('svg[data-role=line-chart]')),
          banner: q('[data-role=diagnostic-banner]'), scripts: q('script'), title: document.title};
})()"""


@pytest.fixture(scope="module")
def browser():
    if not find_chromium():
        if os.environ.get("SITEPLAN_REQUIRE_BROWSER") == "1":
            pytest.fail("SITEPLAN_REQUIRE_BROWSER=1 but chromium is not installed")
        pytest.skip("chromium not installed (apt-get install -y chromium fonts-noto-cjk)")
    with Chromium() as c:
        yield c


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from siteplan.generate import CityShape, write_city

    folder = tmp_path_factory.mktemp("city")
    return write_city(folder / "city", CityShape(36, 22, seed=5), "shanghai", "browser-city")


def _load(browser, html, shot):
    rep = browser.open(html.resolve().as_uri(), expression=PROBE, screenshot=shot, width=1200)
    assert rep.console_errors == []
    assert rep.requests == [html.resolve().as_uri()], "the report must not ask the network for anything"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    return rep.evaluated


def test_plan_report_renders_map_and_charts_offline(browser, city, tmp_path):
    from siteplan.pipeline import solve_scenario
    from siteplan.report.outputs import write_outputs

    out = write_outputs(solve_scenario(city), tmp_path / "out")
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    html = build_report(out, tmp_path / "report.html")
    got = _load(browser, html, tmp_path / "report.png")
    assert got["sites"] == len(doc["facilities"]) > 0
    assert got["reach"] == got["sites"]
    assert got["committees"] == 36 and got["assign"] == 36
    assert got["map"][0] > 500 and got["map"][1] > 200
    assert got["bars"] >= 3 and got["scripts"] == 0
    assert got["title"].startswith("browser-city")


def test_diagnostic_report_is_marked_and_drawn(browser, city, tmp_path):
    from siteplan.analysis.explain import explain_infeasible, write_diagnosis

    diag = explain_infeasible(city, overrides={"budget.capex": 5e6})
    out = write_diagnosis(diag, tmp_path / "out")
    dp = json.loads((out / "diagnostic_plan.json").read_text(encoding="utf-8"))
    html = build_report(out, tmp_path / "report.html", lang="en")
    got = _load(browser, html, tmp_path / "diagnostic.png")
    assert got["banner"] == 1 and got["sites"] == len(dp["facilities"]) > 0


def test_sweep_report_draws_the_frontier(browser, tmp_path):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "frontier.csv").write_text(
        "budget.capex,run_id,status,capex,residents_covered,coverage_share\n"
        "10000000,1,optimal,9990000,50000,0.38\n20000000,2,optimal,19990000,76000,0.57\n"
        "30000000,3,optimal,29990000,101000,0.76\n40000000,4,infeasible,,,\n", encoding="utf-8")
    html = build_report(sweep, tmp_path / "sweep.html")
    got = _load(browser, html, tmp_path / "sweep.png")
    assert got["points"] == 3  # the infeasible point has no coverage to draw
    assert got["chart"][0] > 300 and got["chart"][1] > 100
