"""A run as plain data: what the run store keeps and what sweep workers send back.

A record holds the resolved scenario in its portable form (table paths rewritten to
`inputs/<table>.<ext>`, each table keeping its own format: the layout `solve` writes), the tables' bytes, the solver options and
result summary, KPIs, compliance and the plan.json document. Plain dicts and bytes pickle
cheaply to a process pool or a Ray/Dask worker, and a worker on another machine can rebuild
the scenario from a bundle without sharing a filesystem with the driver.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import yaml

from siteplan.errors import SiteplanError
from siteplan.fileio import write_bytes_atomic, write_text_atomic
from siteplan.io import bundle_name, is_bundle_name
from siteplan.result import Termination
from siteplan.scenario.schema import FILE_KEYS

#: every table a scenario's `data:` block can name (a new one there travels in bundles too)
TABLE_KEYS = FILE_KEYS  # the data keys that name files (data.layers/columns describe them)
RESOLVED_HEADER = "# written by siteplan: the scenario exactly as solved, tables copied beside it\n"


def to_json(obj) -> str:
    """JSON text for the store; numpy scalars and arrays become plain numbers and lists."""
    return json.dumps(obj, ensure_ascii=False, default=_plain)


def _plain(o):
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "model_dump"):
        return o.model_dump()
    return str(o)


def portable_raw(scn) -> dict:
    """The merged scenario mapping with table paths pointing at `inputs/<table>.<ext>` (the
    extension of the table's own format: `inputs/committees.csv`)."""
    raw = json.loads(to_json(scn.raw))
    raw.pop("extends", None)
    data = dict(raw.get("data", {}))
    for key in TABLE_KEYS:
        src = getattr(scn.spec.data, key, None)
        if src:
            data[key] = f"inputs/{bundle_name(key, src)}"
    raw["data"] = data
    sol = raw.get("solver")
    if isinstance(sol, dict) and sol.get("profile"):
        sol.pop("profile")  # profiles are resolved into the options recorded beside the run
    return raw


def table_bytes(scn) -> dict[str, bytes]:
    """The bytes of every table the scenario names (read once, stored deduplicated)."""
    from siteplan.fileio import read_bounded
    from siteplan.scenario.tables import MAX_TABLE_BYTES

    out = {}
    for key in TABLE_KEYS:
        src = getattr(scn.spec.data, key, None)
        if src:
            out[key] = read_bounded(src, MAX_TABLE_BYTES, f"{key} table")
    return out


def bundle(scn) -> dict:
    """A self-contained scenario: portable mapping + table bytes + a hash naming both."""
    raw, tables = portable_raw(scn), table_bytes(scn)
    h = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode())
    for key in sorted(tables):
        h.update(key.encode() + hashlib.sha256(tables[key]).digest())
    return {"raw": raw, "tables": tables, "hash": h.hexdigest()[:16]}


def write_bundle(raw: dict, tables: dict[str, bytes], folder: Path, scenario_file: str) -> Path:
    """Write the resolved scenario YAML and its `inputs/` tables into `folder` (atomically).

    Each table is written under the file name the scenario gives it (`inputs/<key>.<ext>`;
    stores written before formats other than CSV say `inputs/<key>.csv`). Table names and
    paths come from a store file, which is input like any other: only the known keys and
    `inputs/<key>.<a known format's extension>` are written, so a crafted store cannot write
    outside `folder`."""
    from siteplan.errors import InputError

    data = raw.get("data")
    if not isinstance(data, dict):
        data = {}
    for key, blob in tables.items():
        if key not in TABLE_KEYS:
            raise InputError(f"stored table name {key!r} is not one of {', '.join(TABLE_KEYS)}",
                             fix="this store was not written by siteplan; export another run")
        path = str(data.get(key) or f"inputs/{key}.csv")
        folder_name, _, name = path.partition("/")
        if folder_name != "inputs" or not is_bundle_name(key, name):
            raise InputError(f"stored scenario names table {key!r} as {path!r}, not inputs/{key}.<format>",
                             fix="this store was not written by siteplan; export another run")
        write_bytes_atomic(folder / "inputs" / name, blob)
    text = RESOLVED_HEADER + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    return write_text_atomic(folder / scenario_file, text)


@contextmanager
def materialised(bndl: dict) -> Iterator[Path]:
    """The bundle written into a temp folder for as long as the block runs; returns the
    scenario path. Removed on the way out (also on errors and Ctrl-C): a pool worker ends
    with os._exit, which skips atexit, so nothing may rely on it."""
    with tempfile.TemporaryDirectory(prefix="siteplan-bundle-") as folder:
        yield write_bundle(bndl["raw"], bndl["tables"], Path(folder), "scenario.yaml")


#: exception class name -> the status a failed run is recorded with
FAILURE_STATUS = {"InfeasibleError": Termination.INFEASIBLE.value,
                  "NoSolutionError": Termination.NO_SOLUTION_FOUND.value, "CheckFailedError": "check_failed"}


def failure_record(exc: SiteplanError, scn, backend: str, options: dict,
                   overrides: dict | None = None, *, with_tables: bool = True) -> dict:
    """A run that ended without a plan (infeasible, no solution, ...) is data too."""
    status = FAILURE_STATUS.get(type(exc).__name__, Termination.ERROR.value)
    reasons = getattr(exc, "reasons", None) or []
    return {
        "scenario_name": scn.name, "scenario_hash": scn.content_hash(),
        "source": str(scn.path) if scn.path else None, "objective": scn.spec.objective,
        "status": status, "backend": backend, "error": exc.message,
        "overrides": dict(overrides or {}), "options": options,
        "resolved": portable_raw(scn), "tables": table_bytes(scn) if with_tables else None,
        "summary": {"status": status, "message": exc.message, "reasons": reasons[:20]},
        "totals": None, "compliance": None, "plan": None,
    }


def plan_dict(plan) -> dict:
    """A Plan as a plain dict (warm starts travel between workers this way)."""
    return asdict(plan)
