"""`siteplan explain` (why no plan, what binds) and `siteplan report` (the offline HTML)."""

from __future__ import annotations

from pathlib import Path

import click

from siteplan.commands.options import SOLVER_HELP, FiniteFloatRange, solver_choice
from siteplan.errors import InfeasibleError, InputError, UsageError


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
@click.option("--solver", default=None, help=SOLVER_HELP)
@click.option("--set", "sets", multiple=True, help="Override a scenario key: --set budget.capex=8e7")
@click.option("--time-budget", type=FiniteFloatRange(1, None), default=None,
              help="Seconds for all the elastic solves together (default: 3x the scenario's time limit).")
@click.option("--exact-defaults", is_flag=True,
              help="Solve siteplan's own default rules (minimum facility area, worker bands) to the end "
                   "instead of stating them as a range after a few seconds.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--force", is_flag=True, help="Write into a non-empty --out folder siteplan did not write.")
def explain_cmd(target, out_dir, binding, solver, sets, time_budget, exact_defaults, as_json, force):
    """Explain TARGET (a scenario or a solve output folder).

    Without --binding: when no plan meets every rule, solve an elastic model and print the
    smallest set of shortfalls; writes plan.json (status infeasible) and the elastic plan as
    diagnostic_plan.json (not compliant) and exits with code 4.
    """
    import json

    from siteplan.commands.plan_cmds import parse_sets
    from siteplan.fileio import write_json_atomic
    from siteplan.outfolder import check_output_folder, staged_folder
    from siteplan.scenario.load import load_scenario

    overrides = parse_sets(sets)
    scn = load_scenario(_scenario_arg(target), overrides)
    reads = [*scn.files_read(), *([Path(solver)] if solver and Path(solver).is_file() else [])]
    # --solver as in solve/compare/sweep; without it the scenario's (or the solved folder's) own
    backend, options = solver_choice(scn, solver) if solver else (None, None)
    if binding:
        from siteplan.analysis.binding import binding_report

        dest = out_dir or (target if target.is_dir() else None)
        joins = dest is not None and _holds_plan_of(dest, scn)  # binding.json joins that run
        if dest is not None and not joins:
            if out_dir is None:
                raise UsageError(f"{target} holds a plan of another scenario than the one explained "
                                 "(--set changes it)", fix="add --out FOLDER for this binding.json")
            check_output_folder(dest, reads, force=force)
        # a solved folder's plan is the base (its totals are the plan's); --set makes a new scenario
        solved = target.is_dir() and (target / "plan.json").exists() and not overrides
        rep = binding_report(target if solved else scn, backend=backend, options=options)
        doc = dict(rep.as_dict(), scenario_hash=scn.content_hash())
        if joins:
            write_json_atomic(Path(dest) / "binding.json", doc)
        elif dest is not None:
            with staged_folder(dest, reads, force=force) as stage:
                write_json_atomic(stage.path / "binding.json", doc)
                stage.commit()
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1, default=str) if as_json else rep.text())
        if dest is not None and not as_json:
            click.echo(f"  written   {Path(dest) / 'binding.json'} (siteplan report picks it up)")
        return
    from siteplan.analysis.explain import explain_infeasible, write_diagnosis

    dest = out_dir or (None if target.is_dir() else Path("out") / scn.name)
    if dest is not None:  # before the elastic solves, not after
        check_output_folder(dest, reads, force=force)
    diag = explain_infeasible(scn, backend=backend, options=options, time_budget=time_budget,
                              exact_defaults=exact_defaults)
    click.echo(json.dumps(diag.as_dict(), ensure_ascii=False, indent=1, default=str) if as_json else diag.text())
    if diag.feasible:
        return
    if dest is not None:
        with staged_folder(dest, reads, force=force) as stage:
            write_diagnosis(diag, stage.path)
            out = stage.commit()
        if not as_json:
            click.echo(f"  written   {out}/plan.json (status infeasible), {out}/diagnostic_plan.json (NOT compliant)")
    elif not as_json:
        click.echo(f"  not written: {target} is the folder explained; add --out FOLDER to save the diagnosis")
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
@click.option("--force", is_flag=True, help="Overwrite an existing --out file siteplan did not write.")
def report_cmd(source, out_file, lang, sweep_dir, compare_csv, store, force):
    """Write one self-contained, offline HTML report for SOURCE.

    SOURCE: a solve or explain output folder, a run id from the store, a sweep folder, or
    a compare CSV. The file makes no network request and needs no other file.
    """
    from siteplan.outfolder import HTML_SIGNATURE, check_output_file
    from siteplan.report.html import build_report

    if out_file is None:
        src = Path(source)
        if not src.is_dir():
            raise InputError("--out is required unless SOURCE is a folder", fix="add --out report.html")
        out_file = src / "report.html"
    check_output_file(out_file, _report_reads(Path(source), sweep_dir, compare_csv, store), force=force,
                      signature=HTML_SIGNATURE)
    what = _stored_view(source, store) if _is_run_id(source) else source
    path = build_report(what, out_file, lang=lang, sweep=sweep_dir, compare=compare_csv)
    click.echo(f"wrote {path}")


def _is_run_id(source: str) -> bool:
    """`12` or `#12` naming no file or folder here: a run in the store."""
    return source.lstrip("#").isdigit() and not Path(source).exists()


def _stored_view(run_id: str, store):
    """A stored run as the report's `PlanView`: exported to a temporary folder in the layout
    `solve` writes and read back into memory (the report itself never opens the store)."""
    import tempfile

    from siteplan.report.html import load_plan_view
    from siteplan.report.outputs import export_record
    from siteplan.runs.store import RunStore

    with RunStore(store, create=False) as st:
        run = st.get_run(run_id, with_tables=True)
    with tempfile.TemporaryDirectory(prefix="siteplan-report-") as tmp:
        export_record(run, tmp)
        return load_plan_view(Path(tmp))  # everything is read into memory here


def _holds_plan_of(folder: Path, scn) -> bool:
    """`folder` holds a plan.json of exactly this scenario (same content hash)."""
    import json

    try:
        doc = json.loads((Path(folder) / "plan.json").read_text(encoding="utf-8"))
        return doc["scenario"]["hash"] == scn.content_hash()
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _report_reads(source: Path, *extra) -> list[Path]:
    """The files a report reads: a source folder's files (earlier reports aside) and the extras."""
    reads = [Path(p) for p in extra if p]
    if source.is_dir():
        files = [*source.iterdir(), *((source / "inputs").iterdir() if (source / "inputs").is_dir() else ())]
        reads += [p for p in files if p.is_file() and p.suffix.lower() != ".html"]
    elif source.exists():
        reads.append(source)
    return reads
