"""The cut callback (`Backend.solve_with_cuts`) on every backend that claims it, and a clear
refusal on every backend that does not."""

from __future__ import annotations

import numpy as np
import pytest

from siteplan.backends import SolveOptions
from siteplan.backends.registry import ROUTES, cut_callback_backend, get_backend, list_backends
from siteplan.backends.runner import solve_with_cuts
from siteplan.errors import SolverError
from siteplan.model.cuts import CutRows
from siteplan.model.ir import ModelBuilder

CLAIMING = [n for n in ROUTES if get_backend(n).supports_cut_callback]
REFUSING = [n for n in ROUTES if not get_backend(n).supports_cut_callback]


def _model():
    """max x0 + x1 + x2 over integers in [0, 3] (written as a minimisation)."""
    b = ModelBuilder("cuts")
    b.add_vars("x", 3, lb=0.0, ub=3.0, integer=True, cost=-1.0)
    b.add_rows("box", 1, np.zeros(3), np.arange(3), 1.0, ub=9.0)
    return b.finish()


def _row(coefs, lb=-np.inf, ub=np.inf) -> CutRows:
    cols = np.flatnonzero(coefs)
    return CutRows(np.array([0, cols.size]), cols, np.asarray(coefs, float)[cols],
                   np.array([lb], float), np.array([ub], float))


class Hidden:
    """Lazy rows x0 + x1 <= 2 and x1 + x2 <= 3, shown only when violated; counts its calls."""

    def __init__(self):
        self.integral_calls = 0
        self.fractional_calls = 0

    def separate(self, x, integral):
        if integral:
            self.integral_calls += 1
        else:
            self.fractional_calls += 1
        if x[0] + x[1] > 2 + 1e-6:
            return _row([1, 1, 0], ub=2.0)
        if x[1] + x[2] > 3 + 1e-6:
            return _row([0, 1, 1], ub=3.0)
        return None


def _available(name):
    ok, why = get_backend(name).available()
    if not ok:
        pytest.skip(why)


def test_scip_claims_the_callback_and_highs_does_not():
    assert "scip" in CLAIMING and "highs" in REFUSING
    rows = {r["name"]: r["cut_callback"] for r in list_backends()}
    assert rows["scip"] is True and rows["highs"] is False


@pytest.mark.parametrize("name", CLAIMING)
def test_lazy_rows_shape_the_optimum(name):
    _available(name)
    sep = Hidden()
    res = solve_with_cuts(_model(), name, SolveOptions(time_limit=30), sep)
    assert res.status.value == "optimal"
    x = np.round(res.x)
    # without the hidden rows the optimum is 9 (all at 3); with them it is x0 + x1 + x2 = 5
    assert x[0] + x[1] <= 2 and x[1] + x[2] <= 3
    assert res.objective == pytest.approx(-5.0)
    assert sep.integral_calls > 0


@pytest.mark.parametrize("name", CLAIMING)
def test_a_rejected_start_is_not_the_answer(name):
    _available(name)
    m = _model().replace(warm_start=np.array([3.0, 3.0, 3.0]))  # violates the hidden rows
    res = solve_with_cuts(m, name, SolveOptions(time_limit=30), Hidden())
    assert res.objective == pytest.approx(-5.0)


@pytest.mark.parametrize("name", CLAIMING)
def test_an_error_in_the_separator_reaches_the_caller(name):
    _available(name)

    class Broken:
        def separate(self, x, integral):
            raise ValueError("separator bug")

    with pytest.raises(ValueError, match="separator bug"):
        solve_with_cuts(_model(), name, SolveOptions(time_limit=30), Broken())


@pytest.mark.parametrize("name", REFUSING)
def test_backends_without_the_callback_refuse_clearly(name):
    with pytest.raises(SolverError, match="no cut callback"):
        get_backend(name).solve_with_cuts(_model(), SolveOptions(), Hidden())


def test_cut_callback_route_prefers_the_asked_one():
    assert cut_callback_backend("scip") == "scip"
    assert cut_callback_backend("highs") in CLAIMING


def test_cut_rows_violation_and_subset():
    rows = CutRows(np.array([0, 2, 3, 3]), np.array([0, 1, 2]), np.array([1.0, 1.0, 2.0]),
                   np.array([-np.inf, 1.0, 0.0]), np.array([2.0, np.inf, 1.0]))
    x = np.array([2.0, 1.0, 0.0])
    assert rows.violated(x).tolist() == [True, True, False]  # 3 > 2; 0 < 1; empty row 0 in [0, 1]
    sub = rows.subset(np.array([False, True, False]))
    assert sub.n_rows == 1 and sub.indices.tolist() == [2] and sub.lb.tolist() == [1.0]


class Stopping(Hidden):
    """`Hidden`, asking the backend to stop after its first call (cuts.py: stop_requested)."""

    stop_requested = False

    def separate(self, x, integral):
        rows = super().separate(x, integral)
        self.stop_requested = True
        return rows


@pytest.mark.parametrize("name", CLAIMING)
def test_a_stop_request_ends_the_search_unproven(name):
    _available(name)
    sep = Stopping()
    res = solve_with_cuts(_model(), name, SolveOptions(time_limit=30), sep)
    assert res.status.value != "optimal"  # without the request this model is solved (above)
