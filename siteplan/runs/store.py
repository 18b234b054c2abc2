"""The run store: every solve recorded in one embedded SQLite file.

Where: `--store PATH`, else `$SITEPLAN_STORE`, else `out/runs.sqlite` under the current
folder, beside the output folders `siteplan solve` writes by default (`out/<scenario>`).

Why SQLite in WAL mode with one transaction per run: a run is either fully in the store or
not at all, so killing a sweep loses only the points still being solved and never leaves the
file corrupt; readers (`runs list` in another terminal) never block the writer. Only the
driver process writes: pool, Ray and Dask workers return records, the driver commits them.

Tables are stored once per content (`blobs`, keyed by SHA-256, zlib-compressed), so a sweep of
fifty points over one city keeps its CSVs once. Sweep points are unique on (sweep, point key):
a resumed sweep cannot record a point twice.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import sqlite3
import zlib
from pathlib import Path
from typing import Any

from siteplan.errors import InputError
from siteplan.fileio import check_regular
from siteplan.outfolder import check_creatable
from siteplan.runs.runrecord import to_json

ENV_VAR = "SITEPLAN_STORE"
DEFAULT_PATH = Path("out") / "runs.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    scenario_name TEXT NOT NULL,
    scenario_hash TEXT NOT NULL,
    source TEXT,
    objective TEXT,
    status TEXT NOT NULL,
    backend TEXT,
    error TEXT,
    overrides TEXT NOT NULL,
    options TEXT NOT NULL,
    resolved TEXT NOT NULL,
    summary TEXT NOT NULL,
    totals TEXT,
    compliance TEXT,
    plan TEXT,
    sweep_id TEXT REFERENCES sweeps(id),
    point_key TEXT,
    point TEXT,
    UNIQUE (sweep_id, point_key)
);
CREATE TABLE IF NOT EXISTS run_tables (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    PRIMARY KEY (run_id, name)
);
CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sweeps (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    scenario_name TEXT NOT NULL,
    scenario_hash TEXT NOT NULL,
    spec TEXT NOT NULL,
    n_points INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_sweep ON runs(sweep_id);
CREATE INDEX IF NOT EXISTS runs_hash ON runs(scenario_hash);
"""

_JSON_COLS = ("overrides", "options", "resolved", "summary", "totals", "compliance", "plan", "point")
_LIST_COLS = ("id", "created", "scenario_name", "scenario_hash", "source", "objective", "status",
              "backend", "error", "sweep_id", "point_key")


def resolve_store_path(explicit: str | Path | None = None) -> Path:
    """--store beats $SITEPLAN_STORE beats out/runs.sqlite (see the module docstring)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_PATH


def check_store(explicit: str | Path | None = None) -> Path:
    """The store path, checked before a solve (not after it): an existing store must open as
    one; for a new one the folder must be creatable. Creates nothing."""
    path = resolve_store_path(explicit)
    if path.exists():
        RunStore(path).close()
    else:
        check_creatable(path.parent, "the run store's folder")
    return path


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


class RunStore:
    """A connection to one store file; use as a context manager or call `close()`."""

    def __init__(self, path: str | Path | None = None, *, create: bool = True):
        self.path = resolve_store_path(path)
        if not create and not self.path.exists():
            raise InputError("no run store here", where=str(self.path),
                             fix=f"solve something first, or point --store / ${ENV_VAR} at the store file")
        if self.path.exists():  # a folder, device or FIFO: SQLite would fail late or block
            check_regular(self.path, "run store")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.executescript(_SCHEMA)
            self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            version = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise InputError(f"cannot open the run store: {exc}", where=str(self.path),
                             fix="point --store at another file, or move this one aside") from None
        except OSError as exc:
            raise InputError(f"cannot create the run store: {exc.strerror}", where=str(self.path)) from None
        if int(version) > SCHEMA_VERSION:
            raise InputError(f"run store schema {version} is newer than this siteplan ({SCHEMA_VERSION})",
                             where=str(self.path), fix="upgrade siteplan")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self.conn.close()

    # --- writing: one transaction per run ---------------------------------------------
    def add_run(self, record: dict, *, sweep_id: str | None = None, point_key: str | None = None,
                point: dict | None = None) -> int:
        """Commit one run (and its tables) atomically; returns the run id."""
        values = {
            "created": _now(), "scenario_name": record["scenario_name"],
            "scenario_hash": record["scenario_hash"], "source": record.get("source"),
            "objective": record.get("objective"), "status": record["status"],
            "backend": record.get("backend"), "error": record.get("error"),
            "sweep_id": sweep_id, "point_key": point_key,
        }
        for col in _JSON_COLS:
            v = point if col == "point" else record.get(col)
            values[col] = None if v is None and col in ("totals", "compliance", "plan", "point") else to_json(v)
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self._transaction():
            cur = self.conn.execute(f"INSERT INTO runs ({cols}) VALUES ({marks})", list(values.values()))
            assert cur.lastrowid is not None  # an INSERT sets it
            run_id = int(cur.lastrowid)
            for name, blob in (record.get("tables") or {}).items():
                sha = hashlib.sha256(blob).hexdigest()
                self.conn.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?)",
                                  (sha, len(blob), zlib.compress(blob, 6)))
                self.conn.execute("INSERT INTO run_tables VALUES (?, ?, ?)", (run_id, name, sha))
        return run_id

    def _transaction(self):
        return _Tx(self.conn)

    def ensure_sweep(self, sweep_id: str, scenario_name: str, scenario_hash: str, spec: dict,
                     n_points: int) -> bool:
        """Register a sweep; returns False when it already existed (a resume)."""
        with self._transaction():
            cur = self.conn.execute("INSERT OR IGNORE INTO sweeps VALUES (?, ?, ?, ?, ?, ?)",
                                    (sweep_id, _now(), scenario_name, scenario_hash, to_json(spec), n_points))
        return cur.rowcount == 1

    def forget_errors(self, sweep_id: str) -> int:
        """Drop a sweep's crashed points (status 'error') so a resume solves them again."""
        with self._transaction():
            ids = [r[0] for r in self.conn.execute(
                "SELECT id FROM runs WHERE sweep_id=? AND status='error'", (sweep_id,))]
            self.conn.executemany("DELETE FROM run_tables WHERE run_id=?", [(i,) for i in ids])
            self.conn.executemany("DELETE FROM runs WHERE id=?", [(i,) for i in ids])
        return len(ids)

    # --- reading ------------------------------------------------------------------------
    def list_runs(self, *, sweep_id: str | None = None, limit: int | None = None) -> list[dict]:
        """Newest first; light columns plus the headline KPIs."""
        sql = f"SELECT {', '.join(_LIST_COLS)}, totals FROM runs"
        args: list = []
        if sweep_id:
            sql += " WHERE sweep_id = ?"
            args.append(sweep_id)
        sql += " ORDER BY id DESC"
        if limit:
            sql += " LIMIT ?"
            args.append(int(limit))
        rows = []
        for r in self.conn.execute(sql, args):
            d = dict(r)
            d["totals"] = self._json(d["totals"] or None, "totals", d["id"])
            rows.append(d)
        return rows

    def get_run(self, run_id: int | str, *, with_tables: bool = False) -> dict:
        """One run with its JSON columns decoded; `InputError` if there is no such id."""
        try:
            rid = int(str(run_id).lstrip("#"))
        except ValueError:
            raise InputError(f"run id {run_id!r} is not a number", fix="see `siteplan runs list`") from None
        row = self.conn.execute("SELECT * FROM runs WHERE id = ?", (rid,)).fetchone()
        if row is None:
            raise InputError(f"no run {rid} in the store", where=str(self.path), fix="see `siteplan runs list`")
        d = dict(row)
        for col in _JSON_COLS:
            d[col] = self._json(d[col], col, rid)
        if with_tables:
            d["tables"] = self.run_tables(rid)
        return d

    def run_tables(self, run_id: int) -> dict[str, bytes]:
        out = {}
        for name, data in self.conn.execute(
                "SELECT t.name, b.data FROM run_tables t JOIN blobs b ON b.sha256 = t.sha256 "
                "WHERE t.run_id = ?", (run_id,)):
            out[name] = _inflate(data, name, self.path)
        return out

    def get_sweep(self, sweep_id: str) -> dict | None:
        row = self.conn.execute("SELECT * FROM sweeps WHERE id = ?", (sweep_id,)).fetchone()
        if row is None:
            return None
        d = dict(row)
        d["spec"] = self._json(d["spec"], "spec", f"sweep {sweep_id}")
        return d

    def sweep_points(self, sweep_id: str) -> dict[str, dict]:
        """point key -> {id, status, point, totals, compliance, summary} for one sweep."""
        out = {}
        for r in self.conn.execute(
                "SELECT id, point_key, status, error, point, totals, compliance, summary FROM runs "
                "WHERE sweep_id = ? ORDER BY id", (sweep_id,)):
            d = dict(r)
            for col in ("point", "totals", "compliance", "summary"):
                d[col] = self._json(d[col], col, d["id"])
            out[d["point_key"]] = d
        return out

    def latest_run(self, scenario_hash: str, statuses: tuple[str, ...]) -> dict | None:
        """The newest run of this scenario content with one of `statuses` (what a resumed batch
        reuses), with its KPIs, compliance and summary decoded; None when there is none."""
        marks = ", ".join("?" for _ in statuses)
        row = self.conn.execute(
            f"SELECT id, status, error, backend, totals, compliance, summary FROM runs "
            f"WHERE scenario_hash = ? AND status IN ({marks}) ORDER BY id DESC LIMIT 1",
            (scenario_hash, *statuses)).fetchone()
        if row is None:
            return None
        d = dict(row)
        for col in ("totals", "compliance", "summary"):
            d[col] = self._json(d[col], col, d["id"])
        return d

    def run_plan(self, run_id: int) -> dict | None:
        """The stored plan.json document of a run (None if it has none)."""
        row = self.conn.execute("SELECT plan FROM runs WHERE id = ?", (run_id,)).fetchone()
        doc = self._json((row[0] or None) if row else None, "plan", run_id)
        if doc is not None and not isinstance(doc, dict):
            raise InputError(f"the stored plan of run {run_id} is not a plan document", where=str(self.path),
                             fix=_DAMAGED_FIX)
        return doc or None

    def _json(self, text: str | None, column: str, run: int | str) -> Any:
        """A stored JSON column decoded (None stays None). The store is input too: a row changed
        outside siteplan is an input error naming the run and the column, not a crash."""
        if text is None:
            return None
        try:
            return json.loads(text)
        except (ValueError, TypeError) as exc:
            what = run if isinstance(run, str) else f"run {run}"
            raise InputError(f"the stored {column} of {what} is damaged: {exc}", where=str(self.path),
                             fix=_DAMAGED_FIX) from None

    def integrity(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]


_DAMAGED_FIX = ("the store was changed outside siteplan: restore it from a backup, or solve again "
                "into a new store (--store PATH)")


def _inflate(data: bytes, name: str, where: Path) -> bytes:
    """A stored table, decompressed to at most the table size limit: the store is input too,
    and a crafted blob must not inflate to gigabytes."""
    from siteplan.scenario.tables import MAX_TABLE_BYTES

    d = zlib.decompressobj()
    try:
        blob = d.decompress(data, MAX_TABLE_BYTES + 1)
    except zlib.error as exc:
        raise InputError(f"stored table {name!r} is damaged: {exc}", where=str(where)) from None
    if len(blob) > MAX_TABLE_BYTES or d.unconsumed_tail:
        raise InputError(f"stored table {name!r} is larger than {MAX_TABLE_BYTES >> 20} MiB",
                         where=str(where))
    return blob


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (the connection is in
    autocommit mode, so transactions are exactly the blocks written with this)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, *rest):
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        return False


def record_outcome(outcome, store_path: str | Path | None = None, *, overrides: dict | None = None) -> int:
    """Record a finished `solve_scenario` outcome in the store; returns the run id.

    `siteplan solve` calls this after writing its outputs, so every solve is in the store.
    """
    from siteplan.report.outputs import outcome_record

    with RunStore(store_path) as store:
        return store.add_run(outcome_record(outcome, overrides))


def plan_from_doc(doc: dict, where: str = "the run store"):
    """The `Plan` a stored plan.json document describes (for warm starts and checks), read by
    the same field-by-field reader as a plan.json on disk: the store is input too, and a
    damaged row must be an input error naming the field, not a crash."""
    from siteplan.report.outputs import plan_from_document

    return plan_from_document(doc, where)
