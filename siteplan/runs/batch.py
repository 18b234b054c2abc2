"""A province's districts solved as one batch: one scenario YAML per district, resumably.

Why a batch and not a loop of `solve`: a province plans a few hundred districts at once, on a
pool or a cluster, and needs the failures listed without the batch stopping at the first.
Each district is loaded on the driver (a bad scenario is a failure row, not a crash), and a
district whose scenario content (its hash) already has a finished run in the store is
reused instead of solved (`rerun` solves it again). The rest travel as scenario bundles to
the sweep executors (`siteplan.analysis.sweep_exec`: a local process pool, Ray or Dask),
at most two per worker in flight, so memory stays bounded however many districts there are;
only the driver writes the store, one transaction per district as it ends, so Ctrl-C or a
killed driver keeps every district finished before it.
"""

from __future__ import annotations

import concurrent.futures as cf
import glob
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siteplan.errors import InputError, SiteplanError
from siteplan.result import Termination, has_plan

MAX_DISTRICTS = 20_000
#: stored statuses that count as a finished district (reused on a rerun); a run that hit a
#: limit without a plan, failed its check or crashed is solved again
FINISHED = (Termination.OPTIMAL.value, Termination.FEASIBLE.value, Termination.INFEASIBLE.value)
#: a failed district's status -> (failure kind, the exit code `solve` would give it)
FAILURE_KIND = {"bad_input": ("bad input", 3), Termination.INFEASIBLE.value: ("infeasible", 4),
                Termination.NO_SOLUTION_FOUND.value: ("time limit", 5), "check_failed": ("check failed", 6),
                Termination.ERROR.value: ("solver error", 7)}
HEARTBEAT_SECONDS = 20.0
_SKIP_NAMES = {"scenario.resolved.yaml"}  # a solve's output folder copy, never a district


@dataclass(frozen=True)
class BatchRequest:
    """Which scenarios, where their runs are stored, and how they are run and solved."""

    sources: tuple[str, ...]
    store_path: str | Path | None = None
    executor: str = "local"
    workers: int | None = None
    address: str | None = None
    solver: str | None = None  # `--solver`: a route, a profile name or path
    limits: dict = field(default_factory=dict)  # time_limit / mip_gap / threads from the command line
    overrides: dict = field(default_factory=dict)  # `--set`, applied to every district
    rerun: bool = False
    explain: bool = True  # infeasible districts: the elastic diagnosis's first shortfall
    stop_after: int | None = None  # tests, benchmarks: submit at most this many solves


@dataclass
class District:
    """One district's line in the roll-up: where it came from and how it ended."""

    label: str
    path: str
    name: str | None = None
    scenario_hash: str | None = None
    status: str = "bad_input"
    reason: str | None = None  # a failure's one-line reason
    run_id: int | None = None
    reused: bool = False  # a finished run from the store, not solved now
    backend: str | None = None
    seconds: float | None = None
    totals: dict | None = None
    compliance: list | None = None
    urban_residents: int | None = None
    urban_workers: int | None = None

    @property
    def planned(self) -> bool:
        return has_plan(self.status)

    @property
    def failure(self) -> str | None:
        """'bad input', 'infeasible', 'time limit', 'check failed', 'solver error'; None if planned."""
        return None if self.planned else FAILURE_KIND.get(self.status, ("solver error", 7))[0]

    @property
    def exit_code(self) -> int:
        return 0 if self.planned else FAILURE_KIND.get(self.status, ("solver error", 7))[1]


@dataclass
class BatchRun:
    districts: list[District]
    solved: int = 0
    reused: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # summed over districts solved now, in the processes that solved them
    workers: int = 0


# ------------------------------------------------------------------------------ discovery

def _candidates(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")) and d != "inputs")
        for f in sorted(files):
            if f.endswith((".yaml", ".yml")) and not f.startswith((".", "_")) and f not in _SKIP_NAMES:
                yield Path(root) / f


def discover(sources: tuple[str, ...] | list[str]) -> list[Path]:
    """Every district scenario named by `sources`: a YAML file, a folder (its YAML files at
    any depth, leaving out hidden and `_`-prefixed names, `inputs/` and solve output copies)
    or a glob (`province/*/scenario.yaml`). Sorted, each once, at most `MAX_DISTRICTS`."""
    found: dict[Path, None] = {}
    for src in sources:
        p = Path(src).expanduser()
        if p.is_dir():
            hits = list(_candidates(p))
        elif p.is_file():
            hits = [p]
        else:
            hits = [Path(h) for h in sorted(glob.glob(os.path.expanduser(src), recursive=True))
                    if Path(h).is_file()]
        if not hits:
            raise InputError(f"no district scenario (*.yaml) found in {src!r}",
                             fix="give a folder of district scenarios, a YAML file or a glob such as "
                                 "'province/*/scenario.yaml'")
        for h in hits:
            found.setdefault(h.resolve(), None)
            if len(found) > MAX_DISTRICTS:
                raise InputError(f"more than {MAX_DISTRICTS:,} district scenarios",
                                 fix="split the province into several batches")
    return sorted(found)


def labels(paths: list[Path]) -> list[str]:
    """Short, unique names: the path below the common folder, `d1/scenario.yaml` as `d1`."""
    if not paths:
        return []
    root = Path(os.path.commonpath([p.parent for p in paths]))
    out = []
    for p in paths:
        rel = p.relative_to(root)
        short = rel.parent if p.stem == "scenario" and rel.parent != Path(".") else rel.with_suffix("")
        out.append(short.as_posix())
    if len(set(out)) < len(out):
        out = [p.relative_to(root).as_posix() for p in paths]
    return out


# ------------------------------------------------------------------------------ the worker side

def solve_district(bndl: dict, task: dict) -> dict:
    """Solve one district in a worker (the sweep's `solve_point`); for an infeasible one, add
    the diagnosis's first line (`task["explain"]`). Never raises: a failure is a result."""
    from siteplan.analysis.sweep_exec import solve_point

    out = solve_point(bndl, task)
    rec = out.get("record")
    if rec is not None and rec["status"] == Termination.INFEASIBLE.value:
        rec["summary"]["diagnosis"] = _diagnosis_line(bndl, task, rec)
    return out


def _diagnosis_line(bndl: dict, task: dict, rec: dict) -> str:
    """The first line of what `siteplan explain` would say: a proof found before solving, or
    the elastic model's first shortfall; the solver's own words when the diagnosis fails."""
    reasons = rec["summary"].get("reasons") or []
    if reasons:
        return str(reasons[0])
    if not task.get("explain"):
        return str(rec.get("error"))
    from siteplan.analysis.explain import explain_infeasible
    from siteplan.backends.base import SolveOptions
    from siteplan.runs.runrecord import materialised
    from siteplan.scenario.load import load_scenario

    try:
        with materialised(bndl) as path:
            scn = load_scenario(path, task["overrides"])
        diag = explain_infeasible(scn, backend=task["backend"], options=SolveOptions(**task["options"]),
                                  price=False)
    except SiteplanError as exc:
        return f"{rec.get('error')} (no diagnosis: {exc.message})"
    if diag.feasible or not diag.shortfalls:
        return str(rec.get("error"))
    return diag.shortfalls[0].text


# ------------------------------------------------------------------------------ the driver side

def urban_figures(doc: dict) -> tuple[int, int]:
    """(urban residents, their workers) of a plan.json document: the province's worker
    density is summed from these, not averaged from the districts' rounded densities."""
    urban = [c for c in doc.get("committees") or [] if c.get("kind") == "urban"]
    return sum(int(c.get("residents") or 0) for c in urban), sum(int(c.get("workers") or 0) for c in urban)


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


class _Driver:
    """Loads districts, reuses finished runs, keeps the executor fed and commits results."""

    def __init__(self, req: BatchRequest, store, say: Callable[[str], None]):
        self.req, self.store, self.say = req, store, say
        self.reads: list[Path] = []  # every file the districts were read from (for --out checks)
        self.submitted = 0

    def prepare(self, path: Path, label: str) -> tuple[District, dict | None, dict | None]:
        """The district, and (bundle, task) when it must be solved; a bad scenario or a
        finished run in the store gives a district with no task."""
        from siteplan.commands.options import solver_choice
        from siteplan.runs.runrecord import bundle
        from siteplan.scenario.load import load_scenario

        d = District(label=label, path=str(path))
        self.reads.append(path)
        try:
            scn = load_scenario(path, self.req.overrides)
            self.reads.extend(scn.files_read())
            d.name, d.scenario_hash = scn.name, scn.content_hash()
            name, opts = solver_choice(scn, self.req.solver, **self.req.limits)
        except SiteplanError as exc:
            d.status, d.reason = "bad_input", _first_line(exc.render())
            if not isinstance(exc, InputError):  # e.g. an unknown backend in the scenario
                d.reason = f"{type(exc).__name__}: {d.reason}"
            return d, None, None
        if not self.req.rerun:
            old = self.store.latest_run(d.scenario_hash, FINISHED)
            if old is not None:
                self._from_store(d, old)
                return d, None, None
        d.backend = name
        task = {"key": label, "overrides": self.req.overrides, "backend": name, "options": opts.as_dict(),
                "warm_start": None, "explain": self.req.explain}
        try:
            bndl = bundle(scn)
        except SiteplanError as exc:
            d.status, d.reason = "bad_input", _first_line(exc.render())
            return d, None, None
        return d, bndl, task

    def _from_store(self, d: District, run: dict) -> None:
        d.reused, d.run_id, d.status, d.backend = True, run["id"], run["status"], run["backend"]
        d.totals, d.compliance = run["totals"], run["compliance"]
        summary = run["summary"] or {}
        if d.planned:
            d.urban_residents, d.urban_workers = urban_figures(self.store.run_plan(run["id"]) or {})
        else:
            d.reason = _first_line(summary.get("diagnosis") or run["error"])

    def commit(self, d: District, bndl: dict, res: dict) -> None:
        """Record a finished district in the store (its own transaction) and fill its row."""
        rec = res.get("record")
        d.seconds = res.get("seconds")
        if rec is None:  # the bundle did not load in the worker (it did on the driver)
            d.status, d.reason = "bad_input", _first_line(res.get("error"))
            return
        rec["tables"] = bndl["tables"]
        rec["source"] = d.path
        if rec.get("plan"):
            rec["plan"]["scenario"]["source"] = d.path
        d.run_id = self.store.add_run(rec)
        d.status, d.totals, d.compliance = rec["status"], rec.get("totals"), rec.get("compliance")
        if rec.get("plan"):
            d.urban_residents, d.urban_workers = urban_figures(rec["plan"])
        else:
            d.reason = _first_line((rec.get("summary") or {}).get("diagnosis") or rec.get("error"))


def _line(i: int, n: int, d: District) -> str:
    head = f"[{i}/{n}] {d.label}: "
    if d.planned:
        t = d.totals or {}
        dens = t.get("workers_per_10k_urban")
        return (head + f"{d.status}{' (stored run ' + str(d.run_id) + ')' if d.reused else ''}, "
                f"total cost {t.get('total_cost', 0) / 1e6:,.2f}M, {t.get('workers', 0):,} workers"
                + (f" ({dens:.1f} per 10k urban)" if dens is not None else "")
                + (f" ({d.seconds:.1f} s)" if d.seconds is not None else ""))
    return head + f"{d.failure}: {d.reason}"


class _Pool:
    """The executor, started at the first district to solve (a batch whose districts are all
    in the store starts no pool or cluster), and started again if a local pool broke (a
    worker killed by the OS takes the whole process pool down with it)."""

    def __init__(self, req: BatchRequest):
        self.req, self.ex = req, None
        self.workers = req.workers or (2 if req.executor == "local" else 0)

    def get(self):
        from siteplan.analysis.sweep_exec import make_executor

        if self.ex is None:
            self.ex = make_executor(self.req.executor, workers=self.req.workers, address=self.req.address)
            self.workers = self.ex.workers
        return self.ex

    def submit(self, fn, *args):
        try:
            return self.get().submit(fn, *args)
        except cf.BrokenExecutor:
            self.close(cancel=True)
            return self.get().submit(fn, *args)

    def close(self, cancel: bool = False) -> None:
        if self.ex is not None:
            self.ex.close(cancel=cancel)
            self.ex = None


def run_batch(req: BatchRequest, progress: Callable[[str], None] | None = None) -> tuple[BatchRun, list[Path]]:
    """Solve every district not already finished in the store; returns the roll-up's rows
    (in district order) and every file the districts were read from."""
    from siteplan.analysis.sweep_exec import make_executor
    from siteplan.runs.store import RunStore

    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    paths = discover(req.sources)
    if req.executor == "local" and req.address:  # the executor's own check, before any district loads
        make_executor(req.executor, address=req.address)
    names = labels(paths)
    run = BatchRun(districts=[])
    rows: dict[int, District] = {}
    with RunStore(req.store_path) as store:
        drv = _Driver(req, store, say)
        say(f"batch: {len(paths):,} district scenario(s) on the {req.executor} executor")
        pool = _Pool(req)
        try:
            _feed(pool, drv, paths, names, rows, run, say)
        except BaseException:
            pool.close(cancel=True)
            raise
        pool.close()
        run.workers = pool.workers
    run.districts = [rows[i] for i in sorted(rows)]
    run.seconds = time.perf_counter() - t0
    return run, drv.reads


def _feed(pool: _Pool, drv: _Driver, paths: list[Path], names: list[str], rows: dict[int, District],
          run: BatchRun, say: Callable[[str], None]) -> None:
    """Keep at most two districts per worker in flight; commit each as it ends."""
    n = len(paths)
    todo = iter(range(n))
    inflight: dict[Any, tuple[int, District, dict]] = {}
    heartbeat = time.monotonic()
    exhausted = False
    while True:
        while not exhausted and len(inflight) < 2 * max(1, pool.workers):
            i = next(todo, None)
            if i is None:
                exhausted = True
                break
            d, bndl, task = drv.prepare(paths[i], names[i])
            if task is None:
                rows[i] = d
                run.reused += d.reused
                say(_line(len(rows), n, d))
                continue
            if drv.req.stop_after is not None and drv.submitted >= drv.req.stop_after:
                continue
            assert bndl is not None
            inflight[pool.submit(solve_district, bndl, task)] = (i, d, bndl)
            drv.submitted += 1
        if not inflight:
            return
        ready = [f for f in inflight if f.done()]
        if not ready:
            time.sleep(0.05)
            if time.monotonic() - heartbeat > HEARTBEAT_SECONDS:
                heartbeat = time.monotonic()
                say(f"[{len(rows)}/{n}] {len(inflight)} district(s) solving")
            continue
        heartbeat = time.monotonic()
        for fut in ready:
            i, d, bndl = inflight.pop(fut)
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker died (crash, out of memory, lost node)
                d.status = Termination.ERROR.value
                d.reason = f"a worker died while solving it ({type(exc).__name__}: {exc}); run the batch again"
            else:
                drv.commit(d, bndl, res)
                run.solved += 1
                run.cpu_seconds += res.get("cpu_seconds", 0.0)
            rows[i] = d
            say(_line(len(rows), n, d))
