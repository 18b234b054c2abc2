"""`siteplan bench`: public instances x backends, one worker process per solve, checked rows.

Each row records what the solver said (status, objective, bound, gap), what the independent
check recomputed from the plan, and the published optimum with the difference. Rows are
appended to `results.jsonl` as they finish (so a long suite can be resumed), and the CSV,
summary and charts are rewritten atomically from it. Loud flags:
    CHECK_FAILED           the plan violates the model or its recomputed objective differs
    WRONG_OPTIMUM          "optimal", but not equal to a proven published optimum
    BELOW_PROVEN_OPTIMUM   a plan better than a proven optimum: a bug or bad data
Informational: BEATS_BEST_KNOWN (better than an unproven published value).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from siteplan.errors import InputError
from siteplan.fileio import write_bytes_atomic, write_text_atomic
from siteplan.result import Termination

#: committees per generated city in the `city` suite (sites = committees / 2)
CITY_SIZES = (100, 300, 1000, 3000, 10000, 20000)

SUITES = ("orlib-pmed", "orlib-cap", "orlib-uncap", "ufllib", "tsplib-pmedian", "city")

#: capa/capb/capc capacities (Beasley 1988, Table 1)
CAP_LEVELS = {"capa": (8000, 10000, 12000, 14000), "capb": (5000, 6000, 7000, 8000),
              "capc": (5000, 5750, 6500, 7250)}

#: thread-pool sizes of the numerical libraries a worker loads (OpenMP, OpenBLAS, MKL, BLIS,
#: Apple Accelerate, numexpr): capped to `--threads` so a one-thread run is one thread
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

CSV_FIELDS = ["suite", "instance", "kind", "size", "backend", "version", "method", "status",
              "limit", "objective", "bound", "gap", "published", "published_proven",
              "difference", "matches_published", "check_ok", "flag", "build_seconds",
              "solve_seconds", "wall_seconds", "cpu_seconds", "peak_memory_mb", "solves", "time_limit", "load_avg_1m",
              "message"]


@dataclass
class Instance:
    suite: str
    id: str
    kind: str
    path: str
    fmt: str
    params: dict = field(default_factory=dict)
    published: float | None = None
    proven: bool = False
    source: str = ""


def default_data_root() -> Path:
    """$SITEPLAN_BENCH_DATA, else ../shared/bench from the current folder (the repository
    root), else ../shared/bench next to the source checkout."""
    env = os.environ.get("SITEPLAN_BENCH_DATA")
    if env:
        return Path(env)
    cwd = Path.cwd().parent / "shared" / "bench"
    if cwd.is_dir():
        return cwd
    return Path(__file__).resolve().parent.parent.parent / "shared" / "bench"


def _optima(path: Path) -> dict[str, tuple[float, str]]:
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as fh:
        return {r["instance"]: (float(r["optimal_value"]), r.get("source", ""))
                for r in csv.DictReader(fh)}


def _need(root: Path, sub: str) -> Path:
    d = root / sub
    if not d.is_dir():
        raise InputError(f"benchmark data folder {d} not found",
                         fix="pass --data DIR or set SITEPLAN_BENCH_DATA to the bench root")
    return d


def instances(suite: str, root: Path) -> list[Instance]:
    """The instances of a suite, with published values and whether they are proven."""
    out: list[Instance] = []
    if suite == "orlib-pmed":
        d = _need(root, "orlib/pmed")
        opt = _optima(d / "optima.csv")
        for k in range(1, 41):
            name = f"pmed{k}"
            v, src = opt.get(name, (None, ""))
            out.append(Instance(suite, name, "pmedian", str(d / f"{name}.txt"), "orlib-pmed",
                                {}, v, v is not None, src))
    elif suite == "orlib-cap":
        d = _need(root, "orlib/cap")
        opt = _optima(d / "optima.csv")
        for key, (v, src) in opt.items():
            base, _, capv = key.partition("@")
            params = {"capacity": float(capv)} if capv else {}
            out.append(Instance(suite, key, "cflp", str(d / f"{base}.txt"), "orlib-cap", params,
                                v, True, src))
    elif suite == "orlib-uncap":
        d = _need(root, "orlib/uncap")
        capdir = _need(root, "orlib/cap")
        for key, (v, src) in _optima(d / "optima.csv").items():
            out.append(Instance(suite, key, "uflp", str(capdir / f"{key}.txt"), "orlib-cap",
                                {"capacity": 0.0}, v, True, src))
    elif suite == "ufllib":
        d = _need(root, "ufllib")
        for key, (v, src) in _optima(d / "optima.csv").items():
            fmt = "ufllib-m" if key.startswith("M/") else "ufllib"
            proven = "proven" in src.lower() and "best" not in src.lower()
            out.append(Instance(suite, key, "uflp", str(d / key), fmt, {}, v, proven, src))
    elif suite == "tsplib-pmedian":
        d = _need(root, "tsplib_pmedian")
        for key, (v, src) in _optima(d / "optima.csv").items():
            base, _, p = key.partition("@p")
            f = d / f"{base}.tsp"
            if f.exists():
                proven = "optimal" in src.lower() and "best known" not in src.lower()
                out.append(Instance(suite, key, "pmedian", str(f), "tsplib", {"p": int(p)}, v,
                                    proven, src))
    elif suite == "city":
        for n in CITY_SIZES:
            out.append(Instance(suite, f"city{n}", "city", "", "generated",
                                {"committees": n, "sites": max(40, n // 2), "seed": 0}))
    else:
        raise InputError(f"unknown suite {suite!r}", fix=f"use one of: {', '.join(SUITES)}")
    return out


def make_problem(spec: dict):
    """The classic problem object for a worker spec (see `Instance`)."""
    from siteplan.classic import models as classic

    params = dict(spec.get("params", {}))
    capacity = params.pop("capacity", None)
    kind = spec["kind"]
    cls = classic.PROBLEMS[kind]
    return cls.from_file(spec["path"], fmt=spec["fmt"], capacity=capacity, **params)


# ---------------------------------------------------------------- running


def _tolerance(published: float) -> float:
    return max(1e-3, 1e-7 * abs(published))


def classify(row: dict) -> dict:
    """Add published difference and the loud flags to a finished row."""
    pub, obj = row.get("published"), row.get("check_objective", row.get("objective"))
    flags = []
    if obj is None and row.get("objective") is not None:
        obj = row["objective"]
    row["difference"] = None if pub is None or obj is None else obj - pub
    row["matches_published"] = (None if pub is None or row["difference"] is None
                                else abs(row["difference"]) <= _tolerance(float(pub)))
    if row.get("check_ok") is False:
        flags.append("CHECK_FAILED")
    if row.get("objective") is not None and row.get("check_objective") is not None \
            and abs(row["objective"] - row["check_objective"]) > _tolerance(row["check_objective"]):
        flags.append("CHECK_FAILED")
    if pub is not None and obj is not None:
        tol = _tolerance(pub)
        if row.get("published_proven"):
            if row.get("status") == Termination.OPTIMAL and abs(obj - pub) > tol:
                flags.append("WRONG_OPTIMUM")
            if obj < pub - tol:
                flags.append("BELOW_PROVEN_OPTIMUM")
        elif obj < pub - tol:
            flags.append("BEATS_BEST_KNOWN")
    if row.get("status") == Termination.ERROR:
        flags.append("ERROR")
    row["flag"] = ",".join(dict.fromkeys(flags))
    return row


LOUD = ("CHECK_FAILED", "WRONG_OPTIMUM", "BELOW_PROVEN_OPTIMUM", "ERROR")


def is_loud(row: dict) -> bool:
    return any(f in (row.get("flag") or "") for f in LOUD)


def worker_env(threads: int | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The worker's environment: `base` (default this process's) with the BLAS/OpenMP pools
    capped to `threads` where the user has not set them.

    Why: numpy's OpenBLAS starts one spinning thread per core, and on a 2-core machine
    shared with the solver that cost most of rl1304 p=500's time (1.4 s vs 1.05 s with one
    thread) in a run asked for one thread. A user's own setting is kept."""
    env = dict(os.environ if base is None else base)
    if threads is not None and threads > 0:
        for var in THREAD_VARS:
            env.setdefault(var, str(threads))
    return env


def run_one(inst: Instance, backend: str, time_limit: float | None, threads: int | None,
            method: str = "auto") -> dict:
    """Solve one instance with one backend in a fresh worker process."""
    spec = {"kind": inst.kind, "path": inst.path, "fmt": inst.fmt, "params": inst.params,
            "backend": backend, "time_limit": time_limit, "threads": threads,
            "method": method}
    hard = None if time_limit is None else time_limit * 1.5 + 60
    with tempfile.TemporaryDirectory(prefix="siteplan-bench-") as tmp:
        sp, op = Path(tmp) / "spec.json", Path(tmp) / "row.json"
        sp.write_text(json.dumps(spec), encoding="utf-8")
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "siteplan.classic.bench_worker", str(sp), str(op)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=worker_env(threads))
        try:
            _, err = proc.communicate(timeout=hard)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        except BaseException:  # Ctrl-C: the worker must not run on to its hard limit alone
            proc.kill()
            proc.wait()
            raise
        elapsed = time.perf_counter() - t0
        if op.exists():
            row = json.loads(op.read_text(encoding="utf-8"))
        else:
            tail = (err or b"").decode("utf-8", "replace").strip().splitlines()[-1:]
            row = {"status": (Termination.ERROR if proc.returncode else Termination.NO_SOLUTION_FOUND).value,
                   "message": ("killed at the hard wall-clock limit" if proc.returncode in
                               (-9, None) else f"worker died: {' '.join(tail)}")}
    row.update(suite=inst.suite, instance=inst.id, kind=inst.kind, backend=backend,
               published=inst.published, published_proven=inst.proven,
               time_limit=time_limit, process_seconds=round(elapsed, 3),
               load_avg_1m=round(os.getloadavg()[0], 2))
    row.setdefault("version", "")
    if "n_clients" in row:
        row["size"] = f"{row['n_clients']}x{row['n_sites']}"
    return classify(row)


def load_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a line cut by a crash: that row is simply re-run
    return rows


def run_suite(suite: str, backends: list[str], time_limit: float | None, out: Path,
              root: Path, resume: bool = False, only: list[str] | None = None,
              threads: int | None = None, method: str = "auto", echo=print) -> list[dict]:
    """Run (or resume) a suite; returns all rows of this output folder for this suite."""
    insts = instances(suite, root)
    if only:
        wanted = set(only)
        insts = [i for i in insts if i.id in wanted or i.id.split("@")[0] in wanted]
        if not insts:
            raise InputError(f"none of {', '.join(only)} is in suite {suite}",
                             fix="check the instance names (e.g. pmed1, cap41, capa@8000)")
    out.mkdir(parents=True, exist_ok=True)
    jsonl = out / "results.jsonl"
    done = {(r.get("suite"), r.get("instance"), r.get("backend"))
            for r in load_rows(jsonl)} if resume else set()
    if not resume and jsonl.exists():
        jsonl.unlink()
    todo = [(i, b) for i in insts for b in backends if (suite, i.id, b) not in done]
    total = len(todo)
    if resume and len(done):
        echo(f"resuming: {len(insts) * len(backends) - total} rows already done, {total} to run")
    t_suite = time.perf_counter()
    for k, (inst, b) in enumerate(todo, start=1):
        row = run_one(inst, b, time_limit, threads, method)
        with open(jsonl, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row, default=float) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        mark = "  <<< " + row["flag"] if is_loud(row) else ""
        obj = row.get("objective")
        echo(f"[{k}/{total} {time.perf_counter() - t_suite:7.1f}s] {inst.id:<22} {b:<14} "
             f"{row.get('status', '?'):<18} obj {obj if obj is not None else '-'!s:<14} "
             f"pub {inst.published if inst.published is not None else '-'!s:<14} "
             f"{row.get('wall_seconds', row.get('process_seconds', 0)):8.2f}s{mark}")
    rows = [r for r in load_rows(jsonl) if r.get("suite") == suite]
    write_outputs(rows, out)
    return rows


# ---------------------------------------------------------------- outputs


def write_outputs(rows: list[dict], out: Path) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k) for k in CSV_FIELDS})
    write_text_atomic(out / "results.csv", buf.getvalue())
    write_text_atomic(out / "summary.md", summary_table(rows))
    try:
        plot(rows, out)
    except ImportError:  # matplotlib missing: tables are still written
        pass


def summary_by_backend(rows: list[dict]) -> list[dict]:
    out = []
    for b in dict.fromkeys(r["backend"] for r in rows):
        rs = [r for r in rows if r["backend"] == b]
        opt = [r for r in rs if r.get("status") == Termination.OPTIMAL]
        times = [max(1e-3, r.get("wall_seconds") or r.get("process_seconds") or 0) for r in opt]
        out.append({
            "backend": b,
            "version": next((r.get("version") for r in rs if r.get("version")), ""),
            "instances": len(rs),
            "optimal": len(opt),
            "match_published": sum(1 for r in rs if r.get("matches_published")),
            "check_passed": sum(1 for r in rs if r.get("check_ok")),
            "flagged": sum(1 for r in rs if is_loud(r)),
            "total_seconds": round(sum((r.get("wall_seconds") or r.get("process_seconds") or 0)
                                       for r in rs), 2),
            "worst_seconds": round(max([(r.get("wall_seconds") or r.get("process_seconds") or 0)
                                        for r in rs], default=0), 2),
            "geomean_seconds_optimal": round(math.exp(sum(map(math.log, times)) / len(times)), 3)
            if times else None,
        })
    return out


def summary_table(rows: list[dict]) -> str:
    lines = [("| backend | version | instances | optimal | = published | check passed | "
             "FLAGGED | total s | worst s | geomean s (optimal) |"),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for s in summary_by_backend(rows):
        lines.append(f"| {s['backend']} | {s['version']} | {s['instances']} | {s['optimal']} | "
                     f"{s['match_published']} | {s['check_passed']} | {s['flagged']} | "
                     f"{s['total_seconds']} | {s['worst_seconds']} | "
                     f"{s['geomean_seconds_optimal']} |")
    loud = [r for r in rows if is_loud(r)]
    if loud:
        lines += ["", "**FLAGGED ROWS**", ""]
        lines += [f"- {r['instance']} / {r['backend']}: {r['flag']} (status {r.get('status')}, "
                  f"objective {r.get('objective')}, published {r.get('published')})"
                  for r in loud]
    return "\n".join(lines) + "\n"


def performance_profile(rows: list[dict]):
    """Dolan-More profile: for each backend, (taus, fraction of instances within tau x best)."""
    backends = list(dict.fromkeys(r["backend"] for r in rows))
    inst = list(dict.fromkeys(r["instance"] for r in rows))
    t = {(r["instance"], r["backend"]): float(r.get("wall_seconds") or r.get("process_seconds") or 0.0)
         for r in rows if r.get("status") == Termination.OPTIMAL and not is_loud(r)}
    ratios: dict[str, list[float]] = {b: [] for b in backends}
    for i in inst:
        vals = [t[(i, b)] for b in backends if (i, b) in t]
        best = min(vals) if vals else None
        for b in backends:
            ratios[b].append(t[(i, b)] / max(best, 1e-3) if (i, b) in t and best else math.inf)
    return backends, ratios


def plot(rows: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not rows:
        return
    if rows[0].get("suite") == "city":
        return plot_scaling(rows, out, plt)
    backends, ratios = performance_profile(rows)
    inst = list(dict.fromkeys(r["instance"] for r in rows))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.8))
    for b in backends:
        xs: list[int] = []
        ys: list[float] = []
        xf: list[int] = []
        yf: list[float] = []
        for k, i in enumerate(inst):
            r = next((r for r in rows if r["instance"] == i and r["backend"] == b), None)
            if r is None:
                continue
            sec = max(1e-3, r.get("wall_seconds") or r.get("process_seconds") or 0)
            (xs if r.get("status") == Termination.OPTIMAL else xf).append(k)
            (ys if r.get("status") == Termination.OPTIMAL else yf).append(sec)
        line = ax1.plot(xs, ys, "o", ms=4, label=b)[0]
        if xf:
            ax1.plot(xf, yf, "x", ms=7, color=line.get_color())
    ax1.set_yscale("log")
    ax1.set_xticks(range(len(inst)))
    ax1.set_xticklabels(inst, rotation=90, fontsize=6)
    ax1.set_ylabel("seconds, end to end (x: not proven optimal)")
    ax1.set_title(f"time per instance ({rows[0].get('suite', '')})")
    ax1.legend(fontsize=8)
    finite = [v for b in backends for v in ratios[b] if math.isfinite(v)]
    top = max(finite + [2.0]) * 1.5
    for b in backends:
        rs = sorted(ratios[b])
        n = len(rs)
        taus = [1.0] + [v for v in rs if math.isfinite(v)] + [top]
        frac = [sum(1 for v in rs if v <= tau) / n for tau in taus]
        ax2.step(taus, frac, where="post", label=b)
    ax2.set_xscale("log")
    ax2.set_ylim(0, 1.02)
    ax2.set_xlabel("tau (time / best time on that instance)")
    ax2.set_ylabel("fraction of instances solved within tau")
    ax2.set_title("performance profile (Dolan-More)")
    ax2.legend(fontsize=8)
    _save_chart(fig, out, plt)


def _save_chart(fig, out: Path, plt) -> None:
    """Write `chart.png` atomically (the project's writer: temp file, rename, umask) and free
    the figure."""
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    write_bytes_atomic(out / "chart.png", buf.getvalue())


def plot_scaling(rows: list[dict], out: Path, plt) -> None:
    """City suite: build s, solve s, gap and memory against committees, one line per backend."""
    fig, axes = plt.subplots(1, 4, figsize=(16, 4))
    panels = (("build_seconds", "build seconds"), ("solve_seconds", "solve seconds"),
              ("gap", "relative gap"), ("peak_memory_mb", "peak memory MB"))
    for b in dict.fromkeys(r["backend"] for r in rows):
        rs = sorted((r for r in rows if r["backend"] == b and r.get("n_clients")),
                    key=lambda r: r["n_clients"])
        for ax, (key, label) in zip(axes, panels):
            pts = [(r["n_clients"], r.get(key)) for r in rs if r.get(key) is not None]
            if pts:
                ax.plot(*zip(*pts), "o-", label=b)
            ax.set_xscale("log")
            ax.set_xlabel("committees")
            ax.set_title(label)
    axes[0].legend(fontsize=8)
    for ax in axes[:2]:
        ax.set_yscale("log")
    _save_chart(fig, out, plt)
