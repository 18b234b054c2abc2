"""`siteplan solvers` lists every backend and loads no native solver library."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from siteplan.backends.registry import ROUTES, SCENARIO_BACKEND
from siteplan.commands.solver_cmds import solvers_cmd


def test_table_lists_every_backend():
    out = CliRunner().invoke(solvers_cmd, []).output
    for name in ROUTES:
        assert name in out
    assert "clashes with" in out and "*" in out


def test_json():
    data = json.loads(CliRunner().invoke(solvers_cmd, ["--json"]).output)
    rows = {r["name"]: r for r in data["backends"]}
    assert set(rows) == set(ROUTES)
    assert rows[SCENARIO_BACKEND]["default"] is True and sum(r["default"] for r in rows.values()) == 1
    assert "ortools" in rows["highs"]["clashes"]
    for r in rows.values():
        assert {"available", "version", "reason", "clashes", "warm_start"} <= set(r)
        if r["available"]:
            assert r["version"]


def test_listing_imports_no_solver():
    code = ("import sys; from siteplan.cli import main; main(['solvers', '--json']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('highspy', 'ortools', 'pulp', 'pyscipopt')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_check_solves_with_every_available_backend():
    result = CliRunner().invoke(solvers_cmd, ["--check", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["backends"]
    for r in rows:
        if r["available"]:
            assert r["check"] == "ok", r
