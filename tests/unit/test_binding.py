"""What binds, on a city whose answer is known by construction.

Two committees of 25,000 households and 50,000 residents each (100,000 urban residents,
180 workers at 18 per 10k), street-scope area rule (15,000 m² for the street). Site A costs
10,000 CNY/m² to build and nothing to run; site B costs nothing to build and 3,000 CNY/m²
a year to run (15,000 over 5 years). A is cheaper, but the 100M capex budget buys only
10,000 m² there; B supplies the other 5,000 m². So, re-solving:
  +1 worker per 10k           -> 10 more workers x 120,000 x 5 years   = +6.0M
  +1 m² per 100 households    -> 500 m² more, all at B (x 15,000)       = +7.5M
  +1M capex                   -> 100 m² move from B to A: +1M - 1.5M    = -0.5M
  +100 m reach                -> nothing changes (and reach is structural) =  0
"""

from __future__ import annotations

import pytest
from tinycity import write_city

from siteplan.analysis.binding import binding_report


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("binding")
    path = write_city(
        folder,
        [("C1", "S", "urban", 0, 0, 25_000, 50_000), ("C2", "S", "urban", 300, 0, 25_000, 50_000)],
        [("A", "S", 100, 0, "urban", 0, 10_000, 0, 100_000, 0),
         ("B", "S", 200, 0, "urban", 0, 0, 3_000, 100_000, 0)],
        costs={"worker_per_year": 120_000, "horizon_years": 5},
        budget={"capex": 100_000_000},
        standards={"area_scope": "street",
                   "committee_workers": [{"households": [0, None], "min": 0, "max": 1000}]},
    )
    return binding_report(path)


def _row(report, key):
    return next(r for r in report.rows if r.key == key)


def test_base_plan_is_the_constructed_one(report):
    t = report.base_totals
    assert t["capex"] == pytest.approx(100e6, abs=10)
    assert t["workers"] == 180
    assert t["total_cost"] == pytest.approx(100e6 + 5 * (5_000 * 3_000 + 180 * 120_000), abs=100)


@pytest.mark.parametrize("key, delta, tight", [
    ("workers_per_10k_urban", 6.0e6, True),
    ("area_per_100_households", 7.5e6, True),
    ("budget.capex", -0.5e6, True),
    ("reach.walk_m", 0.0, None),  # structural: held by construction, never tight
])
def test_each_nudge_costs_what_the_construction_says(report, key, delta, tight):
    r = _row(report, key)
    assert r.status == "solved"
    assert r.delta_total == pytest.approx(delta, abs=100)
    assert r.tight is tight


def test_report_words(report):
    text = report.text()
    assert "+1 worker per 10,000 urban residents: costs 6.00M CNY more over 5 years" in text
    assert "+1M CNY capex budget: saves 0.50M CNY over 5 years; tight" in text
    assert "+100 m walking reach: no measurable effect" in text


def test_under_max_coverage_a_nudge_is_read_in_residents(tmp_path):
    from tinycity import four_committees

    # 0.6M capex builds S1 for C1 and C2 (600 m² at 1,000 CNY); 1M more also builds S2
    path = four_committees(tmp_path, objective="max_coverage", budget={"capex": 600_000})
    rep = binding_report(path)
    capex = _row(rep, "budget.capex")
    assert capex.delta_covered == 5_000 and capex.tight is True
    assert "+1M CNY capex budget: covers 5,000 more residents" in capex.text
