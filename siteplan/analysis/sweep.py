"""Budget sweeps: solve a scenario at every point of a grid of numeric keys, resumably.

`--vary budget.capex=2e7:2e8:10` gives 10 linearly spaced values (or `KEY=v1,v2,...`); several
`--vary` make a grid whose first key varies fastest, each key's values low to high whatever
order they were typed in. A sweep's id is a hash of the scenario
bundle, the grid and the solver settings, so running the same command again resumes it:
points already in the store (keyed by sweep id + point values) are skipped, points that
crashed (status `error`) are solved again, infeasible ones are results and stay.

Scheduling: the missing points are cut into one contiguous run per worker; each worker walks
its run in order and every point is warm-started from its nearest finished neighbour (the
previous value of the first key first: for a budget sweep that plan is feasible at the larger
budget). A worker that finishes early takes the back half of the longest remaining run (its
last point when only one is left).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siteplan.errors import InputError, SiteplanWarning, SolverError
from siteplan.kinds import Objective
from siteplan.result import has_plan

if TYPE_CHECKING:
    from siteplan.backends import SolveOptions
    from siteplan.scenario.load import Scenario

MAX_POINTS = 10_000
HEARTBEAT_SECONDS = 20.0  # a progress line at least this often while points are solving
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")  # also a folder name: out/sweeps/<id>


@dataclass(frozen=True)
class Vary:
    key: str
    values: tuple

    @property
    def spec(self) -> str:
        return f"{self.key}=" + ",".join(fmt_value(v) for v in self.values)

    @property
    def ascending(self) -> tuple:
        """The values low to high, the order a sweep walks and reports them in whatever order
        they were given: the point before is then the lower budget, whose plan is a warm start
        that fits (a descending walk got none), and "per extra million" reads upwards."""
        return tuple(sorted(self.values))


def _num(v: float):
    """Integral values as ints (2e7 -> 20000000), others rounded to 12 significant digits."""
    v = float(f"{v:.12g}")
    return int(v) if v.is_integer() and abs(v) < 2**53 else v


def fmt_value(v) -> str:
    return f"{v:.12g}" if isinstance(v, float) else str(v)


def parse_vary(text: str) -> Vary:
    """`key=start:stop:count` (linear, both ends included) or `key=v1,v2,...`."""
    fix = "write e.g. --vary budget.capex=2e7:2e8:10 or --vary budget.capex=2e7,5e7,1e8"
    if "=" not in text:
        raise InputError(f"--vary {text!r} is not KEY=START:STOP:COUNT", fix=fix)
    key, spec = (s.strip() for s in text.split("=", 1))
    parts = key.split(".")
    # a timeline's yearly entry may end the key: budget.capex.2023
    if not key or any(not p.isidentifier() for p in parts[:-1]) or not (parts[-1].isidentifier() or (
            len(parts) > 1 and parts[-1].isdigit() and len(parts[-1]) == 4)):
        raise InputError(f"--vary key {key!r} is not a dotted scenario key", fix=fix)
    try:
        if ":" in spec:
            parts = spec.split(":")
            if len(parts) != 3:
                raise ValueError
            start, stop, count = float(parts[0]), float(parts[1]), int(parts[2])
            if count < 1:
                raise ValueError
            values = [start] if count == 1 else [start + (stop - start) * i / (count - 1) for i in range(count)]
        else:
            values = [float(p) for p in spec.split(",") if p.strip()]
    except ValueError:
        raise InputError(f"--vary {text!r}: cannot read START:STOP:COUNT (COUNT a positive integer)",
                         fix=fix) from None
    if not values or not all(math.isfinite(v) for v in values):
        raise InputError(f"--vary {text!r}: values must be finite numbers", fix=fix)
    if len(set(values)) != len(values):
        raise InputError(f"--vary {text!r}: values repeat", fix=fix)
    return Vary(key, tuple(_num(v) for v in values))


def grid(varies: list[Vary]) -> list[dict]:
    """Every point as {key: value}, first key fastest (so neighbours in the list are close),
    each key's values in ascending order (`Vary.ascending`)."""
    if len({v.key for v in varies}) != len(varies):
        raise InputError("the same key is varied twice", fix="give each key one --vary")
    n = math.prod(len(v.values) for v in varies)
    if n > MAX_POINTS:
        raise InputError(f"the grid has {n:,} points; the limit is {MAX_POINTS:,}", fix="use fewer values")
    combos = itertools.product(*(v.ascending for v in reversed(varies)))
    return [{v.key: c for v, c in reversed(list(zip(reversed(varies), combo)))} for combo in combos]


def point_key(point: dict) -> str:
    return json.dumps(point, sort_keys=True)


def point_label(point: dict) -> str:
    return " ".join(f"{k}={fmt_value(v)}" for k, v in point.items())


def sweep_identity(bundle_hash: str, varies: list[Vary], backend: str, options: dict) -> str:
    """Same scenario content, grid and solver settings -> same id (what makes resume work)."""
    ident = {"scenario": bundle_hash, "vary": [v.spec for v in varies], "backend": backend,
             "options": {k: options[k] for k in sorted(options) if k != "extra"}}
    return "sw-" + hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()[:10]


def _neighbours(idx: tuple, shape: tuple) -> list[tuple]:
    """Grid neighbours, nearest-first: the previous value of the first key leads."""
    out = []
    for axis in range(len(shape)):
        for step in (-1, 1):
            j = list(idx)
            j[axis] += step
            if 0 <= j[axis] < shape[axis]:
                out.append(tuple(j))
    return out


@dataclass
class SweepRun:
    sweep_id: str
    resumed: bool
    total: int
    skipped: int
    solved: int
    failed: int
    seconds: float
    cpu_seconds: float = 0.0  # summed over solved points, in the processes that solved them


@dataclass(frozen=True)
class SweepRequest:
    """What a sweep needs: the scenario and its grid, where the points are stored, how they
    are run (executor, workers, cluster address) and solved (backend, profile, options)."""

    scenario: str | Path
    varies: list[Vary]
    store_path: str | Path | None = None
    executor: str = "local"
    workers: int | None = None
    address: str | None = None
    backend: str | None = None
    profile: str | None = None
    options: SolveOptions | None = None
    overrides: dict | None = None  # scenario keys set at every point (--set)
    sweep_id: str | None = None
    stop_after: int | None = None  # tests, benchmarks: stop submitting after that many points
    reuse: bool = True  # solve consecutive points in kept solver instances (same results, less rebuilding)
    shortcuts: bool = True  # each run's top point first; a point whose model restricts a solved one's takes its answer


@dataclass
class _Points:
    """A sweep resolved before anything is solved: the base scenario, every point and its
    place in the grid, the solver settings, the bundle the workers solve from and the id."""

    scn: Scenario
    base: dict  # the overrides every point starts from
    points: list[dict]
    grid_idx: list[tuple]  # each point's index along each key
    by_idx: dict[tuple, int]
    shape: tuple
    backend: str
    options: dict
    bundle: dict
    sweep_id: str
    spec: dict  # what the store records about the sweep

    def neighbours(self, i: int) -> list[int]:
        """Point i's grid neighbours, nearest first."""
        return [self.by_idx[g] for g in _neighbours(self.grid_idx[i], self.shape)]


def plan_points(req: SweepRequest) -> _Points:
    """Load the scenario, lay out the grid and settle solver settings and the sweep id, so a
    wrong key, a non-numeric value or a bad id fails before a store or worker is touched."""
    from siteplan.pipeline import solver_settings
    from siteplan.runs.runrecord import bundle as make_bundle
    from siteplan.scenario.load import load_scenario

    base = dict(req.overrides or {})
    scn = load_scenario(req.scenario, base)
    points = grid(req.varies)
    for probe in {0, len(points) - 1}:  # a wrong key or a non-numeric one fails here, once
        load_scenario(req.scenario, {**base, **points[probe]})
    name, opts = solver_settings(scn, req.backend, req.options, req.profile)
    bndl = make_bundle(scn)
    opt_dict = opts.as_dict()
    if req.sweep_id is not None and not _ID.match(req.sweep_id):
        raise InputError(f"sweep id {req.sweep_id!r} is not a plain name",
                         fix="use letters, digits, '.', '_' or '-' (at most 64), e.g. --id capex-2025")
    sid = req.sweep_id or sweep_identity(bndl["hash"], req.varies, name, opt_dict)
    rank = [{x: k for k, x in enumerate(v.ascending)} for v in req.varies]  # value -> grid index
    grid_idx = [tuple(r[p[v.key]] for v, r in zip(req.varies, rank)) for p in points]
    spec = {"scenario": str(scn.path), "vary": [v.spec for v in req.varies], "backend": name,
            "options": {k: v for k, v in opt_dict.items() if k != "extra"}, "overrides": base}
    return _Points(scn=scn, base=base, points=points, grid_idx=grid_idx,
                   by_idx={g: i for i, g in enumerate(grid_idx)}, shape=tuple(len(v.values) for v in req.varies),
                   backend=name, options=opt_dict, bundle=bndl, sweep_id=sid, spec=spec)


def _open_in_store(store, pts: _Points) -> tuple[bool, dict]:
    """(new sweep?, stored points by key). Registers the sweep, refuses an id already used
    by another scenario or grid, and forgets crashed points so they are solved again."""
    scn, sid = pts.scn, pts.sweep_id
    fresh = store.ensure_sweep(sid, scn.name, scn.content_hash(), pts.spec, len(pts.points))
    old = store.get_sweep(sid)
    if old["spec"]["vary"] != pts.spec["vary"] or old["scenario_hash"] != scn.content_hash():
        raise InputError(f"sweep {sid} exists with another scenario or grid "
                         f"({old['spec']['scenario']}: {'; '.join(old['spec']['vary'])})",
                         fix="use another --id (or none) for a new sweep, or repeat that sweep's inputs")
    store.forget_errors(sid)
    return fresh, store.sweep_points(sid)


class _WarmStarts:
    """Each point's warm start: the plan of its nearest finished neighbour, solved in this
    run or read from the store (for a budget sweep, the previous budget's plan is feasible)."""

    def __init__(self, pts: _Points, store, done: dict):
        self.pts, self.store, self.done = pts, store, done
        self.plans: dict[int, dict] = {}
        self.phases: dict[int, list[dict]] = {}  # solver phases of the points with a plan
        self.unreadable: set[int] = set()  # stored points whose plan could not be read

    def add(self, i: int, plan: dict, phases: list[dict] | None = None) -> None:
        self.plans[i] = plan
        if phases is not None:
            self.phases[i] = phases

    def above(self, i: int) -> dict | None:
        """The nearest finished point with a plan above point i along the first key (the rest
        of the grid point the same), as `solve_point` takes it (`task["above"]`)."""
        idx = self.pts.grid_idx[i]
        for up in range(idx[0] + 1, self.pts.shape[0]):
            j = self.pts.by_idx[(up, *idx[1:])]
            if j not in self.phases:
                got = self._stored(j)
                if got is None:
                    continue
                self.plans.setdefault(j, got[0])
                self.phases[j] = got[1]
            return {"overrides": {**self.pts.base, **self.pts.points[j]}, "plan": self.plans[j],
                    "phases": self.phases[j], "label": point_label(self.pts.points[j])}
        return None

    def for_point(self, i: int) -> dict | None:
        for j in self.pts.neighbours(i):
            if j in self.plans:
                return self.plans[j]
            got = self._stored(j)
            if got is not None:
                self.plans[j] = got[0]
                return self.plans[j]
        return None

    def _stored(self, j: int) -> tuple[dict, list[dict]] | None:
        """Point j's stored plan and solver phases, or None when it has none or it cannot be
        read: a warm start is only a hint, so a damaged row costs a warning, not the sweep."""
        from siteplan.runs.store import plan_from_doc

        stored = self.done.get(point_key(self.pts.points[j]))
        if j in self.unreadable or not stored or not has_plan(stored["status"]):
            return None
        try:
            doc = self.store.run_plan(stored["id"])
            if not doc:
                return None
            phases = (doc.get("solver") or {}).get("phases") or []
            return plan_from_doc(doc, f"run {stored['id']} in {self.store.path}").__dict__, phases
        except InputError as exc:
            self.unreadable.add(j)
            warnings.warn(f"{exc.message} ({exc.where}); not used as a warm start", SiteplanWarning,
                          stacklevel=2)
            return None


class _Dispatch:
    """Points in flight on an executor. Each worker slot walks one contiguous run of points
    in order, so every point can start from the one before; a slot whose run ends takes the
    back half of the longest remaining run."""

    def __init__(self, ex, pts: _Points, warm: _WarmStarts, say, live: bool, reuse: bool = True,
                 shortcuts: bool = True):
        self.ex, self.pts, self.warm, self.say, self.live, self.reuse = ex, pts, warm, say, live, reuse
        self.shortcuts = shortcuts
        self.shared = ex.put(pts.bundle)
        self.inflight: dict[Any, tuple[int, list[int]]] = {}  # future -> (point index, the rest of its run)

    def start(self, missing: list[int]) -> None:
        """Cut the missing points into one run per worker slot and submit each run's first."""
        n_slots = max(1, min(self.ex.workers, len(missing)))
        size = math.ceil(len(missing) / n_slots)
        for k in range(0, len(missing), size):
            run = missing[k:k + size]
            if self.shortcuts and len(run) > 1:  # its top point first: its answer may hold below
                run = [run[-1], *run[:-1]]
            self.submit(run)

    def submit(self, seq: list[int]) -> None:
        """Submit the first point of `seq`, warm-started from its nearest finished neighbour."""
        from siteplan.analysis.sweep_exec import solve_point

        pts = self.pts
        i = seq.pop(0)
        task = {"key": point_key(pts.points[i]), "overrides": {**pts.base, **pts.points[i]},
                "backend": pts.backend, "options": pts.options, "warm_start": self.warm.for_point(i),
                "reuse": self.reuse, "above": self.warm.above(i) if self.shortcuts else None}
        args: tuple[Any, ...] = (self.shared, task)
        if self.live:  # live lines from the running solve
            args += (lambda msg, p=pts.points[i]: self.say(f"  {point_label(p)}: {msg}"),)
        self.inflight[self.ex.submit(solve_point, *args)] = (i, seq)

    def ready(self) -> list:
        return [f for f in self.inflight if f.done()]

    def take(self, fut) -> tuple[int, dict, list[int]]:
        """(point index, its result, the rest of its run) of a finished future."""
        i, seq = self.inflight.pop(fut)
        try:
            return i, fut.result(), seq
        except Exception as exc:  # noqa: BLE001 - a worker died (crash, out of memory, lost node)
            raise SolverError(
                f"a worker died while solving {point_label(self.pts.points[i])}: {type(exc).__name__}: {exc}",
                fix="re-run the same command: finished points are kept, only the missing are solved",
            ) from None

    def carry_on(self, seq: list[int]) -> None:
        """Submit the next point of a slot's run; an empty run steals the back half of the
        longest remaining one, or its one last point (an idle worker waiting for a point that
        another worker has not begun only delays the sweep: the hard points of a budget sweep
        can sit together at one end)."""
        if not seq:
            longest = max((s for _, s in self.inflight.values()), key=len, default=[])
            if longest:
                half = max(1, len(longest) // 2)
                seq = longest[-half:]
                del longest[-half:]
        if seq:
            self.submit(seq)


def _collect(dispatch: _Dispatch, store, run: SweepRun, say, heartbeats: bool, t0: float) -> None:
    """Wait for points as they finish, commit each to the store at once, report it and keep
    its worker slot busy; a heartbeat line while nothing finishes (`heartbeats`)."""
    pts = dispatch.pts
    heartbeat = time.monotonic()
    while dispatch.inflight:
        ready = dispatch.ready()
        if not ready:
            time.sleep(0.05)
            if heartbeats and time.monotonic() - heartbeat > HEARTBEAT_SECONDS:
                heartbeat = time.monotonic()
                say(f"[{run.skipped + run.solved}/{run.total}] {len(dispatch.inflight)} point(s) solving, "
                    f"{time.perf_counter() - t0:.0f} s elapsed")
            continue
        heartbeat = time.monotonic()
        for fut in ready:
            i, res, seq = dispatch.take(fut)
            status = _commit(store, pts.sweep_id, pts.points[i], res, pts.bundle, pts.scn)
            if res.get("plan"):
                dispatch.warm.add(i, res["plan"], ((res["record"].get("plan") or {}).get("solver") or {}).get("phases"))
            run.solved += 1
            run.cpu_seconds += res.get("cpu_seconds", 0.0)
            run.failed += not has_plan(status)
            say(f"[{run.skipped + run.solved}/{run.total}] {point_label(pts.points[i])}: {status}"
                + _headline(res) + f" ({res.get('seconds', 0):.1f} s)")
            dispatch.carry_on(seq)


def _solve_missing(req: SweepRequest, pts: _Points, store, done: dict, missing: list[int], run: SweepRun,
                   progress: Callable[[str], None] | None, t0: float) -> None:
    """Solve the missing points on the requested executor; stops its workers (cancelling
    what runs) on any error or Ctrl-C."""
    from siteplan.analysis.sweep_exec import InlineExecutor, make_executor, release_session

    say = progress or (lambda msg: None)
    ex = make_executor(req.executor, workers=req.workers, address=req.address)
    try:
        dispatch = _Dispatch(ex, pts, _WarmStarts(pts, store, done), say,
                             live=bool(progress) and isinstance(ex, InlineExecutor), reuse=req.reuse,
                             shortcuts=req.shortcuts)
        dispatch.start(missing)
        _collect(dispatch, store, run, say, heartbeats=bool(progress), t0=t0)
    except BaseException:
        ex.close(cancel=True)
        raise
    finally:
        if isinstance(ex, InlineExecutor):
            release_session()  # the points were solved in this process: free their solver instances
    ex.close()


def run_sweep(req: SweepRequest, progress: Callable[[str], None] | None = None) -> SweepRun:
    """Solve every missing point of the grid and commit each one to the store as it ends."""
    from siteplan.runs.store import RunStore

    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    pts = plan_points(req)
    n = len(pts.points)
    store = RunStore(req.store_path)
    try:
        fresh, done = _open_in_store(store, pts)
        missing = [i for i, p in enumerate(pts.points) if point_key(p) not in done]
        run = SweepRun(pts.sweep_id, not fresh, n, n - len(missing), 0, 0, 0.0)
        if req.stop_after is not None:
            missing = missing[:req.stop_after]
        if not missing:
            say(f"sweep {pts.sweep_id}: all {n} points already in the store")
        else:
            say(f"sweep {pts.sweep_id}: {len(missing)} of {n} points to solve"
                + (f" ({run.skipped} already stored)" if run.skipped else ""))
            _solve_missing(req, pts, store, done, missing, run, progress, t0)
        run.seconds = time.perf_counter() - t0
        return run
    finally:
        store.close()


def _commit(store, sid: str, point: dict, res: dict, bndl: dict, scn) -> str:
    """Write one finished point in its own transaction; returns its status."""
    rec = res.get("record")
    if rec is None:  # the point's scenario could not even be loaded
        raise InputError(f"sweep point {point_label(point)}: {res.get('error')}")
    rec["tables"] = bndl["tables"]
    rec["source"] = str(scn.path)
    if rec.get("plan"):
        rec["plan"]["scenario"]["source"] = str(scn.path)
    store.add_run(rec, sweep_id=sid, point_key=point_key(point), point=point)
    return rec["status"]


def _headline(res: dict) -> str:
    """KPIs, and the solver's incumbent and best bound for the point's first phase."""
    rec = res.get("record") or {}
    t = rec.get("totals")
    if not t:
        return f" - {rec.get('error') or res.get('error')}"
    phases = ((rec.get("plan") or {}).get("solver") or {}).get("phases") or [{}]
    inc, bound = phases[0].get("objective"), phases[0].get("bound")
    if rec.get("objective") == Objective.MAX_COVERAGE:  # the model minimises uncovered-negative residents
        inc, bound = (None if v is None else -v for v in (inc, bound))
    solver = "" if inc is None else f", incumbent {inc:.6g}" + ("" if bound is None else f" bound {bound:.6g}")
    reused = (phases[0].get("extra") or {}).get("reused_from")
    if reused:
        solver += f", the answer of {reused} (not solved: this point's model restricts its)"
    ws = (rec.get("summary") or {}).get("warm_start")
    return (f", capex {t['capex'] / 1e6:,.2f}M, residents covered {t['residents_covered']:,}"
            f" ({100 * (t['coverage_share'] or 0):.1f}%){solver}" + (f", warm start {ws}" if ws else ""))


def points_in_order(store, sweep_id: str, varies: list[Vary]) -> list[dict]:
    """The sweep's stored points in grid order (missing ones with status 'missing')."""
    stored = store.sweep_points(sweep_id)
    out = []
    for p in grid(varies):
        row = stored.get(point_key(p)) or {"id": None, "status": "missing", "totals": None,
                                          "compliance": None, "summary": None, "error": None}
        out.append({**row, "point": p})
    return out


def varies_from_specs(specs: list[str]) -> list[Vary]:
    return [parse_vary(s) for s in specs]


def default_out(sweep_id: str) -> Path:
    return Path("out") / "sweeps" / sweep_id
