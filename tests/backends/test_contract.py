"""The backend contract of `backends/base.py`, held for every route and both isolations.

* an unknown solver option is the same error everywhere: `UnknownOptionError`, message
  `backend 'NAME' has no option 'KEY'`, raised inline and raised again from a worker;
* `Backend.solve` cleans every result the same way (`common.finish_result`);
* capabilities, not names: an LP-capable route is picked by `registry.lp_backend`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from backend_battery import knapsack

from siteplan.backends import SolveOptions, solve
from siteplan.backends.common import finish_result
from siteplan.backends.registry import ROUTES, get_backend, lp_backend
from siteplan.errors import UnknownOptionError
from siteplan.result import SolveResult, Termination

HERE = Path(__file__).resolve().parent
BAD = "no_such_option_xyz"

#: what an inline solve raises, run in a fresh process (so no other library is loaded)
CHILD = """
import json, sys
sys.path.insert(0, {here!r})
from backend_battery import knapsack
from siteplan.backends import SolveOptions, solve
try:
    res = solve(knapsack(), {name!r}, SolveOptions(isolation="inline", extra={extra!r}))
    print(json.dumps({{"raised": None, "status": res.status.value, "message": res.message}}))
except Exception as exc:
    print(json.dumps({{"raised": type(exc).__name__, "message": exc.message,
                      "backend": getattr(exc, "backend", None), "option": getattr(exc, "option", None)}}))
"""


def _inline(name: str, extra: dict) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD.format(here=str(HERE), name=name, extra=extra)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _expected(name: str, key: str) -> dict:
    return {"raised": "UnknownOptionError", "message": f"backend {name!r} has no option {key!r}",
            "backend": name, "option": key}


def test_unknown_option_inline_is_the_same_error_on_every_backend(backend):
    assert _inline(backend, {BAD: 1}) == _expected(backend, BAD)


def test_unknown_option_in_a_worker_is_the_same_error_on_every_backend(backend):
    with pytest.raises(UnknownOptionError) as info:
        solve(knapsack(), backend, SolveOptions(isolation="process", extra={BAD: 1}))
    exc = info.value
    got = {"raised": type(exc).__name__, "message": exc.message, "backend": exc.backend,
           "option": exc.option}
    assert got == _expected(backend, BAD)
    assert exc.fix  # each backend says what a valid name looks like


@pytest.mark.parametrize("name", ["scip", "ortools-scip"])
def test_unknown_scip_parameter_name_is_the_same_error(name):
    """SCIP names have a slash; gSCIP checks them only at the solve, without naming them."""
    from backend_support import require_or_skip

    require_or_skip(name)
    key = "limits/no_such_limit"
    assert _inline(name, {key: 1}) == _expected(name, key)
    with pytest.raises(UnknownOptionError, match="has no option 'limits/no_such_limit'"):
        solve(knapsack(), name, SolveOptions(isolation="process", extra={key: 1}))


def test_known_option_still_passes(backend):
    from test_limits_and_options import EXTRAS

    res = solve(knapsack(), backend, SolveOptions(isolation="process", extra=EXTRAS[backend]))
    assert res.status == Termination.OPTIMAL, res.message


# ---- the shared clean-up ---------------------------------------------------------------

def test_finish_result_drops_a_point_that_breaks_the_model():
    model = knapsack()
    bad = np.full(model.n_vars, 5.0)  # far beyond the binaries' bounds
    res = finish_result(model, SolveResult(backend="x", status=Termination.OPTIMAL, x=bad,
                                           objective=1.0, bound=1.0, limit="time"))
    assert res.status == Termination.NO_SOLUTION_FOUND
    assert res.x is None and res.objective is None and res.bound is None and res.gap is None


def test_finish_result_makes_bound_gap_and_limit_consistent():
    model = knapsack()
    x = np.zeros(model.n_vars)
    res = finish_result(model, SolveResult(backend="x", status=Termination.OPTIMAL, x=x,
                                           bound=float("-inf"), limit="time"))
    assert res.objective == pytest.approx(model.objective_value(x))
    assert res.bound is None and res.gap is None and res.limit is None
    res = finish_result(model, SolveResult(backend="x", status=Termination.INFEASIBLE, x=x,
                                           objective=0.0, bound=3.0))
    assert res.x is None and res.objective is None and res.bound is None


def test_every_route_cleans_results_through_backend_solve():
    """No adapter overrides `solve`: the clean-up cannot be skipped by one of them."""
    from siteplan.backends.base import Backend

    for name in ROUTES:
        assert type(get_backend(name)).solve is Backend.solve, name


# ---- capabilities, not names -----------------------------------------------------------

def test_lp_backend_follows_the_capability():
    for name in ROUTES:
        b = get_backend(name)
        if b.solves_lp:
            assert lp_backend(name) == name
        else:
            assert get_backend(lp_backend(name)).solves_lp
    assert get_backend("ortools-cpsat").solves_lp is False  # it grids continuous variables
