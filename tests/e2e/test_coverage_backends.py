"""max_coverage on SCIP gives what it gives on HiGHS: the same coverage and least cost
within the gap, and both plans pass the independent checker. SCIP solves a coverage phase
that reaches few residents about 3x faster than HiGHS (benchmarks/README.md), so the default
route (`adaptive`) sends such phases to it; this keeps that choice safe, and checks the rule
picks each solver where it should and says so in the record."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from siteplan.backends import SolveOptions, adaptive, solve
from siteplan.cli import main
from siteplan.generate import CityShape, write_city
from siteplan.instance import build_instance
from siteplan.model.build import add_coverage_floor
from siteplan.pipeline import planning_model, solve_scenario
from siteplan.report.outputs import write_outputs
from siteplan.scenario.load import load_scenario

pytest.importorskip("highspy")
pytest.importorskip("pyscipopt")

GAP = 1e-3
MAXCOV = {
    "objective": "max_coverage",
    "solver.mip_gap": GAP,
    "solver.time_limit": 120,
    "solver.threads": 1,
}


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    """80 committees, 40 sites: at 3M and 8M capex the budget binds (17% and 23% covered)."""
    return write_city(tmp_path_factory.mktemp("cov") / "c80", CityShape(80, 40, 7, 0.2, 1000))


@pytest.mark.parametrize("capex", [3e6, 8e6])
def test_scip_matches_highs_and_passes_the_checker(city, tmp_path, capex):
    got = {}
    for route in ("highs", "scip"):
        out = solve_scenario(city, backend=route, overrides={**MAXCOV, "budget.capex": capex})
        assert out.backend == route and out.status.value == "optimal"
        assert len(out.phases) == 2  # coverage, then least cost at that coverage
        folder = write_outputs(out, tmp_path / route)
        assert main(["check", str(folder)]) == 0  # the independent checker re-reads plan.json
        t = out.evaluation.totals
        assert t["residents_covered"] < t["residents"]  # the budget binds: a real choice
        got[route] = (t["residents_covered"], t["total_cost"], -out.phases[0]["bound"])
    (cov_h, cost_h, ub_h), (cov_s, cost_s, ub_s) = got["highs"], got["scip"]
    # each coverage is within the gap of the tighter of the two proven upper bounds
    for cov in (cov_h, cov_s):
        assert cov >= (1 - GAP) * min(ub_h, ub_s) - 1
    assert cov_s == pytest.approx(cov_h, rel=GAP)
    if cov_s == cov_h:  # the same coverage floor: the least cost agrees within the gap
        assert cost_s == pytest.approx(cost_h, rel=GAP)


def _model(city: Path, **overrides):
    scn = load_scenario(city, {**MAXCOV, **overrides})
    return planning_model(scn, build_instance(scn))


def test_the_rule_reads_the_lp_share(city):
    """SCIP for a coverage phase whose LP covers under SCIP_BELOW of residents, HiGHS for
    everything else: a generous budget, the least-cost phase, min_cost, given HiGHS options."""
    tight, pm = _model(city, **{"budget.capex": 3e6})
    name, why = adaptive.route(tight, SolveOptions())
    assert name == "scip" and why["lp_share"] < adaptive.SCIP_BELOW
    mip = solve(tight, "highs", SolveOptions(mip_gap=GAP))
    assert mip.objective is not None  # the LP covers at least what the MIP does: an upper bound
    assert why["lp_share"] * pm.inst.residents.sum() >= -mip.objective - 1e-6
    roomy, _ = _model(city, **{"budget.capex": 1e9})
    name, why = adaptive.route(roomy, SolveOptions())
    assert name == "highs" and why["lp_share"] >= adaptive.SCIP_BELOW
    assert adaptive.route(tight, SolveOptions(extra={"presolve": "off"}))[0] == "highs"  # HiGHS's options
    assert adaptive.route(add_coverage_floor(tight, pm, 1.0), SolveOptions())[0] == "highs"  # least cost
    assert adaptive.route(tight.replace(integer=np.zeros_like(tight.integer)), SolveOptions())[0] == "highs"  # an LP
    least_cost, _ = _model(city, objective="min_cost", **{"budget.capex": None})
    assert adaptive.route(least_cost, SolveOptions()) == ("highs", {"rule": "not a coverage phase"})


def test_default_route_solves_few_covered_on_scip_and_agrees_with_highs(city, tmp_path):
    """The default route: the tight budget's coverage phase on SCIP, the least-cost phase on
    HiGHS, the same coverage and cost as HiGHS alone, and a record that says so."""
    over = {**MAXCOV, "budget.capex": 3e6, "solver.mip_gap": 0}
    said: list[str] = []
    out = solve_scenario(city, overrides=over, progress=said.append)
    alone = solve_scenario(city, backend="highs", overrides=over)
    assert out.backend == "adaptive" and out.status.value == alone.status.value == "optimal"
    assert [p["extra"]["route"]["backend"] for p in out.phases] == ["scip", "highs"]
    assert [p["backend"] for p in out.phases] == ["scip", "highs"]
    assert any(line.startswith("adaptive: the coverage phase goes to scip") for line in said)
    assert not any("route" in (p.get("extra") or {}) for p in alone.phases)  # a named backend is kept
    t, ta = out.evaluation.totals, alone.evaluation.totals
    assert out.evaluation.ok and t["residents_covered"] == ta["residents_covered"] < t["residents"]
    assert t["total_cost"] == pytest.approx(ta["total_cost"], rel=1e-6)
    folder = tmp_path / "run"
    assert main(["solve", str(city), "--out", str(folder), "--no-store", "--quiet",
                 *[a for k, v in over.items() for a in ("--set", f"{k}={v}")]]) == 0
    doc = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert doc["solver"]["backend"] == "adaptive"
    assert doc["solver"]["version"].startswith("scip ") and ", highs " in doc["solver"]["version"]
    assert main(["check", str(folder)]) == 0
