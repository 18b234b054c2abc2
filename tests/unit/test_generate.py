"""Generated cities are deterministic, in range, feasible, and solve to checked plans."""

from __future__ import annotations

import pandas as pd

from siteplan.generate import CityShape, generate_city, write_city
from siteplan.pipeline import solve_scenario


def test_same_seed_same_city():
    a = generate_city(CityShape(200, 100, seed=4))
    b = generate_city(CityShape(200, 100, seed=4))
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])


def test_city_looks_like_the_source_plans():
    com, sites = generate_city(CityShape(1000, 400, seed=1))
    assert len(com) == 1000 and len(sites) == 400
    urban = com[com.kind == "urban"]
    assert 1_500 <= urban.residents.mean() <= 6_000  # Shanghai: ~3,940 residents per committee
    assert (com.households > 0).all() and (com.residents >= com.households).all()
    assert set(sites.kind) == {"urban", "rural", "centre"}


def test_generated_city_solves_and_checks(tmp_path, run_cli):
    path = write_city(tmp_path / "city", CityShape(60, 24, seed=9))
    code, _, err = run_cli("validate", path)
    assert code == 0, err
    outcome = solve_scenario(path, overrides={"solver.time_limit": 10})
    assert outcome.evaluation.ok and outcome.evaluation.totals["committees_covered"] == 60


def test_generate_cli_refuses_too_few_sites(tmp_path, run_cli):
    code, _, err = run_cli("generate", "--committees", "300", "--sites", "10", tmp_path / "x")
    assert code == 3 and "use --sites" in err
