"""`siteplan explain` (why no plan, what binds) and `siteplan report` (the offline HTML)."""

from __future__ import annotations

from pathlib import Path

import click

from siteplan.commands.options import FiniteFloatRange
from siteplan.errors import InfeasibleError, InputError


def _scenario_arg(path: Path):
    """A scenario file, or a solve output folder (its resolved scenario)."""
    if path.is_dir() and (path / "scenario.resolved.yaml").exists():
        return path / "scenario.resolved.yaml"
    return path


@click.command("explain")
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for plan.json, diagnostic_plan.json (or binding.json); default out/<scenario name>.")
@click.option("--binding", is_flag=True, help="For a solvable scenario or solved folder: what binds and "
              "what a little more of each standard or budget costs (re-solves with each nudged).")
@click.option("--solver", default=None, help="Backend route (highs, pulp-cbc, ...).")
@click.option("--set", "sets", multiple=True, help="Override a scenario key: --set budget.capex=8e7")
@click.option("--time-budget", type=FiniteFloatRange(1, None), default=None,
              help="Seconds for all the elastic solves together (default: 3x the scenario's time limit).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def explain_cmd(target, out_dir, binding, solver, sets, time_budget, as_json):
    """Explain TARGET (a scenario or a solve output folder).

    Without --binding: when no plan meets every rule, solve an elastic model and print the
    smallest set of shortfalls; writes plan.json (status infeasible) and the elastic plan as
    diagnostic_plan.json (not compliant) and exits with code 4.
    """
    import json

    from siteplan.commands.plan_cmds import parse_sets
    from siteplan.fileio import check_out_folder, write_json_atomic
    from siteplan.scenario.load import load_scenario

    if out_dir is not None:
        check_out_folder(out_dir, "--out")
    overrides = parse_sets(sets)
    scn = load_scenario(_scenario_arg(target), overrides)
    if binding:
        from siteplan.binding import binding_report

        rep = binding_report(scn, backend=solver)
        dest = out_dir or (target if target.is_dir() else None)
        if dest is not None:
            write_json_atomic(Path(dest) / "binding.json", rep.as_dict())
        click.echo(json.dumps(rep.as_dict(), ensure_ascii=False, indent=1, default=str) if as_json else rep.text())
        if dest is not None and not as_json:
            click.echo(f"  written   {Path(dest) / 'binding.json'} (siteplan report picks it up)")
        return
    from siteplan.explain import explain_infeasible, write_diagnosis

    diag = explain_infeasible(scn, backend=solver, time_budget=time_budget)
    click.echo(json.dumps(diag.as_dict(), ensure_ascii=False, indent=1, default=str) if as_json else diag.text())
    if diag.feasible:
        return
    out = write_diagnosis(diag, out_dir or Path("out") / scn.name)
    if not as_json:
        click.echo(f"  written   {out}/plan.json (status infeasible), {out}/diagnostic_plan.json (NOT compliant)")
    raise InfeasibleError(f"no plan meets every rule ({len(diag.shortfalls)} shortfall"
                          f"{'s' if len(diag.shortfalls) != 1 else ''}; see above)", reasons=[s.text for s in diag.shortfalls],
                          where=str(target))


@click.command("report")
@click.argument("source", type=str)
@click.option("--out", "out_file", type=click.Path(path_type=Path), default=None,
              help="HTML file to write (default: report.html inside SOURCE's folder).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Label language (default: Chinese for shanghai/shenyang/panzhihua presets, else English).")
@click.option("--sweep", "sweep_dir", type=click.Path(path_type=Path), default=None,
              help="A sweep folder (sweep.json / frontier.csv) to chart.")
@click.option("--compare", "compare_csv", type=click.Path(path_type=Path), default=None,
              help="A compare CSV to show side by side.")
@click.option("--store", default=None, help="Run store file, for a run id SOURCE.")
def report_cmd(source, out_file, lang, sweep_dir, compare_csv, store):
    """Write one self-contained, offline HTML report for SOURCE.

    SOURCE: a solve or explain output folder, a run id from the store, a sweep folder, or
    a compare CSV. The file makes no network request and needs no other file.
    """
    from siteplan.fileio import check_out_file
    from siteplan.report.html import build_report

    if out_file is None:
        src = Path(source)
        if not src.is_dir():
            raise InputError("--out is required unless SOURCE is a folder", fix="add --out report.html")
        out_file = src / "report.html"
    check_out_file(out_file, "--out", "report.html")
    path = build_report(source, out_file, lang=lang, sweep=sweep_dir, compare=compare_csv, store=store)
    click.echo(f"wrote {path}")
