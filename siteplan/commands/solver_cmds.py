"""`siteplan solvers`: which backends this install can run, their versions and clashes.

Availability is read without importing any native solver library, so this command is safe
to run anywhere and never triggers the highspy/ortools clash it reports.
"""

from __future__ import annotations

import json

import click

from siteplan.backends.registry import list_backends
from siteplan.solver_profiles import list_profiles


def _rows() -> list[dict]:
    rows = list_backends()
    for r in rows:
        r.setdefault("clashes", [])
        r.setdefault("warm_start", False)
    return rows


def _table(rows: list[dict]) -> str:
    head = ["backend", "available", "version", "default", "warm start", "clashes with", "notes"]
    body = [[
        r["name"],
        "yes" if r["available"] else "no",
        r["version"] or "-",
        "*" if r.get("default") else "",
        "yes" if r["warm_start"] else "no",
        ", ".join(r["clashes"]) or "-",
        r["reason"] if not r["available"] else r.get("description", ""),
    ] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + "  {}"
    lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row) for row in body]
    return "\n".join(line.rstrip() for line in lines)


@click.command("solvers")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def solvers_cmd(as_json: bool) -> None:
    """List every solver backend: availability, version, default, clashes.

    Backends that clash (their native libraries cannot share a process) still work together:
    siteplan runs the second one in a child process automatically.
    """
    rows = _rows()
    profiles = [str(p) for p in list_profiles()]
    if as_json:
        click.echo(json.dumps({"backends": rows, "profiles": profiles}, indent=2))
        return
    click.echo(_table(rows))
    click.echo("\n* default backend. Profiles (use with --solver): "
               + (", ".join(profiles) if profiles else "none found"))
