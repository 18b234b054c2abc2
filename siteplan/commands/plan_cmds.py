"""Planning commands: solve, validate, check, presets, generate."""

from __future__ import annotations

import json
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import click

from siteplan.commands.options import SOLVER_HELP, FiniteFloatRange, solver_choice, solver_limits
from siteplan.errors import CheckFailedError, InfeasibleError, InputError, Interrupted


def parse_sets(pairs: tuple[str, ...]) -> dict:
    """--set key.path=value pairs (values in YAML syntax) as an overrides mapping."""
    from siteplan.scenario.load import parse_value

    out = {}
    for item in pairs:
        if "=" not in item:
            raise InputError(f"--set {item!r} is not KEY=VALUE", fix="write e.g. --set budget.capex=8e7")
        key, value = item.split("=", 1)
        key = key.strip()
        if not key or "" in key.split("."):
            raise InputError(f"--set {item!r} has no key (or an empty part in it)",
                             fix="write e.g. --set budget.capex=8e7")
        if not value.strip():  # YAML reads it as null: it would silently drop the key
            raise InputError(f"--set {key}= has no value",
                             fix=f"write a value, or {key}=null to remove the key")
        out[key] = parse_value(value)
    return out


def progress_printer(quiet: bool):
    """Progress lines on a terminal; silent in logs, pipes and CI."""
    if quiet or not sys.stderr.isatty():
        return None
    return lambda msg: click.echo(f"… {msg}", err=True)


@contextmanager
def interrupts_held():
    """Hold Ctrl-C until the block ends, so a save is never cut in half; yields a list that is
    non-empty afterwards if Ctrl-C came (the caller then says what was saved and stops)."""
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield held
    finally:
        signal.signal(signal.SIGINT, previous)


@click.command("solve")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: out/<scenario name>).")
@click.option("--solver", default=None, help=SOLVER_HELP)
@solver_limits
@click.option("--set", "sets", multiple=True, help="Override a scenario key: --set budget.capex=8e7")
@click.option("--json", "as_json", is_flag=True, help="Print plan.json's summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
@click.option("--store", "store_path", type=click.Path(path_type=Path), default=None,
              help="Run store (SQLite). Default: $SITEPLAN_STORE, else out/runs.sqlite.")
@click.option("--no-store", is_flag=True, help="Do not record this run in the run store.")
@click.option("--no-explain", is_flag=True, help="On infeasibility, skip the elastic diagnosis (fast exit 4).")
@click.option("--force", is_flag=True, help="Write into a non-empty --out folder siteplan did not write "
              "(its other files are kept).")
@click.option("--geojson", is_flag=True, help="Also write the plan's GIS layers as EPSG:4326 GeoJSON, one "
              "plan.<layer>.geojson per layer (lon/lat scenarios only).")
def solve_cmd(scenario, out_dir, solver, time_limit, mip_gap, threads, sets, as_json, quiet, store_path,
              no_store, no_explain, force, geojson):
    """Solve SCENARIO and write plan.json, CSV tables and a summary to --out.

    When no plan can meet every rule, the folder gets a diagnosis instead (plan.json with
    status infeasible and the elastic plan as a diagnostic), and the exit code is 4.
    """
    from siteplan.outfolder import staged_folder
    from siteplan.pipeline import solve_scenario
    from siteplan.report.outputs import read_plan_dir, write_outputs
    from siteplan.report.summary import summary_text
    from siteplan.scenario.load import load_scenario

    scn = load_scenario(scenario, parse_sets(sets))
    say_coordinates(scn, quiet)
    if geojson:  # refused before solving: x,y metres with no CRS cannot become lon/lat
        from siteplan.report.gis import check_geojson

        check_geojson(scn)
    store = None
    if not no_store:  # a bad --store is found now, not after the solve
        from siteplan.runs.store import check_store

        store = check_store(store_path)  # the same rule `runs`, `compare` and `sweep` use
    name, opts = solver_choice(scn, solver, time_limit=time_limit, mip_gap=mip_gap, threads=threads)
    out_dir = out_dir or Path("out") / scn.name
    reads = [*scn.files_read(), store, solver if solver and Path(solver).is_file() else None]
    with staged_folder(out_dir, reads, force=force) as stage:
        try:  # Ctrl-C while solving: nothing is written, neither the folder nor the run store
            try:
                outcome = solve_scenario(scn, backend=name, options=opts, progress=progress_printer(quiet))
            except InfeasibleError as exc:
                if not no_explain and write_diagnosis_for(scn, stage.path, name, opts, exc, out_dir):
                    with interrupts_held() as held:
                        stage.commit()
                    if held:
                        raise Interrupted(f"the diagnosis had already been saved to {out_dir}") from None
                raise
        except KeyboardInterrupt:
            raise Interrupted("nothing saved") from None
        with interrupts_held() as held:  # from here on the plan is saved whole, then Ctrl-C counts
            write_outputs(outcome, stage.path, geojson=geojson)
            out = stage.commit()
            if store is not None:
                from siteplan.runs.store import record_outcome

                run_id = record_outcome(outcome, store, overrides=parse_sets(sets) or None)
    if held:
        raise Interrupted(f"the plan had already been saved to {out}"
                          + ("" if store is None else f" and recorded as run {run_id}"))
    _, _, doc = read_plan_dir(out)
    if as_json:
        click.echo(json.dumps({k: doc[k] for k in ("scenario", "status", "solver", "totals", "check")},
                              ensure_ascii=False, indent=1))
    else:
        click.echo(summary_text(doc))
        click.echo(f"  outputs     {out}/plan.json, facilities.csv, committees.csv, compliance.csv"
                   + (", plan.gpkg" if (out / "plan.gpkg").is_file() else ""))
        if store is not None:
            click.echo(f"  run store   run {run_id} in {store}")


def say_coordinates(scn, quiet: bool) -> None:
    """The projection choice, once, on stderr (plan.json keeps it under "coordinates")."""
    from siteplan.geo.convert import describe, note

    line = note(describe(scn))
    if line and not quiet:
        click.echo(line, err=True)


def write_diagnosis_for(scn, folder: Path, backend: str, opts, exc, shown_as: Path) -> bool:
    """Explain an infeasible scenario into `folder` (elastic model); the error still stands.
    True when a diagnosis was written (`shown_as` is the folder's name for the user)."""
    from siteplan.analysis.explain import diagnose_into
    from siteplan.errors import SiteplanError

    try:
        diag = diagnose_into(scn, folder, backend=backend, options=opts)
    except SiteplanError as inner:  # the diagnosis is a courtesy: never hide the real error
        click.echo(f"note: no diagnosis written ({inner.message})", err=True)
        return False
    if diag is None:
        return False
    click.echo(diag.text(), err=True)
    exc.fix = (exc.fix + "; " if exc.fix else "") + \
        f"diagnosis in {shown_as}/plan.json (status infeasible); see `siteplan explain`"
    return True


@click.command("validate")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--set", "sets", multiple=True, help="Override a scenario key: --set budget.capex=8e7")
def validate_cmd(scenario, sets):
    """Check SCENARIO without solving: schema, tables, and cheap proofs of infeasibility."""
    from siteplan.checks import capex_lower_bound, money, opex_lower_bound, prove_infeasible
    from siteplan.errors import InfeasibleError
    from siteplan.instance import build_instance
    from siteplan.scenario.load import load_scenario

    scn = load_scenario(scenario, parse_sets(sets))
    inst = build_instance(scn)
    ppc = inst.pairs_per_committee()
    click.echo(f"{scn.name}: {inst.n_committees:,} committees ({int(inst.urban.sum()):,} urban), "
               f"{inst.n_sites:,} sites ({int(inst.existing.sum())} existing), {len(inst.streets)} streets, "
               f"{inst.n_pairs:,} pairs within reach (median {int(sorted(ppc)[len(ppc) // 2])} per committee)")
    capex_lb = capex_lower_bound(scn, inst)
    opex_lb, workers = opex_lower_bound(scn, inst)
    click.echo(f"  lower bounds: capex ≥ {money(capex_lb)}, opex ≥ {money(opex_lb)}/year, "
               f"workers ≥ {workers:,}")
    reasons = prove_infeasible(scn, inst)
    if reasons:
        raise InfeasibleError("no plan can meet every rule:\n  - " + "\n  - ".join(reasons),
                              reasons=reasons, where=str(scenario))
    click.echo("  valid: no proof of infeasibility found")


@click.command("check")
@click.argument("outdir", type=click.Path(path_type=Path))
@click.option("--all", "all_rows", is_flag=True, help="Show every row, not only the summary and failures.")
def check_cmd(outdir, all_rows):
    """Re-verify a saved plan against every standard, without any solver."""
    from siteplan.plan import evaluate
    from siteplan.report.outputs import read_plan_dir
    from siteplan.report.summary import compliance_lines, verdict
    from siteplan.result import Termination

    scn, plan, doc = read_plan_dir(outdir)
    if doc.get("status") == Termination.INFEASIBLE:
        raise InfeasibleError("there is no plan to check here: the scenario was found infeasible, and the "
                              "folder holds its diagnosis", where=str(outdir),
                              fix=f"read {Path(outdir) / 'diagnosis.txt'}, or run `siteplan explain {outdir}`")
    if scn.timeline is not None:
        from siteplan.timeline.check import check_document

        ev = check_document(scn, plan, doc, str(Path(outdir) / "plan.json"))
    else:
        ev = evaluate(scn, plan, stated_totals=doc.get("totals"))
    click.echo(f"{scn.name}: {len(plan.areas)} facilities, {len(plan.assignment)} committees")
    click.echo("\n".join(compliance_lines(ev.compliance, all_rows=all_rows)))
    if not ev.ok:
        first = ev.violations[0]
        raise CheckFailedError(f"{len(ev.violations)} rule violation(s); first: {first['rule']} at "
                               f"{first['scope']} (required {first['required']}, got {first['achieved']})",
                               where=str(outdir))
    click.echo("check " + verdict(ev.compliance, True, 0,
                                  passed="passed: every enforced rule holds and the stated totals match"))


@click.group("presets", invoke_without_command=True)
@click.pass_context
def presets_group(ctx):
    """List the policy presets, or show one with `presets show NAME`."""
    if ctx.invoked_subcommand:
        return
    from siteplan.scenario.presets import PRESET_NAMES, load_preset

    for name in PRESET_NAMES:
        p = load_preset(name)
        click.echo(f"{name:<10} {p.title}  ({p.document}, {p.year})")


@presets_group.command("show")
@click.argument("name")
def presets_show(name):
    """Every rule of preset NAME with its value, scope, kind and source clause."""
    from siteplan.report.summary import _fmt
    from siteplan.scenario.presets import load_preset

    p = load_preset(name)
    click.echo(f"{p.name}: {p.title} ({p.document}, target year {p.year}); default reach {p.reach_m:g} m")
    for r in p.rules:
        value = r["value"]
        if isinstance(value, list):
            value = "; ".join(f"{b['households'][0]}–{b['households'][1] or '∞'} hh: {b['min']}–{b['max']}"
                              for b in value)
        assessed = "" if r.get("assessed", True) else "  [not assessed]"
        click.echo(f"- {r['id']} ({r['title']}): {_fmt(value)} {r['unit']}".rstrip())
        click.echo(f"    scope {r['scope']}, kind {r['kind']}{assessed}; source: {r['source']}")
    _show_types(p)


def _show_types(p) -> None:
    """The facility types a preset states (a scenario's `facility_types:` takes them)."""
    if not p.types:
        return
    click.echo("facility types (facility_types:; service is the facility above):")
    for name, t in p.types.items():
        vals = ", ".join(f"{k} {v}" for k, v in t.items() if k not in ("title", "source", "assumption"))
        click.echo(f"- {name} ({t.get('title', name)}): {vals}")
        click.echo(f"    source: {t.get('source', '')}")
        if t.get("assumption"):
            click.echo(f"    scenario assumption, not a standard: {t['assumption']}")
    if p.co_location:
        pairs = "; ".join(" + ".join(x) for x in p.co_location.get("pairs", []))
        click.echo(f"- co-location asked for: {pairs} (the saving is the scenario's co_location); "
                   f"source: {p.co_location.get('source', '')}")


@click.command("generate")
@click.option("--committees", "n_committees", type=click.IntRange(1, 500_000), required=True)
@click.option("--sites", "n_sites", type=click.IntRange(1, 200_000), required=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--rural-share", type=FiniteFloatRange(0, 1), default=0.2, show_default=True)
@click.option("--reach", "reach_m", type=FiniteFloatRange(50, 50_000), default=1000, show_default=True)
@click.option("--preset", default="national", show_default=True)
@click.option("--name", default=None)
@click.option("--force", is_flag=True, help="Write into a non-empty OUT folder siteplan did not write.")
@click.option("--streets", is_flag=True, help="Also write streets.gpkg, a street network with rivers and rail "
              "lines that cut it, and walk it (distance: network).")
@click.option("--rivers", type=click.IntRange(0, 10), default=None, help="Rivers across the city (with "
              "--streets; default 1).")
@click.option("--rails", type=click.IntRange(0, 10), default=None, help="Rail lines across the city (with "
              "--streets; default 1).")
@click.argument("out", type=click.Path(path_type=Path))
def generate_cmd(n_committees, n_sites, seed, rural_share, reach_m, preset, name, force, streets, rivers, rails,
                 out):
    """Write a synthetic city (committees.csv, sites.csv, scenario.yaml; with --streets also
    streets.gpkg) to OUT."""
    from siteplan.generate import CityShape, write_city
    from siteplan.outfolder import staged_folder
    from siteplan.scenario.presets import load_preset

    if not streets and (rivers is not None or rails is not None):
        raise click.UsageError("--rivers and --rails cut a street network: add --streets")
    load_preset(preset)
    shape = CityShape(n_committees, n_sites, seed, rural_share, reach_m, streets=streets,
                      rivers=1 if rivers is None else rivers, rails=1 if rails is None else rails)
    with staged_folder(out, force=force, option="OUT") as stage:
        write_city(stage.path, shape, preset, name)
        folder = stage.commit()
    click.echo(f"wrote {folder / 'scenario.yaml'} with {n_committees:,} committees and {n_sites:,} sites"
               + (f", and streets.gpkg with {shape.rivers} river(s) and {shape.rails} rail line(s)"
                  if streets else ""))
