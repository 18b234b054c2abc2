"""`siteplan solvers`: which backends this install can run, their versions and clashes.

Availability is read without importing any native solver library, so this command is safe
to run anywhere and never triggers the highspy/ortools clash it reports.
"""

from __future__ import annotations

import json
from typing import Any

import click

from siteplan.backends.registry import DEFAULT_BACKEND, list_backends
from siteplan.errors import SolverError
from siteplan.solver_profiles import list_profiles


def smoke_model():
    """A 4-item knapsack (optimum 23: items 0 and 1) for `--check`."""
    import numpy as np

    from siteplan.model.ir import ModelBuilder

    b = ModelBuilder("smoke")
    x = b.add_vars("take", 4, ub=1, integer=True, cost=[-10, -13, -7, -8])
    b.add_rows("weight", 1, np.zeros(4), x, [4, 6, 3, 5], ub=10)
    return b.finish(sense="max")


def check_backend(name: str) -> dict:
    """Solve the smoke model with `name` in a worker process: does this backend really run?"""
    import time

    from siteplan.backends import SolveOptions, solve
    from siteplan.errors import SiteplanError
    from siteplan.result import Termination

    t0 = time.perf_counter()
    try:
        res = solve(smoke_model(), name, SolveOptions(time_limit=30, isolation="process"))
    except SiteplanError as exc:
        return {"check": "failed", "check_detail": exc.message}
    ok = res.status == Termination.OPTIMAL and res.objective is not None and abs(res.objective + 23) < 1e-6
    return {"check": "ok" if ok else "failed",
            "check_detail": f"{time.perf_counter() - t0:.2f} s" if ok else
            f"{res.status.value}: {res.message}",
            "version": res.backend_version or None}


def _rows() -> list[dict[str, Any]]:
    """`list_backends` rows as plain dicts (`--check` adds its columns to them)."""
    return [dict(r) for r in list_backends()]


def _table(rows: list[dict]) -> str:
    checked = any("check" in r for r in rows)
    head = ["backend", "available", "version", "default", "warm start", "clashes with"]
    head += ["check", "notes"] if checked else ["notes"]
    body = [[
        r["name"],
        "yes" if r["available"] else "no",
        r["version"] or "-",
        "*" if r.get("default") else "",
        "yes" if r["warm_start"] else "no",
        ", ".join(r["clashes"]) or "-",
        *([r.get("check", "-")] if checked else []),
        r["reason"] if not r["available"] else (
            r["check_detail"] if r.get("check") == "failed" else r.get("description", "")),
    ] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + "  {}"
    lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row) for row in body]
    return "\n".join(line.rstrip() for line in lines)


@click.command("solvers")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--check", is_flag=True,
              help="Also solve a tiny model with each available backend (a worker each).")
def solvers_cmd(as_json: bool, check: bool) -> None:
    """List every solver backend: availability, version, default, clashes.

    Backends that clash (their native libraries cannot share a process) still work together:
    siteplan runs the second one in a child process automatically. Exits with 7 when
    --check finds an available backend that does not actually solve.
    """
    rows = _rows()
    if check:
        for r in rows:
            if r["available"]:
                found = check_backend(r["name"])
                r.update({k: v for k, v in found.items() if v is not None})
    profiles = [str(p) for p in list_profiles()]
    if as_json:
        click.echo(json.dumps({"backends": rows, "profiles": profiles}, indent=2))
    else:
        click.echo(_table(rows))
        click.echo(f"\n* the default for scenarios; classic models, `siteplan bench` and LPs default to "
                   f"{DEFAULT_BACKEND}. Profiles (use with --solver): "
                   + (", ".join(profiles) if profiles else "none found"))
    failed = [r["name"] for r in rows if r.get("check") == "failed"]
    if failed:
        raise SolverError(f"backend(s) listed as available but failing to solve: "
                          f"{', '.join(failed)}", fix="reinstall them: pip install -e .")
