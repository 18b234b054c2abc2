"""highspy and ortools load clashing HiGHS libraries; every backend must work after either.

Each scenario runs in a fresh interpreter that first imports one library (as a user's own
code or another siteplan command might), then solves with every backend through the runner.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from backend_support import required

from siteplan.backends.registry import ROUTES, get_backend

HERE = Path(__file__).resolve().parent

SCRIPT = """
import json, sys
sys.path.insert(0, {here!r})
{first}
from backend_battery import knapsack, cflp
from siteplan.backends import solve
rows = {{}}
for name in {names!r}:
    for model in (knapsack(), cflp()):
        res = solve(model, name)
        rows[name + ":" + model.name] = [res.status.value, res.objective, res.isolation,
                                         res.message[:200]]
rows["loaded"] = sorted({{m.split(".")[0] for m in sys.modules}} & {{"highspy", "ortools", "pulp", "pyscipopt"}})
print(json.dumps(rows))
"""

FIRST = {
    "highspy": "import highspy; highspy.Highs()",
    "ortools": ("from ortools.math_opt.python import mathopt; "
                "from ortools.linear_solver import pywraplp; pywraplp.Solver.CreateSolver('SCIP')"),
    "pulp": "import pulp  # pulp itself imports highspy",
    "pyscipopt": "import pyscipopt; pyscipopt.Model()",
}


def available_backends() -> list[str]:
    names = []
    for name in ROUTES:
        ok, _ = get_backend(name).available()
        if ok or name in required():
            names.append(name)
    return names


@pytest.mark.parametrize("first", list(FIRST))
def test_every_backend_after_importing(first):
    if first == "pulp" and not get_backend("pulp-cbc").available()[0]:
        pytest.skip("pulp not installed")
    names = available_backends()
    script = SCRIPT.format(here=str(HERE), first=FIRST[first], names=names)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=240, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    for name in names:
        status, objective, _isolation, message = rows[f"{name}:knapsack"]
        assert status == "optimal", f"{name} after {first}: {message}"
        assert objective == pytest.approx(-27.0)
        status, objective, _isolation, message = rows[f"{name}:cflp"]
        assert status in ("optimal", "feasible"), f"{name} after {first}: {message}"
        assert objective == pytest.approx(41.5)
    # a backend runs in a child exactly when something loaded clashes with it
    for name in names:
        clash = any(c in rows["loaded"] for c in get_backend(name).clashes)
        assert rows[f"{name}:knapsack"][2] == ("process" if clash else "inline"), (name, rows)


def test_pulp_cbc_loads_no_native_library():
    """The CBC route never imports pulp (which would drag highspy in and block OR-Tools)."""
    script = (f"import sys; sys.path.insert(0, {str(HERE)!r})\n"
              "from backend_battery import knapsack\n"
              "from siteplan.backends import solve\n"
              "r = solve(knapsack(), 'pulp-cbc')\n"
              "assert r.status.value == 'optimal', r.message\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('pulp', 'highspy', 'ortools', 'pyscipopt')))")
    if not get_backend("pulp-cbc").available()[0]:
        pytest.skip("pulp-cbc unavailable")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
