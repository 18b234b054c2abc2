"""`siteplan batch`: a province's district scenarios solved on a pool or a cluster. Thin."""

from __future__ import annotations

import json
from pathlib import Path

import click

from siteplan.commands.options import SOLVER_HELP, executor_options, solver_limits
from siteplan.commands.plan_cmds import interrupts_held, parse_sets, progress_printer
from siteplan.commands.store_cmds import store_option
from siteplan.errors import (
    CheckFailedError,
    InfeasibleError,
    InputError,
    Interrupted,
    NoSolutionError,
    SolverError,
)

_ERRORS = {3: InputError, 4: InfeasibleError, 5: NoSolutionError, 6: CheckFailedError, 7: SolverError}


@click.command("batch")
@click.argument("sources", nargs=-1, required=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Folder for rollup.csv, rollup.json, failures.csv and report.html.")
@store_option
@executor_options("districts")
@click.option("--rerun", is_flag=True, help="Solve every district again, even one with a finished run stored.")
@click.option("--no-explain", is_flag=True,
              help="Infeasible districts: give the solver's word instead of the elastic diagnosis's first line.")
@click.option("--solver", default=None, help=SOLVER_HELP)
@solver_limits
@click.option("--set", "sets", multiple=True, help="Override a scenario key in every district.")
@click.option("--json", "as_json", is_flag=True, help="Print the province's totals and the failures as JSON.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
@click.option("--force", is_flag=True, help="Write into a non-empty --out folder siteplan did not write.")
def batch_cmd(sources, out_dir, store_path, executor, address, workers, rerun, no_explain, solver, time_limit,
              mip_gap, threads, sets, as_json, quiet, force):
    """Solve the district scenarios in SOURCES (folders, YAML files or globs) and roll them up.

    Every district is recorded in the run store; one whose scenario already has a finished run
    there (a plan, or proven infeasible) is reused, so re-running an interrupted batch solves
    only the rest. Failures are listed with their reasons and do not stop the batch; the exit
    code is 0 when every district has a checked plan, else the code `solve` would give the
    first failed district.
    """
    from siteplan.fileio import write_text_atomic
    from siteplan.outfolder import check_output_folder, staged_folder
    from siteplan.report.rollup import rollup_document, write_rollup
    from siteplan.report.rollup_html import render_rollup
    from siteplan.runs.batch import BatchRequest, discover, run_batch
    from siteplan.runs.store import check_store

    store = check_store(store_path)
    reads = [*discover(sources), store]
    check_output_folder(out_dir, reads, force=force)  # before anything is solved
    limits = {k: v for k, v in (("time_limit", time_limit), ("mip_gap", mip_gap), ("threads", threads))
              if v is not None}
    req = BatchRequest(tuple(sources), store_path=store, executor=executor, workers=workers, address=address,
                       solver=solver, limits=limits, overrides=parse_sets(sets), rerun=rerun,
                       explain=not no_explain)
    try:
        run, files = run_batch(req, progress=progress_printer(quiet))
    except KeyboardInterrupt:  # the executor was stopped; every finished district is committed
        raise Interrupted("districts finished before it are in the run store; no roll-up written; "
                          "run the same command again to solve only the rest") from None
    doc = rollup_document(run, executor)
    with staged_folder(out_dir, [*files, store], force=force) as stage, interrupts_held() as held:
        write_rollup(doc, stage.path)
        write_text_atomic(stage.path / "report.html", render_rollup(doc))
        out = stage.commit()
    if held:
        raise Interrupted(f"the roll-up had already been saved to {out}")
    _print(doc, out, as_json)
    failed = [d for d in run.districts if not d.planned]
    if failed:
        first = failed[0]
        raise _ERRORS.get(first.exit_code, SolverError)(
            f"{len(failed):,} of {len(run.districts):,} districts have no plan; first: {first.label}: "
            f"{first.failure}: {first.reason}", fix=f"see {out / 'failures.csv'}")


def _print(doc: dict, out: Path, as_json: bool) -> None:
    p, b = doc["province"], doc["batch"]
    if as_json:
        click.echo(json.dumps({"batch": b, "province": p, "failures": doc["failures"], "outputs": str(out)},
                              ensure_ascii=False, indent=1))
        return
    dens = p["workers_per_10k_urban"]
    click.echo(f"batch: {b['districts']:,} districts ({b['solved_now']:,} solved now, {b['reused']:,} reused "
               f"from the run store) in {b['seconds']:,.1f} s on {b['executor']} ({b['workers']} workers)")
    click.echo(f"  planned     {p['planned']:,} ({p['compliant']:,} compliant), without a plan {p['failed']:,}")
    click.echo(f"  province    {p['committees']:,} committees, {p['residents']:,} residents, total cost "
               f"{p['total_cost'] / 1e6:,.2f}M CNY (capex {p['capex'] / 1e6:,.2f}M, opex "
               f"{p['opex_per_year'] / 1e6:,.2f}M/year), {p['sites_open']:,} facilities, {p['workers']:,} workers"
               + ("" if dens is None else f", {dens:.2f} per 10,000 urban residents"))
    for f in doc["failures"]:
        click.echo(f"  failed      {f['district']}: {f['failure']}: {f['reason']}")
    click.echo(f"  outputs     {out}/rollup.csv, rollup.json, failures.csv, report.html")
