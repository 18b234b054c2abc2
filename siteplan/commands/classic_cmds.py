"""`siteplan classic ...`: the classic location models on a file, one command per model.

Thin: options in, `siteplan.classic.models` out. Prints one summary, optionally writes the
plan as JSON (atomically). Exit codes follow `siteplan.errors`: 0 when the plan passes the
independent check, 5 when no plan was found, 6 when the check fails.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import click

from siteplan.commands.options import THREADS, TIME_LIMIT
from siteplan.errors import CheckFailedError, InfeasibleError, NoSolutionError
from siteplan.result import Termination

FORMAT_CHOICES = click.Choice(["matrix", "orlib-pmed", "orlib-cap", "ufllib", "ufllib-m",
                               "tsplib", "scenario"])


def _common(f):
    f = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(f)
    f = click.option("--out", type=click.Path(dir_okay=False),
                     help="Write the result (with the plan) to this JSON file.")(f)
    f = click.option("--threads", type=THREADS, default=None, help="Solver threads.")(f)
    f = click.option("--time-limit", type=TIME_LIMIT, default=None, help="Seconds (overall).")(f)
    f = click.option("--solver", default=None,
                     help="Backend route: highs, pulp-cbc, ortools-scip, ortools-cpsat, scip.")(f)
    f = click.option("--format", "fmt", type=FORMAT_CHOICES, default=None,
                     help="Input format (guessed from the file name when omitted).")(f)
    f = click.argument("file", type=click.Path(dir_okay=False))(f)
    return f


def _options(time_limit, threads):
    from siteplan.backends.base import SolveOptions

    return SolveOptions(time_limit=time_limit, threads=threads)


def write_json_atomic(path: str | os.PathLike, payload: dict) -> None:
    """Write JSON next to the target, then rename: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2, default=_jsonable)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _jsonable(o):
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o).__name__)


def _report(problem, result, as_json: bool, out: str | None) -> None:
    payload = result.summary()
    if result.solution is not None and result.solution.assign is not None:
        payload["assign"] = [int(a) for a in result.solution.assign]
    if out:
        write_json_atomic(out, payload)
    if as_json:
        click.echo(json.dumps({k: v for k, v in payload.items() if k != "assign"},
                              default=_jsonable))
    else:
        def num(v):
            return "-" if v is None else f"{v:.12g}"

        gap = "-" if result.gap is None else f"{100 * result.gap:.3f}%"
        click.echo(f"{result.kind} {result.name}: {result.status.value}  objective "
                   f"{num(result.objective)}  bound {num(result.bound)}  gap {gap}")
        click.echo(f"  backend {result.backend} {result.backend_version}  method "
                   f"{result.method}  build {result.build_seconds:.2f}s  solve "
                   f"{result.solve_seconds:.2f}s  solver calls {result.solves}")
        if result.solution is not None:
            o = result.solution.open_sites
            shown = ", ".join(str(int(j) + 1) for j in o[:20]) + (" ..." if o.size > 20 else "")
            click.echo(f"  open sites ({o.size}, 1-based): {shown}")
        if result.check is not None:
            state = "passed" if result.check.ok else "FAILED: " + "; ".join(
                result.check.problems)
            click.echo(f"  independent check {state}; recomputed objective "
                       f"{result.check.objective:.12g}")
    if result.status == Termination.INFEASIBLE:
        raise InfeasibleError("the solver proved that no plan exists",
                              fix="check capacities, radius or p")
    if result.solution is None:
        raise NoSolutionError(f"no plan found ({result.status.value})",
                              fix="raise --time-limit or try another --solver")
    if result.check is not None and not result.check.ok:
        raise CheckFailedError("the plan fails the independent check: "
                               + "; ".join(result.check.problems))


def _run(cls, file, fmt, solver, time_limit, threads, as_json, out, method="auto",
         capacity=None, **kw):
    problem = cls.from_file(file, fmt=fmt, capacity=capacity, **kw)
    from siteplan.backends import solver_for

    result = problem.solve(solver_for(solver), _options(time_limit, threads), method=method)
    _report(problem, result, as_json, out)


@click.group("classic")
def classic_group():
    """Classic location models (p-median, p-center, LSCP, MCLP, UFLP, CFLP) on public files.

    FILE is a cost matrix (.csv/.npy, clients x sites), an OR-Library pmed or cap file,
    a UflLib file, a TSPLIB point file (floor-Euclidean distances) or a siteplan
    scenario.yaml (committees weighted by residents, its sites and reachable distances).
    """


@classic_group.command("pmedian")
@_common
@click.option("--p", "p", type=int, default=None, help="Sites to open (pmed files give it).")
@click.option("--method", type=click.Choice(["auto", "benders", "probe", "reduce", "compact"]),
              default="auto", show_default=True,
              help="auto/benders: bound+fixing then Benders; reduce: fixing then one MIP; "
                   "compact: the full distance-level MIP.")
def pmedian_cmd(file, fmt, solver, time_limit, threads, out, as_json, p, method):
    """p-median: open p sites, minimise total (weighted) distance."""
    from siteplan.classic.models import PMedian

    _run(PMedian, file, fmt, solver, time_limit, threads, as_json, out, method=method, p=p)


@classic_group.command("pcenter")
@_common
@click.option("--p", "p", type=int, default=None, help="Sites to open.")
def pcenter_cmd(file, fmt, solver, time_limit, threads, out, as_json, p):
    """p-center: open p sites, minimise the largest client distance."""
    from siteplan.classic.models import PCenter

    _run(PCenter, file, fmt, solver, time_limit, threads, as_json, out, p=p)


@classic_group.command("lscp")
@_common
@click.option("--radius", type=float, required=True, help="Coverage distance.")
def lscp_cmd(file, fmt, solver, time_limit, threads, out, as_json, radius):
    """Set covering: fewest (cheapest) sites that cover every client within the radius."""
    from siteplan.classic.models import SetCover

    _run(SetCover, file, fmt, solver, time_limit, threads, as_json, out, radius=radius)


@classic_group.command("mclp")
@_common
@click.option("--radius", type=float, required=True, help="Coverage distance.")
@click.option("--p", "p", type=int, required=True, help="Sites to open.")
@click.option("--method", type=click.Choice(["auto", "compact"]), default="auto",
              show_default=True,
              help="auto: LP-dual fixing of the sites, then one MIP on the rest; "
                   "compact: the plain covering MIP.")
def mclp_cmd(file, fmt, solver, time_limit, threads, out, as_json, radius, p, method):
    """Maximal covering: open p sites to cover the most demand within the radius."""
    from siteplan.classic.models import MaxCover

    _run(MaxCover, file, fmt, solver, time_limit, threads, as_json, out, method=method,
         radius=radius, p=p)


@classic_group.command("uflp")
@_common
def uflp_cmd(file, fmt, solver, time_limit, threads, out, as_json):
    """Uncapacitated facility location (capacities in cap files are ignored)."""
    from siteplan.classic.models import UFLP

    _run(UFLP, file, fmt, solver, time_limit, threads, as_json, out, capacity=0.0)


@classic_group.command("cflp")
@_common
@click.option("--capacity", type=float, default=None,
              help="Capacity for capa/capb/capc, whose files say 'capacity'.")
@click.option("--single-source", is_flag=True, help="Each client served by one site.")
@click.option("--vub", type=click.Choice(["auto", "all", "none", "lazy"]), default="auto",
              show_default=True, help="x_ij <= y_j rows: all, none, or added lazily.")
def cflp_cmd(file, fmt, solver, time_limit, threads, out, as_json, capacity, single_source,
             vub):
    """Capacitated facility location (splittable demand unless --single-source)."""
    from siteplan.classic.models import CFLP

    _run(CFLP, file, fmt, solver, time_limit, threads, as_json, out, capacity=capacity,
         single_source=single_source, vub=vub)
