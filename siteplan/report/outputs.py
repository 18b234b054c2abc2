"""The output folder contract (ARCHITECTURE.md "Outputs are a contract").

`solve` writes plan.json, facilities.csv, committees.csv, compliance.csv, and a copy of its
inputs (scenario.resolved.yaml + inputs/*.csv) so `siteplan check OUTDIR` can re-verify
the plan later from the folder alone. Fields may be added, never renamed or removed.
"""

from __future__ import annotations

import json
from pathlib import Path

from siteplan import __version__
from siteplan.errors import InputError
from siteplan.fileio import write_csv_atomic, write_json_atomic
from siteplan.outfolder import mark_folder
from siteplan.plan import Evaluation, Plan

PLAN_FILE = "plan.json"
SCENARIO_FILE = "scenario.resolved.yaml"


def solver_block(outcome) -> dict:
    r = outcome.result
    return {
        "backend": outcome.backend, "version": r.backend_version, "status": r.status.value,
        "limit": r.limit, "objective": outcome.model.user_objective(r.objective),
        "bound": outcome.model.user_objective(r.bound), "gap": r.gap, "facility_gap": outcome.facility_gap,
        "build_seconds": round(outcome.timings.get("build", 0.0), 4), "solve_seconds": round(r.solve_seconds, 4),
        "nodes": r.nodes, "isolation": r.isolation, "peak_memory_mb": r.peak_memory_mb,
        "options": {k: v for k, v in outcome.options.as_dict().items() if k != "extra"},
        "phases": outcome.phases, "timings": {k: round(v, 4) for k, v in outcome.timings.items()},
        "model": {"variables": outcome.model.n_vars, "rows": outcome.model.n_rows,
                  "nonzeros": int(outcome.model.A.nnz), "pairs": outcome.instance.n_pairs},
    }


def plan_document(scn, plan: Plan, ev: Evaluation, solver: dict, status: str) -> dict:
    facilities = []
    for f in ev.facilities:
        f = dict(f)
        f["area_m2"] = plan.areas[f["site_id"]]  # full precision: the checker re-reads it
        facilities.append(f)
    return {
        "siteplan_version": __version__,
        "scenario": {"name": scn.name, "hash": scn.content_hash(), "preset": scn.spec.preset,
                     "objective": scn.spec.objective, "source": str(scn.path) if scn.path else None},
        "status": status,
        "solver": solver,
        "facilities": facilities,
        "committees": ev.committees,
        "totals": ev.totals,
        "compliance": ev.compliance,
        "check": {"ok": ev.ok, "violations": len(ev.violations)},
    }


def write_inputs(scn, out: Path) -> None:
    """Copy the tables and write the resolved scenario that points at the copies."""
    from siteplan.runrecord import portable_raw, table_bytes, write_bundle

    write_bundle(portable_raw(scn), table_bytes(scn), out, SCENARIO_FILE)


def write_plan_files(doc: dict, out: Path) -> Path:
    """The plan tables and plan.json from a plan document (`solve` and `runs export`)."""
    write_csv_atomic(out / "facilities.csv", doc["facilities"])
    write_csv_atomic(out / "committees.csv", doc["committees"])
    write_csv_atomic(out / "compliance.csv", doc["compliance"])
    write_csv_atomic(out / "totals.csv", [{"kpi": k, "value": v} for k, v in doc["totals"].items()])
    write_json_atomic(out / PLAN_FILE, doc)  # last: its presence marks a complete folder
    mark_folder(out)
    return out


def write_outputs(outcome, out_dir: str | Path) -> Path:
    """Write the whole output folder; every file lands atomically."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output folder: {exc.strerror}", where=str(out))
    scn, ev = outcome.scenario, outcome.evaluation
    doc = plan_document(scn, outcome.plan, ev, solver_block(outcome), outcome.status)
    write_inputs(scn, out)
    return write_plan_files(doc, out)


def read_plan_dir(out_dir: str | Path):
    """(scenario, plan, plan.json document) from an output folder, for `siteplan check`."""
    from siteplan.scenario.load import load_scenario

    out = Path(out_dir)
    pj = out / PLAN_FILE
    if not pj.exists():
        raise InputError("no plan.json here", where=str(out), fix="give the folder that `siteplan solve --out` wrote")
    try:
        doc = json.loads(pj.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"plan.json is not valid JSON: {exc}", where=str(pj))
    scn_path = out / SCENARIO_FILE
    if not scn_path.exists():
        raise InputError(f"{SCENARIO_FILE} is missing", where=str(out), fix="re-run siteplan solve to rewrite the folder")
    scn = load_scenario(scn_path)
    try:
        plan = Plan(
            areas={f["site_id"]: float(f["area_m2"]) for f in doc["facilities"]},
            windows={f["site_id"]: int(f.get("windows") or 0) for f in doc["facilities"]},
            assignment={c["committee_id"]: c.get("site_id") for c in doc["committees"]},
            workers={c["committee_id"]: c.get("workers") for c in doc["committees"]},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"plan.json lacks a field the checker needs: {exc}", where=str(pj),
                         fix="re-run siteplan solve to rewrite the folder")
    return scn, plan, doc
