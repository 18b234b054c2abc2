"""The output folder contract: what `solve` writes is an interface, like a file format.

`solve` writes plan.json, facilities.csv, committees.csv, compliance.csv, and a copy of its
inputs (scenario.resolved.yaml + inputs/<table>.<ext>, each table in its own format) so
`siteplan check OUTDIR` can re-verify the plan later from the folder alone. Fields may be added, never renamed or removed: other
tools, the run store and older folders read them (README "Outputs and exit codes").

The run store's record of a solved run (`outcome_record`) is built from the same plan
document, and `export_record` writes a stored run back as this folder. This module uses
`siteplan.runs.runrecord` (the portable scenario bundle), never the other way round.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from siteplan import __version__, distance
from siteplan.errors import InputError
from siteplan.fileio import read_text_bounded, write_csv_atomic, write_json_atomic
from siteplan.outfolder import mark_folder
from siteplan.plan import STATED_TOTALS, Evaluation, Plan
from siteplan.runs.runrecord import portable_raw, table_bytes, to_json, write_bundle

PLAN_FILE = "plan.json"
SCENARIO_FILE = "scenario.resolved.yaml"


def solver_version(outcome) -> str:
    """The solver's version; under a route that picks the solver per phase (adaptive), the
    solver and version of each phase, so that the record says what actually solved."""
    phases = outcome.phases
    if not any((p.get("extra") or {}).get("route") for p in phases):
        return outcome.result.backend_version
    return ", ".join(f"{p.get('backend')} {p.get('backend_version')}"
                     + (f" ({p.get('phase')})" if len(phases) > 1 else "") for p in phases)


def solver_block(outcome) -> dict:
    r = outcome.result
    return {
        "backend": outcome.backend, "version": solver_version(outcome), "status": r.status.value,
        "limit": r.limit, "objective": outcome.model.user_objective(r.objective),
        "bound": outcome.model.user_objective(r.bound), "gap": r.gap, "facility_gap": outcome.facility_gap,
        "build_seconds": round(outcome.timings.get("build", 0.0), 4), "solve_seconds": round(r.solve_seconds, 4),
        "nodes": r.nodes, "isolation": r.isolation, "peak_memory_mb": r.peak_memory_mb,
        "options": {k: v for k, v in outcome.options.as_dict().items() if k != "extra"},
        "phases": outcome.phases, "timings": {k: round(v, 4) for k, v in outcome.timings.items()},
        "model": {"variables": outcome.model.n_vars, "rows": outcome.model.n_rows,
                  "nonzeros": int(outcome.model.A.nnz), "pairs": outcome.instance.n_pairs},
    }


def plan_document(scn, plan: Plan, ev: Evaluation, solver: dict, status: str, timeline: dict | None = None) -> dict:
    """The plan.json document; `timeline`: a timeline plan's yearly block (siteplan.timeline.outputs)."""
    from siteplan.geo.convert import describe
    from siteplan.rules import registered

    fields = [name for r in registered() for name in r.floor_fields]
    facilities = []
    for f in ev.facilities:
        f = dict(f)
        f["area_m2"] = plan.areas[f["site_id"]]  # full precision: the checker re-reads it
        for name in fields:  # a rule's decisions too (e.g. elderly-care floor area)
            if f["site_id"] in plan.extra.get(name, {}):
                f[name] = plan.extra[name][f["site_id"]]
        facilities.append(f)
    doc = {
        "siteplan_version": __version__,
        "scenario": {"name": scn.name, "hash": scn.content_hash(), "preset": scn.spec.preset,
                     "objective": scn.spec.objective, "source": str(scn.path) if scn.path else None},
        "coordinates": describe(scn),
        "status": status,
        "solver": solver,
        "facilities": facilities,
        "committees": ev.committees,
        "totals": ev.totals,
        "compliance": ev.compliance,
        "check": {"ok": ev.ok, "violations": len(ev.violations)},
    }
    method = scn.spec.distance_spec.method
    described = distance.get(method).describe(scn.tables)
    if described is not None:  # e.g. `network`: the street graph, the snaps, the islands
        doc[method] = described
    if timeline is not None:
        doc["timeline"] = timeline
    if scn.types is not None:  # several facility types: which, and their facilities
        doc["facility_types"] = list(scn.types.names)
        doc["type_facilities"] = ev.type_facilities
    return doc


def write_inputs(scn, out: Path) -> None:
    """Copy the tables and write the resolved scenario that points at the copies."""
    write_bundle(portable_raw(scn), table_bytes(scn), out, SCENARIO_FILE)


def write_plan_files(doc: dict, out: Path) -> Path:
    """The plan tables and plan.json from a plan document (`solve` and `runs export`)."""
    write_csv_atomic(out / "facilities.csv", doc["facilities"])
    write_csv_atomic(out / "committees.csv", doc["committees"])
    write_csv_atomic(out / "compliance.csv", doc["compliance"])
    write_csv_atomic(out / "totals.csv", [{"kpi": k, "value": v} for k, v in doc["totals"].items()])
    if "type_facilities" in doc:
        write_csv_atomic(out / "type_facilities.csv", doc["type_facilities"],
                         columns=list(doc["type_facilities"][0]) if doc["type_facilities"] else ["site_id", "type"])
    from siteplan.timeline.outputs import write_timeline_files

    write_timeline_files(doc, out)
    write_json_atomic(out / PLAN_FILE, doc)  # last: its presence marks a complete folder
    mark_folder(out)
    return out


def write_outputs(outcome, out_dir: str | Path, *, geojson: bool = False) -> Path:
    """Write the whole output folder; every file lands atomically. plan.gpkg holds the plan's
    GIS layers (`siteplan.report.gis`); `geojson` adds them as EPSG:4326 GeoJSON files."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output folder: {exc.strerror}", where=str(out))
    scn, ev = outcome.scenario, outcome.evaluation
    from siteplan.timeline.outputs import timeline_block

    doc = plan_document(scn, outcome.plan, ev, solver_block(outcome), outcome.status.value, timeline_block(outcome))
    write_inputs(scn, out)
    from siteplan.report import gis

    gis.write_gpkg(scn, doc, out)
    if geojson:
        gis.write_geojson(scn, doc, out)
    return write_plan_files(doc, out)


def outcome_record(outcome, overrides: dict | None = None, *, with_tables: bool = True) -> dict:
    """Everything the store keeps about a solved run, as plain data."""
    scn, ev = outcome.scenario, outcome.evaluation
    solver = solver_block(outcome)
    from siteplan.timeline.outputs import timeline_block

    doc = json.loads(to_json(plan_document(scn, outcome.plan, ev, solver, outcome.status.value,
                                           timeline_block(outcome))))
    summary = {k: v for k, v in doc["solver"].items() if k != "phases"}
    first = (doc["solver"].get("phases") or [{}])[0]
    summary["warm_start"] = (first.get("extra") or {}).get("warm_start")  # accepted / rejected / None
    if (first.get("extra") or {}).get("reused_from"):  # a sweep point not solved (siteplan.analysis.sweep_reuse)
        summary["reused_from"] = first["extra"]["reused_from"]
    return {
        "scenario_name": scn.name, "scenario_hash": scn.content_hash(),
        "source": str(scn.path) if scn.path else None, "objective": scn.spec.objective,
        "status": outcome.status.value, "backend": outcome.backend, "error": None,
        "overrides": dict(overrides or {}), "options": doc["solver"]["options"],
        "resolved": portable_raw(scn), "tables": table_bytes(scn) if with_tables else None,
        "summary": summary,
        "totals": doc["totals"], "compliance": doc["compliance"], "plan": doc,
    }


def export_record(run: dict, out_dir: str | Path) -> Path:
    """Write a stored run as the folder `siteplan solve` writes (same files, same layout).

    The resolved scenario and its tables come from the store, so this works after the
    original files moved; `siteplan check OUTDIR` re-verifies the result.
    """
    doc = run.get("plan")
    if not doc:
        raise InputError(f"run {run['id']} has no plan (status {run['status']}): nothing to export",
                         fix="export a run whose status is optimal or feasible")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output folder: {exc.strerror}", where=str(out)) from None
    write_bundle(run["resolved"], run.get("tables") or {}, out, SCENARIO_FILE)
    _export_gpkg(out, doc)
    return write_plan_files(doc, out)


def _export_gpkg(out: Path, doc: dict) -> None:
    """plan.gpkg for an exported run, drawn from the bundle just written (as `solve` draws it).
    A record whose bundle no longer loads (older store, changed schema) is exported without it:
    `siteplan check` says what is wrong with that bundle."""
    from siteplan.errors import SiteplanError
    from siteplan.report import gis
    from siteplan.scenario.load import load_scenario

    try:
        scn = load_scenario(out / SCENARIO_FILE)
    except SiteplanError:
        return
    gis.write_gpkg(scn, doc, out)


MAX_PLAN_BYTES = 1 << 30


def read_plan_dir(out_dir: str | Path):
    """(scenario, plan, plan.json document) from an output folder, for `siteplan check`."""
    from siteplan.scenario.load import load_scenario

    out = Path(out_dir)
    pj = out / PLAN_FILE
    if not pj.exists():
        raise InputError("no plan.json here", where=str(out), fix="give the folder that `siteplan solve --out` wrote")
    try:
        doc = json.loads(read_text_bounded(pj, MAX_PLAN_BYTES, "plan.json"))
    except json.JSONDecodeError as exc:
        raise InputError(f"plan.json is not valid JSON: {exc}", where=str(pj))
    scn_path = out / SCENARIO_FILE
    if not scn_path.exists():
        raise InputError(f"{SCENARIO_FILE} is missing", where=str(out), fix="re-run siteplan solve to rewrite the folder")
    scn = load_scenario(scn_path)
    return scn, plan_from_document(doc, str(pj)), doc


def plan_from_document(doc, where: str) -> Plan:
    """The decisions in a plan.json, each field checked for its type: a damaged or hand-edited
    file is an input error naming the field, never a crash (or a silent int()) in the checker."""
    if not isinstance(doc, dict):
        raise _bad_field(where, "the document", doc, "a JSON object")
    _check_totals(doc.get("totals"), where)
    plan = Plan(areas={}, windows={}, assignment={}, workers={})
    for i, f in enumerate(_records(doc, "facilities", where)):
        at = f"facilities[{i}]"
        sid = _field(f, "site_id", at, where, _is_id, "a site id (a string)")
        plan.areas[sid] = float(_field(f, "area_m2", at, where, _is_area, "a finite number >= 0"))
        plan.windows[sid] = int(_field(f, "windows", at, where, _is_count, "a whole number >= 0 or null") or 0)
        for name in _rule_fields():  # a rule's decisions, when the plan has them
            if f.get(name) is not None:
                plan.extra.setdefault(name, {})[sid] = float(_field(f, name, at, where, _is_area,
                                                                    "a finite number >= 0"))
    for i, c in enumerate(_records(doc, "committees", where)):
        at = f"committees[{i}]"
        cid = _field(c, "committee_id", at, where, _is_id, "a committee id (a string)")
        plan.assignment[cid] = _field(c, "site_id", at, where, _is_id_or_none, "a site id (a string) or null")
        workers = _field(c, "workers", at, where, _is_count, "a whole number >= 0 or null")
        # a missing count is kept as None for the checker to report (Plan types it as int)
        plan.workers[cid] = None if workers is None else int(workers)  # type: ignore[assignment]
    _type_decisions(doc, plan, where)
    return plan


def _type_decisions(doc: dict, plan: Plan, where: str) -> None:
    """Facility types' decisions: `type_facilities` areas, committees' `<type>_site_id`."""
    names = doc.get("facility_types")
    if names is None:
        return
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _bad_field(where, "facility_types", names, "a list of type names")
    for n in names[1:]:  # the first is service
        plan.type_areas[n] = {}
        plan.type_assignment[n] = {}
    for i, f in enumerate(_records(doc, "type_facilities", where)):
        at = f"type_facilities[{i}]"
        t = _field(f, "type", at, where, lambda v: isinstance(v, str) and v in plan.type_areas, "a declared type")
        sid = _field(f, "site_id", at, where, _is_id, "a site id (a string)")
        plan.type_areas[t][sid] = float(_field(f, "area_m2", at, where, _is_area, "a finite number >= 0"))
    for i, c in enumerate(_records(doc, "committees", where)):
        for n in plan.type_assignment:
            sid = _field(c, f"{n}_site_id", f"committees[{i}]", where, _is_id_or_none, "a site id (a string) or null")
            plan.type_assignment[n][c["committee_id"]] = sid


def _rule_fields() -> list[str]:
    """plan.json facility fields that hold a rule's decisions (siteplan/rules: floor_fields)."""
    from siteplan.rules import registered

    return [name for r in registered() for name in r.floor_fields]


def _bad_field(where: str, name: str, value, want: str) -> InputError:
    return InputError(f"plan.json field {name} is {value!r:.60}, not {want}", where=where,
                      fix="re-run siteplan solve to rewrite the folder (or correct the field)")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_area(v) -> bool:
    return _is_number(v) and v >= 0


def _is_count(v) -> bool:
    return v is None or (_is_number(v) and v >= 0 and float(v).is_integer())


def _is_id(v) -> bool:
    return isinstance(v, str)


def _is_id_or_none(v) -> bool:
    return v is None or isinstance(v, str)


def _records(doc: dict, key: str, where: str) -> list[dict]:
    rows = doc.get(key)
    if not isinstance(rows, list):
        raise _bad_field(where, key, rows, "a list of records")
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise _bad_field(where, f"{key}[{i}]", row, "a JSON object")
    return rows


def _field(row: dict, key: str, at: str, where: str, ok, want: str):
    value = row.get(key)
    if not ok(value):
        raise _bad_field(where, f"{at}.{key}", value, want)
    return value


def _check_totals(totals, where: str) -> None:
    if totals is None:
        return
    if not isinstance(totals, dict):
        raise _bad_field(where, "totals", totals, "a JSON object")
    for key in STATED_TOTALS:
        if totals.get(key) is not None and not _is_number(totals[key]):
            raise _bad_field(where, f"totals.{key}", totals[key], "a finite number or null")
