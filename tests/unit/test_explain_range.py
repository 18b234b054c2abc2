"""explain in seconds: siteplan's own default tier (and its prices) said as a range after a
short solve unless --exact-defaults, and a price whose sentence no cheaper plan could change
needs no MIP."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from tinycity import four_committees

from siteplan.analysis import explain
from siteplan.analysis.elastic import SlackGroup
from siteplan.analysis.explain import (
    RANGE_SECONDS,
    Diagnosis,
    _price_text,
    _settled,
    explain_infeasible,
)
from siteplan.cli import main
from siteplan.result import SolveResult, Termination

TIER_SOLVE = explain._tier_solve
#: worker bands of 1-3 per committee: 18 workers at 18 per 10k overfill them (siteplan default tier)
BANDS = {"standards": {"committee_workers": [{"households": [0, None], "min": 1, "max": 3}]}}


def _em(plot_scale: float) -> SimpleNamespace:
    """The groups `_settled` reads: Xinhe's budgets (450M capex, 250M opex) and plot caps."""
    def group(name, tier, scale):
        return SlackGroup(name, "budget", tier, scale, np.arange(1), np.zeros(1))
    return SimpleNamespace(groups=[group("plot_cap", "capacity", plot_scale), group("capex", "resource", 450e6),
                                   group("opex", "resource", 250e6), group("minarea", "default", 33_600.0)])


def _start(objective: float | None, status=Termination.FEASIBLE) -> SolveResult:
    return SolveResult(backend="highs", status=status, objective=objective, bound=0.367)


def test_a_price_start_below_what_a_sentence_says_is_settled():
    xinhe = _em(293_670.0)
    # Xinhe's minimum-area price start: 0.671 ≈ 168k CNY a year (< 0.1% of 250M) or 0.2 m² of plot
    assert _settled(xinhe, _start(0.671))
    # 1.2 could be 300k CNY a year more opex (0.12% of the budget): a MIP may change the sentence
    assert not _settled(xinhe, _start(1.2))
    # with 3,000,000 m² of plots the same cost could be 2 m² more plot, which would be said
    assert not _settled(_em(3e6), _start(0.671))
    assert not _settled(xinhe, _start(None, Termination.NO_SOLUTION_FOUND)) and not _settled(xinhe, None)


def test_a_plot_raise_under_half_a_square_metre_is_not_said():
    assert _price_text({"possible": True, "plot_m2": 0.2, "exact": False}) == "; it can be met within the budgets"
    assert "1 m² more plot capacity" in _price_text({"possible": True, "plot_m2": 0.6, "exact": True})


def _limits_given(monkeypatch, tmp_path, **kw) -> dict[str, float]:
    """The time limit each tier's solve was given by explain."""
    seen: dict[str, float] = {}
    real = TIER_SOLVE

    def spy(em, mm, c, start, backend, o, tier, ranged=False):
        seen[tier] = o.time_limit
        assert ranged == (tier == "default" and not kw.get("exact_defaults"))
        return real(em, mm, c, start, backend, o, tier, ranged)

    monkeypatch.setattr(explain, "_tier_solve", spy)
    diag = explain_infeasible(four_committees(tmp_path, **BANDS), **kw)
    assert [s.group for s in diag.shortfalls] == ["band_high"]  # the bands' shortfall, a default rule
    assert diag.shortfalls[0].amount == pytest.approx(6.0, abs=1e-4)  # 18 workers, at most 12 in bands
    return seen


def test_the_default_tier_gets_a_short_solve_unless_exact_defaults(monkeypatch, tmp_path):
    quick = _limits_given(monkeypatch, tmp_path / "quick")
    assert quick["default"] == pytest.approx(RANGE_SECONDS)
    assert all(v > RANGE_SECONDS for t, v in quick.items() if t != "default")  # the others: their share
    exact = _limits_given(monkeypatch, tmp_path / "exact", exact_defaults=True)
    assert exact["default"] > RANGE_SECONDS


def test_a_ranged_tier_stopped_at_its_limit_says_how_to_solve_it_to_the_end():
    def note(values):
        return Diagnosis._bounds_text(SimpleNamespace(tier_values=values))

    values = {"default": 189.4, "bounds": {"default": 146.7}, "limits": ["default: time"], "ranged": ["default"]}
    fake = SimpleNamespace(scenario=SimpleNamespace(name="x"), shortfalls=[SimpleNamespace(text="t")], proofs=[],
                           feasible=False, tier_values=values, _bounds_text=lambda: note(values))
    text = Diagnosis.text(fake)
    assert "at most 23% above the least" in text and "(siteplan default shortfalls: explain --exact-defaults)" in text
    values["limits"] = ["expected: time"]  # the ranged tier closed: only the usual advice
    assert "--exact-defaults" not in Diagnosis.text(fake)


def test_cli_explain_takes_exact_defaults(tmp_path, capsys):
    path = four_committees(tmp_path / "city", **BANDS)
    assert main(["explain", str(path), "--exact-defaults", "--out", str(tmp_path / "out")]) == 4
    assert "band maxima would have to allow 6 more workers" in capsys.readouterr().out


def test_independent_solves_share_no_pool_on_a_busy_machine():
    import os

    from siteplan.analysis.parallel import default_workers

    assert default_workers(4, True, spare=0.2) == 1  # the other cores busy: one process
    assert default_workers(4, True, spare=1.0) == min(2, os.cpu_count() or 1)
    assert default_workers(4, False, spare=1.0) == 1 and default_workers(1, True, spare=1.0) == 1
