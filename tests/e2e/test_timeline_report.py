"""The report of a timeline plan: a schedule, yearly costs with budget lines, a map per year,
compliance grouped by year; each count equal to plan.json's, offline and script-free.
The same page in headless Chromium when it is installed (no network, no console error)."""

from __future__ import annotations

import json
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from siteplan.pipeline import solve_scenario
from siteplan.report.html import build_report
from siteplan.report.outputs import write_outputs

TL = Path(__file__).resolve().parents[2] / "scenarios" / "tiny" / "tiny_timeline.yaml"


class Marks(HTMLParser):
    """(data-role, data-year) of every element, plus tags the page must not have."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: Counter = Counter()
        self.tags: Counter = Counter()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] += 1
        if "data-role" in a:
            self.marks[(a["data-role"], a.get("data-year"))] += 1
        for key in ("src", "href"):
            if a.get(key):
                self.links.append(a[key])


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_outputs(solve_scenario(TL), tmp_path_factory.mktemp("tl") / "out")


def _parse(path: Path) -> Marks:
    p = Marks()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_timeline_section_counts_equal_the_plan(folder, lang, tmp_path):
    html = build_report(folder, tmp_path / f"r-{lang}.html", lang=lang)
    doc = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    tl = doc["timeline"]
    m = _parse(html).marks
    for y in tl["years"]:
        key = str(y)
        assert m[("gantt-bar", key)] == sum(1 for e in tl["schedule"] if e["year"] == y)
        assert m[("cost-bar", key)] == 2  # capex spent and opex
        assert m[("budget-line", key)] == 1  # the capex budget (no opex budget in tiny)
        assert m[("year-row", key)] == 1
        plan = next(p for p in tl["plans"] if p["year"] == y)
        assert m[("year-site", key)] == len(plan["facilities"])
        assert m[("year-map", key)] == 1
        rows = [r for r in doc["compliance"] if r.get("year") == y]
        assert m[("compliance-row", key)] == len(rows) > 0
        assert m[("compliance-year", key)] == 1
    # the hand-worked schedule: S1 and S3 open in 2024, S1 grows in 2025
    assert m[("gantt-bar", "2024")] == 2 and m[("gantt-bar", "2025")] == 1
    text = html.read_text(encoding="utf-8")
    assert ("分年度建设计划" in text) == (lang == "zh") and ("Build schedule" in text) == (lang == "en")


def test_timeline_report_is_offline_and_script_free(folder, tmp_path):
    html = build_report(folder, tmp_path / "r.html")
    p = _parse(html)
    assert p.tags["script"] == 0 and p.tags["iframe"] == 0 and p.tags["link"] == 0
    assert all(u.startswith(("#", "data:")) for u in p.links), p.links
    assert "default-src 'none'" in html.read_text(encoding="utf-8")


def test_single_period_report_has_no_timeline_section(tmp_path):
    out = write_outputs(solve_scenario(TL.parent / "tiny.yaml"), tmp_path / "one")
    m = _parse(build_report(out, tmp_path / "r.html")).marks
    assert not any(role in ("gantt", "year-costs", "year-map", "compliance-year") for role, _ in m)
    assert sum(n for (role, _), n in m.items() if role == "compliance-row") > 0


def test_timeline_report_in_a_browser(folder, tmp_path):
    from siteplan.report.browser import Chromium, find_chromium

    if not find_chromium():
        pytest.skip("chromium not installed")
    html = build_report(folder, tmp_path / "r.html")
    probe = ("(() => { const q = s => document.querySelectorAll(s).length; const b = s => "
             "document.querySelector(s).getBoundingClientRect().width; return {bars: q('[data-role=gantt-bar]'), "
             "maps: q('svg[data-role=year-map]'), gantt: b('svg[data-role=gantt]'), costs: b('svg[data-role=year-costs]')}; })()")
    with Chromium() as c:
        rep = c.open(html.resolve().as_uri(), expression=probe, screenshot=tmp_path / "shot.png", width=1200)
    assert rep.console_errors == []
    assert rep.requests == [html.resolve().as_uri()]
    assert rep.evaluated["bars"] == 3 and rep.evaluated["maps"] == 2
    assert rep.evaluated["gantt"] > 300 and rep.evaluated["costs"] > 300
