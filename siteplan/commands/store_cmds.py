"""Run store commands: `runs list/show/export`, `compare`, `sweep`. Thin: options in, library out."""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from pathlib import Path

import click

from siteplan.commands.options import (
    SOLVER_HELP,
    FiniteFloatRange,
    executor_options,
    solver_choice,
    solver_limits,
)
from siteplan.commands.plan_cmds import parse_sets, progress_printer
from siteplan.errors import InputError, Interrupted

_STORE_HELP = "Run store file (default: $SITEPLAN_STORE, else out/runs.sqlite)."


def store_option(f):
    return click.option("--store", "store_path", type=click.Path(path_type=Path), default=None,
                        help=_STORE_HELP)(f)


def _money(v) -> str:
    return "—" if v is None else f"{v / 1e6:,.2f}M"


@click.group("runs")
def runs_group():
    """The run store: every solve and sweep point, with its inputs, options, KPIs and plan."""


@runs_group.command("list")
@store_option
@click.option("--sweep", "sweep_id", default=None, help="Only the points of this sweep.")
@click.option("--limit", type=click.IntRange(1, None), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def runs_list(store_path, sweep_id, limit, as_json):
    """Stored runs, newest first."""
    from siteplan.runs.store import RunStore

    with RunStore(store_path, create=False) as store:
        rows = store.list_runs(sweep_id=sweep_id, limit=limit)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        click.echo("no runs stored yet")
        return
    click.echo(f"{'id':>5}  {'created (UTC)':<19}  {'scenario':<28} {'hash':<16}  {'status':<12} "
               f"{'capex':>10} {'covered':>8}  sweep")
    for r in rows:
        t = r["totals"] or {}
        cov = t.get("coverage_share")
        click.echo(f"{r['id']:>5}  {r['created'][:19]:<19}  {r['scenario_name'][:28]:<28} {r['scenario_hash']:<16}  "
                   f"{r['status']:<12} {_money(t.get('capex')):>10} "
                   f"{'—' if cov is None else f'{100 * cov:.1f}%':>8}  {r['sweep_id'] or ''}")


@runs_group.command("show")
@click.argument("run_id")
@store_option
@click.option("--json", "as_json", is_flag=True, help="The whole record (without table bytes).")
def runs_show(run_id, store_path, as_json):
    """One run: scenario, overrides, solver options, result summary, KPIs and compliance."""
    from siteplan.report.summary import summary_text
    from siteplan.runs.store import RunStore

    with RunStore(store_path, create=False) as store:
        run = store.get_run(run_id)
    if as_json:
        click.echo(json.dumps(run, ensure_ascii=False, indent=1))
        return
    click.echo(f"run {run['id']} ({run['created']}): {run['scenario_name']} [{run['scenario_hash']}]"
               + (f", sweep {run['sweep_id']} point {run['point_key']}" if run["sweep_id"] else ""))
    click.echo(f"  source      {run['source'] or '—'}")
    click.echo(f"  overrides   {json.dumps(run['overrides'], ensure_ascii=False) if run['overrides'] else '—'}")
    opts = {k: v for k, v in (run["options"] or {}).items() if v not in (None, False, {})}
    click.echo(f"  solver      {run['backend']} {json.dumps(opts)}")
    if run["plan"]:
        click.echo(summary_text(run["plan"]))  # the compliance table is part of the summary
    else:
        click.echo(f"  status      {run['status']}: {run['error']}")
        for reason in (run["summary"] or {}).get("reasons", [])[:5]:
            click.echo(f"    - {reason}")


@runs_group.command("export")
@click.argument("run_id")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Folder to write (the same files `siteplan solve` writes).")
@store_option
@click.option("--force", is_flag=True, help="Write into a non-empty folder siteplan did not write.")
def runs_export(run_id, out_dir, store_path, force):
    """Write a stored run's plan.json, CSV tables and inputs, as `solve` does."""
    from siteplan.outfolder import staged_folder
    from siteplan.report.outputs import export_record
    from siteplan.runs.store import RunStore, resolve_store_path

    with staged_folder(out_dir, [resolve_store_path(store_path)], force=force) as stage:  # checked first
        with RunStore(store_path, create=False) as store:
            run = store.get_run(run_id, with_tables=True)
        export_record(run, stage.path)
        out = stage.commit()
    click.echo(f"exported run {run['id']} to {out} (verify with: siteplan check {out})")


_RUN_ID = re.compile(r"^#?\d+$")


@click.command("compare")
@click.argument("items", nargs=-1, required=True)
@store_option
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), default=None, help="Also write a CSV.")
@click.option("--md", "md_path", type=click.Path(path_type=Path), default=None, help="Also write Markdown.")
@click.option("--solver", default=None, help=SOLVER_HELP + " For scenario files.")
@solver_limits
@click.option("--set", "sets", multiple=True, help="Override a key in every scenario file given.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
@click.option("--force", is_flag=True, help="Overwrite existing --csv/--md files.")
@click.option("--json", "as_json", is_flag=True, help="Print the table (and the walking listing) as JSON.")
def compare_cmd(items, store_path, csv_path, md_path, solver, time_limit, mip_gap, threads, sets, quiet, force,
                as_json):
    """KPIs of ITEMS side by side; each is a scenario file (solved and recorded) or a run id.

    Two scenario files of one city, one measured in a straight line (euclidean, haversine)
    and one on the streets (network), also get the committees whose nearest plot in a straight
    line is out of reach on foot, and the cost of the plan on foot against the straight one."""
    from siteplan.analysis import compare, walk_gap
    from siteplan.errors import InfeasibleError, NoSolutionError
    from siteplan.fileio import write_csv_atomic, write_text_atomic
    from siteplan.outfolder import check_output_file
    from siteplan.pipeline import solve_scenario
    from siteplan.report.outputs import outcome_record
    from siteplan.runs.runrecord import failure_record
    from siteplan.runs.store import RunStore, resolve_store_path
    from siteplan.scenario.load import load_scenario

    if len(items) < 2:
        raise InputError("compare needs at least two scenarios or run ids", fix="e.g. siteplan compare a.yaml b.yaml")
    reads = [resolve_store_path(store_path), *(Path(i) for i in items if Path(i).exists())]
    for path, option in ((csv_path, "--csv"), (md_path, "--md")):
        if path is not None:  # before anything is solved
            check_output_file(path, reads, force=force, option=option)
    say = progress_printer(quiet) or (lambda msg: None)
    overrides = parse_sets(sets)
    cols = []
    scns: list = []  # per column: the scenario, its plan's assignment and total cost (files only)
    plans: list = []
    with RunStore(store_path) as store, _interrupt_note("runs solved before it are in the run store; "
                                                        "no table written"):
        for item in items:
            if Path(item).exists():
                scn = load_scenario(item, overrides)
                reads.extend(scn.files_read())
                for path, option in ((csv_path, "--csv"), (md_path, "--md")):
                    if path is not None:  # a table of this scenario is never overwritten
                        check_output_file(path, reads, force=force, option=option)
                name, opts = solver_choice(scn, solver, time_limit=time_limit, mip_gap=mip_gap, threads=threads)
                say(f"solving {item}")
                try:
                    outcome = solve_scenario(scn, backend=name, options=opts, progress=say)
                except (InfeasibleError, NoSolutionError) as exc:  # a column without a plan
                    rec = failure_record(exc, scn, name, opts.as_dict(), overrides)
                    rid = store.add_run(rec)
                    t, comp, status, years = None, None, rec["status"], None
                    plans.append(None)
                else:
                    rid = store.add_run(outcome_record(outcome, overrides))
                    t, comp, status = outcome.evaluation.totals, outcome.evaluation.compliance, outcome.status.value
                    tev = getattr(outcome, "timeline_eval", None)
                    years = None if tev is None else tev.by_year
                    plans.append(outcome.plan.assignment)
                scns.append(scn)
                label = f"{scn.name} (#{rid})"
            elif _RUN_ID.match(item):
                run = store.get_run(item)
                t, comp, status = run["totals"], run["compliance"], run["status"]
                years = ((run.get("plan") or {}).get("timeline") or {}).get("totals_by_year")
                label = f"#{run['id']} {run['scenario_name']}"
                scns.append(None)
                plans.append(None)
            else:
                raise InputError(f"{item!r} is neither a scenario file nor a run id",
                                 fix="give a scenario YAML path or an id from `siteplan runs list`")
            cols.append(compare.column(label, t, comp, status, tag=label.split()[0] if label.startswith("#")
                                       else f"#{rid}", by_year=years))
    seen: dict[str, int] = {}
    for c in cols:  # unique labels
        n = seen[c["label"]] = seen.get(c["label"], 0) + 1
        if n > 1:
            c["label"] += f" [{n}]"
    gap, pair = None, walk_gap.pair_of(scns)
    if pair is not None:
        i, j = pair
        costs = tuple((c["values"].get("total_cost") if c["values"]["status"] in ("optimal", "feasible") else None)
                      for c in (cols[i], cols[j]))
        gap = walk_gap.walk_gap(scns[i], scns[j], plans[i], costs)
        walk_gap.add_rows(cols, i, j, gap)
    header, rows = compare.table(cols)
    if as_json:
        click.echo(json.dumps({"header": header, "rows": rows, "walk_gap": gap}, ensure_ascii=False, indent=1))
    else:
        click.echo(compare.render_terminal(header, rows))
        if gap is not None:
            click.echo("\n" + walk_gap.render_text(gap))
    if csv_path:
        write_csv_atomic(csv_path, compare.to_frame(header, rows))
        click.echo(f"wrote {csv_path}", err=as_json)
    if md_path:
        md = compare.render_markdown(header, rows) + ("" if gap is None else walk_gap.render_markdown(gap))
        write_text_atomic(md_path, md)
        click.echo(f"wrote {md_path}", err=as_json)


@click.command("sweep")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--vary", "vary_specs", multiple=True, required=True,
              help="KEY=START:STOP:COUNT (linear) or KEY=V1,V2,...; repeat for a grid.")
@click.option("--kpi", default="residents_covered", show_default=True, help="The frontier's KPI (a totals key).")
@click.option("--cost", default=None,
              help="The frontier's cost KPI (a totals key; default capex, total_cost for a timeline: discounted).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for frontier.csv/.md/.png/.svg, standards.csv, sweep.json (default out/sweeps/<id>).")
@store_option
@executor_options("points")
@click.option("--id", "sweep_id", default=None, help="Name the sweep (default: a hash of scenario, grid, solver).")
@click.option("--bind-tol", type=FiniteFloatRange(0, 1), default=0.01, show_default=True,
              help="Relative slack under which a standard counts as binding.")
@click.option("--solver", default=None, help=SOLVER_HELP)
@solver_limits
@click.option("--set", "sets", multiple=True, help="Override a scenario key at every point.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
@click.option("--force", is_flag=True, help="Write into a non-empty --out folder siteplan did not write.")
@click.option("--rebuild", is_flag=True,
              help="Build and pass every point's model afresh instead of re-solving in the kept solver "
                   "instance (same results; for diagnosis).")
@click.option("--solve-all", is_flag=True,
              help="Solve every point, also one whose answer is provably a solved higher point's (its model "
                   "a restriction of that point's, the plan fitting it); same results, for diagnosis.")
def sweep_cmd(scenario, vary_specs, kpi, cost, out_dir, store_path, executor, address, workers, sweep_id,
              bind_tol, solver, time_limit, mip_gap, threads, sets, quiet, force, rebuild, solve_all):
    """Solve SCENARIO over a grid of numeric keys; write the frontier, marginals and bindings.

    Re-running the same command resumes an interrupted sweep: only missing points are solved.
    """
    from siteplan.analysis.sweep import SweepRequest, default_out, run_sweep, varies_from_specs
    from siteplan.analysis.sweep_report import terminal_table, write_sweep_outputs
    from siteplan.outfolder import check_output_folder, staged_folder
    from siteplan.runs.store import RunStore, resolve_store_path
    from siteplan.scenario.load import load_scenario

    varies = varies_from_specs(list(vary_specs))
    overrides = parse_sets(sets)
    scn = load_scenario(scenario, overrides)
    name, opts = solver_choice(scn, solver, time_limit=time_limit, mip_gap=mip_gap, threads=threads)
    cost = cost or ("total_cost" if scn.timeline is not None else "capex")  # a timeline: all years, discounted
    if kpi not in _totals_keys() or cost not in _totals_keys():
        bad = kpi if kpi not in _totals_keys() else cost
        raise InputError(f"unknown KPI {bad!r}", fix=f"use one of: {', '.join(_totals_keys())}")
    reads = [*scn.files_read(), resolve_store_path(store_path)]
    if out_dir is not None:  # before any point is solved
        check_output_folder(out_dir, reads, force=force)
    try:
        req = SweepRequest(scenario, varies, store_path=store_path, executor=executor, workers=workers,
                           address=address, backend=name, options=opts, overrides=overrides, sweep_id=sweep_id,
                           reuse=not rebuild, shortcuts=not solve_all)
        run = run_sweep(req, progress=progress_printer(quiet))
    except KeyboardInterrupt:  # run_sweep stopped its workers; each finished point is committed
        raise Interrupted("points finished before it are in the run store; "
                          "run the same command again to solve only the rest") from None
    out = out_dir or default_out(run.sweep_id)
    with RunStore(store_path) as store, staged_folder(out, reads, force=force) as stage:
        summary = write_sweep_outputs(store, run.sweep_id, varies, stage.path, kpi=kpi, cost=cost, tol=bind_tol)
        stage.commit()
    click.echo(f"sweep {run.sweep_id}: {run.total} points ({run.skipped} already stored, {run.solved} solved"
               f"{f', {run.failed} without a plan' if run.failed else ''}) in {run.seconds:.1f} s")
    click.echo(terminal_table(summary["frontier"]))
    binds = [b for b in summary["standards"] if b["first_binds_at"] not in (None, "n/a")]
    for b in binds:
        click.echo(f"  binds: {b['rule']} @ {b['scope']} from {b['first_binds_at']} "
                   f"({b['points_binding']}/{run.total} points)")
    click.echo(f"  outputs     {out}/frontier.csv, frontier.md, frontier.png, frontier.svg, standards.csv, sweep.json")


@contextmanager
def _interrupt_note(note: str):
    """Ctrl-C inside the block leaves as `Interrupted` saying what was kept (`note`)."""
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(note) from None


def _totals_keys() -> list[str]:
    return ["capex", "opex_per_year", "opex_area_per_year", "opex_workers_per_year", "total_cost",
            "facility_cost", "sites_open", "sites_new", "sites_expanded", "floor_area_m2",
            "area_per_100_households", "workers", "window_staff", "windows", "workers_per_10k_urban",
            "committees_covered", "residents_covered", "coverage_share", "mean_walk_m", "p95_walk_m"]
