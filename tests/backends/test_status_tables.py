"""Each adapter reads its solver's status through one table; check the tables are sound."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
from backend_support import require_or_skip

from siteplan.backends.registry import ROUTES, get_backend
from siteplan.result import LIMITS, Termination

#: every adapter that reads a solver's own status; the race and the adaptive route read only
#: their entrants' results (already mapped by the highs and scip tables): no table of their own
PORTFOLIOS = {"siteplan.backends.race", "siteplan.backends.adaptive"}
MODULES = sorted({route.split(":")[0] for route in ROUTES.values()} - PORTFOLIOS)


@pytest.mark.parametrize("module", MODULES)
def test_status_map_is_well_formed(module):
    table = importlib.import_module(module).STATUS_MAP
    assert table, f"{module}.STATUS_MAP is empty"
    for key, (with_sol, without, limit) in table.items():
        assert isinstance(with_sol, Termination) and isinstance(without, Termination), key
        assert not without.has_solution, f"{key}: 'no solution' side claims a solution"
        assert limit is None or limit in LIMITS, f"{key}: unknown limit {limit!r}"
        if limit is not None:  # a limit stop is FEASIBLE with a plan, NO_SOLUTION_FOUND without
            assert with_sol in (Termination.FEASIBLE, Termination.ERROR), key
            assert without in (Termination.NO_SOLUTION_FOUND, Termination.ERROR), key
        if with_sol == Termination.OPTIMAL:
            assert limit is None, key


def test_time_limit_rows_say_time():
    from siteplan.backends import highs, pulp_cbc, scip

    assert highs.STATUS_MAP["kTimeLimit"][2] == "time"
    assert pulp_cbc.STATUS_MAP["Stopped on time"][2] == "time"
    assert scip.STATUS_MAP["timelimit"][2] == "time"


# statuses each native library can report, listed in a child process (highspy and ortools
# cannot share one); pulp-cbc and scip report strings without an enumerable list
ENUM_SCRIPTS = {
    "highs": "import highspy, json; print(json.dumps(list(highspy.HighsModelStatus.__members__)))",
    "ortools-scip": ("from ortools.math_opt import result_pb2; import json; "
                     "print(json.dumps(list(result_pb2.TerminationReasonProto.keys())))"),
}
IGNORED = {"kNotset", "kLoadError", "kModelError", "kPresolveError", "kSolveError",
           "kPostsolveError", "kModelEmpty", "kUnknown", "TERMINATION_REASON_UNSPECIFIED"}


@pytest.mark.parametrize("name", list(ENUM_SCRIPTS))
def test_status_map_covers_solver_enum(name):
    require_or_skip(name)
    out = subprocess.run([sys.executable, "-c", ENUM_SCRIPTS[name]], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    statuses = set(json.loads(out)) - IGNORED
    module = importlib.import_module(ROUTES[name].split(":")[0])
    missing = statuses - set(module.STATUS_MAP)
    assert not missing, f"{name}: statuses with no row in STATUS_MAP: {sorted(missing)}"


def test_clash_declarations_are_symmetric():
    """If A cannot load next to what B loads, B must also refuse to load next to A."""
    backends = [get_backend(name) for name in ROUTES]
    for a in backends:
        for b in backends:
            a_hits_b = any(lp.startswith(c) for c in a.clashes for lp in b.loads)
            b_hits_a = any(lp.startswith(c) for c in b.clashes for lp in a.loads)
            assert a_hits_b == b_hits_a, f"{a.name} / {b.name} clash declared one way only"


def test_known_clashes():
    assert "ortools" in get_backend("highs").clashes
    assert "highspy" in get_backend("ortools-scip").clashes
    assert "highspy" in get_backend("ortools-cpsat").clashes
    assert get_backend("scip").clashes == ()
    assert get_backend("pulp-cbc").clashes == ()
