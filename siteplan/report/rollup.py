"""A batch's roll-up: one row per district, the province's totals, and the failures.

Why totals are summed here rather than read from any one plan: the province's worker density
is workers per 10,000 urban residents over every planned district (Σ urban workers / Σ urban
residents), which no average of district densities gives. Districts without a plan are listed
with their reason and left out of the sums (the totals say how many).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from siteplan.fileio import write_csv_atomic, write_json_atomic
from siteplan.plan import row_status

ROLLUP_CSV, ROLLUP_JSON, FAILURES_CSV = "rollup.csv", "rollup.json", "failures.csv"

#: totals summed over planned districts (plan.json `totals` keys)
SUMMED = ("committees", "residents", "residents_covered", "sites_open", "sites_new", "floor_area_m2",
          "workers", "windows", "capex", "opex_per_year", "total_cost")
#: district columns of rollup.csv, in order
COLUMNS = ("district", "scenario", "status", "verdict", "failure", "reason", "run_id", "reused",
           "committees", "residents", "urban_residents", "sites_open", "floor_area_m2", "workers",
           "urban_workers", "workers_per_10k_urban", "capex", "opex_per_year", "total_cost",
           "coverage_share", "targets_missed", "violations", "seconds", "backend", "path")


def verdict(d) -> str:
    """'compliant', 'targets missed: a, b' (reported rules a plan may miss), 'violations: ...'
    (a checked plan never has them), or 'no plan'."""
    if not d.planned:
        return "no plan"
    rows = d.compliance or []
    fails = list(dict.fromkeys(r["rule"] for r in rows if row_status(r) == "FAIL"))
    if fails:
        return "violations: " + ", ".join(fails)
    missed = list(dict.fromkeys(r["rule"] for r in rows if row_status(r) == "below"))
    return "targets missed: " + ", ".join(missed) if missed else "compliant"


def district_row(d) -> dict:
    t = d.totals or {}
    rows = d.compliance or []
    return {
        "district": d.label, "scenario": d.name, "status": d.status, "verdict": verdict(d),
        "failure": d.failure, "reason": d.reason, "run_id": d.run_id, "reused": d.reused,
        "committees": t.get("committees"), "residents": t.get("residents"),
        "urban_residents": d.urban_residents, "sites_open": t.get("sites_open"),
        "floor_area_m2": t.get("floor_area_m2"), "workers": t.get("workers"), "urban_workers": d.urban_workers,
        "workers_per_10k_urban": t.get("workers_per_10k_urban"), "capex": t.get("capex"),
        "opex_per_year": t.get("opex_per_year"), "total_cost": t.get("total_cost"),
        "coverage_share": t.get("coverage_share"),
        "targets_missed": sum(row_status(r) == "below" for r in rows) if d.planned else None,
        "violations": sum(row_status(r) == "FAIL" for r in rows) if d.planned else None,
        "seconds": None if d.seconds is None else round(d.seconds, 2), "backend": d.backend, "path": d.path,
    }


def province(districts: list) -> dict:
    """The province's totals over planned districts, and the counts of every outcome."""
    planned = [d for d in districts if d.planned]
    out: dict = {"districts": len(districts), "planned": len(planned), "failed": len(districts) - len(planned),
                 "compliant": sum(verdict(d) == "compliant" for d in planned)}
    for key in SUMMED:
        out[key] = round(sum((d.totals or {}).get(key) or 0 for d in planned), 2)
    ur = sum(d.urban_residents or 0 for d in planned)
    uw = sum(d.urban_workers or 0 for d in planned)
    out["urban_residents"], out["urban_workers"] = ur, uw
    out["workers_per_10k_urban"] = round(1e4 * uw / ur, 3) if ur else None
    out["coverage_share"] = round(out["residents_covered"] / out["residents"], 6) if out["residents"] else None
    out["failures_by_kind"] = {}
    for d in districts:
        if not d.planned:
            out["failures_by_kind"][d.failure] = out["failures_by_kind"].get(d.failure, 0) + 1
    return out


_RANK = {"FAIL": 3, "below": 2, "ok": 1}


def rule_counts(districts: list) -> list[dict]:
    """Per rule: in how many planned districts it holds, is missed (reported) or fails."""
    counts: dict[str, dict] = {}
    for d in districts:
        if not d.planned:
            continue
        seen: dict[str, str] = {}
        for r in d.compliance or []:  # a rule with many scopes counts once per district, by its worst row
            st = row_status(r)
            if _RANK.get(st, 0) >= _RANK.get(seen.get(r["rule"], ""), 0):
                seen[r["rule"]] = st
            counts.setdefault(r["rule"], {"rule": r["rule"], "kind": r.get("kind"), "ok": 0, "below": 0,
                                          "FAIL": 0, "other": 0})
        for rule, st in seen.items():
            counts[rule][st if st in ("ok", "below", "FAIL") else "other"] += 1
    return list(counts.values())


def rollup_document(run, executor: str) -> dict:
    """rollup.json: the batch, the province, every district and the failures."""
    rows = [district_row(d) for d in run.districts]
    return {
        "batch": {"executor": executor, "workers": run.workers, "districts": len(run.districts),
                  "solved_now": run.solved, "reused": run.reused, "seconds": round(run.seconds, 2),
                  "cpu_seconds": round(run.cpu_seconds, 2)},
        "province": province(run.districts),
        "rules": rule_counts(run.districts),
        "districts": rows,
        "failures": [{k: r[k] for k in ("district", "failure", "reason", "run_id", "path")}
                     for r in rows if r["failure"]],
    }


def write_rollup(doc: dict, out: Path) -> list[Path]:
    """rollup.csv, failures.csv and rollup.json into `out` (each atomically)."""
    def table(rows: list[dict], columns: list[str]) -> pd.DataFrame:  # object: ids stay 3, not 3.0
        return pd.DataFrame(rows, columns=columns, dtype=object)

    return [write_csv_atomic(out / ROLLUP_CSV, table(doc["districts"], list(COLUMNS))),
            write_csv_atomic(out / FAILURES_CSV, table(doc["failures"], ["district", "failure", "reason",
                                                                         "run_id", "path"])),
            write_json_atomic(out / ROLLUP_JSON, doc)]
