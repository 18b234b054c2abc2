"""`--solver` means the same in solve, compare, sweep and explain: one function merges it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from siteplan.cli import main
from siteplan.commands.options import solver_choice
from siteplan.errors import InputError
from siteplan.scenario.load import load_scenario

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "scenarios" / "tiny" / "tiny.yaml"
PROFILE = REPO / "solvers" / "highs-fast.yaml"


def test_a_route_keeps_the_scenario_options():
    name, opts = solver_choice(load_scenario(TINY), "pulp-cbc")
    assert name == "pulp-cbc" and opts.time_limit == 30 and opts.mip_gap == 0.0


def test_a_profile_name_and_its_path_mean_the_same():
    scn = load_scenario(TINY)
    by_name, by_path = solver_choice(scn, "highs-fast"), solver_choice(scn, str(PROFILE))
    assert by_name == by_path
    assert by_name[0] == "highs" and by_name[1].mip_gap == 0.01 and by_name[1].extra


def test_command_line_limits_override_route_and_profile():
    scn = load_scenario(TINY)
    for solver in (None, "highs", "highs-fast", str(PROFILE)):
        _, opts = solver_choice(scn, solver, time_limit=7.0, mip_gap=0.5, threads=1)
        assert (opts.time_limit, opts.mip_gap, opts.threads) == (7.0, 0.5, 1), solver


def test_an_unknown_solver_is_one_input_error():
    with pytest.raises(InputError, match="no solver profile or backend called 'nosuch'"):
        solver_choice(load_scenario(TINY), "nosuch")


@pytest.mark.parametrize("command", ["solve_cmd", "compare_cmd", "sweep_cmd", "explain_cmd"])
def test_every_solving_command_uses_the_one_merge(command):
    """No command interprets --solver itself (they once did, three different ways)."""
    src = {"solve_cmd": "plan_cmds.py", "compare_cmd": "store_cmds.py", "sweep_cmd": "store_cmds.py",
           "explain_cmd": "report_cmds.py"}[command]
    tree = ast.parse((REPO / "siteplan" / "commands" / src).read_text(encoding="utf-8"))
    fn = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == command)
    calls = {n.func.id for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "solver_choice" in calls
    assert "solver_settings" not in calls and "load_profile" not in calls


def test_explain_takes_a_profile_name(tmp_path):
    """explain used to take a route only; a profile name now works as in solve."""
    code = main(["explain", str(TINY), "--solver", "highs-fast", "--out", str(tmp_path / "o"), "--json"])
    assert code == 0
