"""Does a stronger bound make siteplan's LSCP proof (no cover of 38 on the n = 1,000 cores) fast?

The cores are those of `SetCover.solve` (cover_reduce.reduce on the instances of
`spopt_compare.instance(n, seed)`, radius 100). Each trial runs HiGHS directly (highspy,
threads = 1, the route's `covering_extra` settings) on the core and reports the CPU seconds
to a proven optimum (or to infeasible, for the feasibility forms):

- `optima`: one optimal cover per instance (cached in OUT/optima.json; used as the warm start
  of the proofs and to validate every cut);
- `prove`: the objective model started from the optimum (the reference proof);
- `card`: the cardinality form: cover rows + sum y <= opt - 1, zero objective (`card0`) or
  the same objective (`cardobj`), HiGHS to infeasible;
- `cutoff`: the objective model with objective_bound = opt - 1 + 0.5, no start (HiGHS to
  infeasible);
- `cuts`: our own {0,1/2}-Chvatal-Gomory cuts separated on the core LP (rounds of HiGHS LP
  solves), then the objective model + cuts started from the optimum;
- `region`: "region cuts": for a window of clients R, sum of y over the sites touching R >=
  the optimum of the sub-cover of R alone (a small exact MIP), separated on the LP likewise.

    python benchmarks/lscp_bound_trials.py MODE [--instances 2,3] [--seeds 0] [--rounds 10]
        [--time-limit 300] [--out DIR]

Appends one JSON row per run to OUT/results.jsonl (CPU s of the process, load average before).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from spopt_compare import instance

OUT = HERE / "results" / "lscp9"
N, RADIUS = 1000, 100.0


def _ints(text: str) -> list[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def core_of(inst: int):
    from siteplan.classic import cover_reduce

    d, _ = instance(N, inst)
    rng = np.random.default_rng(inst)
    pts = rng.random((N, 2)) * 1000.0  # the same points as instance(): its first draw
    A = cover_reduce.coverage(d, RADIUS)
    core = cover_reduce.reduce(A, np.ones(N))
    return core, pts


def covering_extra() -> dict:
    from siteplan.backends.highs import HighsBackend

    return dict(HighsBackend.covering_extra)


# ---------------------------------------------------------------- HiGHS on a core (+ cuts)

def make_highs(A: sp.csr_matrix, cuts=(), *, integer=True, zero_obj=False, max_open=None,
               seed=0, limit=300.0, extra=None, log=False, min_open=None, groups=()):
    """Highs holding min sum y (or 0) s.t. A y >= 1, cuts (cols, coefs, rhs) as >= rows,
    optionally sum y <= max_open; y binary (or in [0, 1] when not `integer`). `groups`: column
    sets S, each given an integer count z_S = sum_{j in S} y_j (a variable HiGHS may branch on;
    columns after the n y's, zero cost)."""
    import highspy

    m, n0 = A.shape
    n = n0 + len(groups)
    A = sp.hstack([A, sp.csr_matrix((m, len(groups)))]).tocsr() if groups else A
    if groups:
        cuts = list(cuts) + [(np.r_[np.asarray(S), n0 + k], np.r_[np.ones(len(S)), -1.0], 0.0)
                             for k, S in enumerate(groups)]
        # equality: the >= 0 rows get an upper bound of 0 below
    rows = [sp.csr_matrix(A, dtype=float)]
    lo = [np.ones(m)]
    hi = [np.full(m, np.inf)]
    if cuts:
        data, ind, ptr = [], [], [0]
        for cols, coefs, rhs in cuts:
            ind.append(np.asarray(cols)); data.append(np.asarray(coefs, float)); ptr.append(ptr[-1] + len(cols))
        C = sp.csr_matrix((np.concatenate(data), np.concatenate(ind), np.array(ptr)), shape=(len(cuts), n))
        rows.append(C)
        lo.append(np.array([c[2] for c in cuts], float))
        up = np.full(len(cuts), np.inf)
        if groups:
            up[len(cuts) - len(groups):] = 0.0
        hi.append(up)
    if max_open is not None:
        rows.append(sp.csr_matrix(np.r_[np.ones(n0), np.zeros(n - n0)][None, :]))
        lo.append(np.array([-np.inf if min_open is None else float(min_open)]))
        hi.append(np.array([float(max_open)]))
    M = sp.vstack(rows).tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, M.shape[0]
    lp.col_cost_ = np.zeros(n) if zero_obj else np.r_[np.ones(n0), np.zeros(n - n0)]
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.r_[np.ones(n0), [float(len(S)) for S in groups]]
    lp.row_lower_, lp.row_upper_ = np.concatenate(lo), np.concatenate(hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = M.indptr.astype(np.int32)
    lp.a_matrix_.index_ = M.indices.astype(np.int32)
    lp.a_matrix_.value_ = M.data.astype(float)
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, M.shape[0]
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(log))
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("time_limit", float(limit))
    for k, v in (extra or {}).items():
        h.setOptionValue(k, v)
    h.passModel(lp)
    return h


def run_mip(h, start=None) -> dict:
    import highspy

    if start is not None:
        sol = highspy.HighsSolution()
        n = h.getNumCol()
        x = np.zeros(n)
        x[start] = 1.0
        sol.col_value = list(x)
        h.setSolution(sol)
    c0, t0 = time.process_time(), time.perf_counter()
    h.run()
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    return {"status": status, "objective": info.objective_function_value if info.primal_solution_status else None,
            "bound": info.mip_dual_bound, "nodes": int(info.mip_node_count),
            "cpu_s": round(cpu, 3), "wall_s": round(wall, 3)}


def lp_solve(A, cuts=()):
    h = make_highs(A, cuts, integer=False)
    h.run()
    x = np.asarray(h.getSolution().col_value)
    return h.getInfo().objective_function_value, x


def root_bound(A, cuts=(), seed=0, opt_start=None) -> dict:
    """HiGHS's root dual bound (its own cuts on top): the MIP stopped at the first node."""
    h = make_highs(A, cuts, seed=seed, extra={**covering_extra(), "mip_max_nodes": 1})
    r = run_mip(h, opt_start)
    return {"root_bound": r["bound"], "root_cpu_s": r["cpu_s"]}


# ---------------------------------------------------------------- optima

def optimum(inst: int, out: Path) -> np.ndarray:
    """An optimal cover of the core (core column indices), cached."""
    path = out / "optima.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    if str(inst) in known:
        return np.array(known[str(inst)]["cols"], dtype=np.int64)
    from siteplan.classic import cover_reduce

    core, _ = core_of(inst)
    fast = {1: 1, 2: 2, 3: 3, 4: 1, 5: 3}.get(inst, 0)  # the quickest seeds of lscp-seeds-s8
    start = cover_reduce.greedy(core.A, np.ones(core.cols.size))
    h = make_highs(core.A, seed=fast, limit=600, extra=covering_extra())
    r = run_mip(h, start)
    assert r["status"] == "Optimal", r
    x = np.asarray(h.getSolution().col_value)
    cols = np.flatnonzero(x > 0.5)
    assert np.all(core.A[:, cols].sum(axis=1) >= 1)
    known[str(inst)] = {"cols": cols.tolist(), "objective": int(cols.size), "cpu_s": r["cpu_s"],
                        "core": list(core.A.shape), "fixed": int(core.fixed.size)}
    path.write_text(json.dumps(known, indent=1))
    return cols


# ---------------------------------------------------------------- {0,1/2}-CG cuts

def half_cut(A_csc_rows: sp.csr_matrix, R: np.ndarray, x: np.ndarray):
    """The {0,1/2}-CG cut of cover rows R (|R| odd or made odd by upper bounds) best for x.

    Sum the rows of R, halve: sum_j a_j/2 y_j >= |R|/2. A column with odd a_j gets either
    + y_j/2 (from y_j >= 0; coefficient (a_j+1)/2; slack x_j) or - y_j/2 (from -y_j >= -1;
    coefficient (a_j-1)/2, the right side drops by 1/2; slack 1 - x_j). With all coefficients
    integer, the right side (|R| - #upper)/2 rounds up: valid when |R| - #upper is odd.
    Violation = 1 - (sum of row slacks + chosen bound slacks), the classic {0,1/2} identity.
    Returns (cols, coefs, rhs, violation) or None."""
    sub = A_csc_rows[R]
    a = np.bincount(sub.indices, minlength=x.size)
    s = np.asarray(sub @ x).ravel() - 1.0
    odd = np.flatnonzero(a % 2 == 1)
    low, up = x[odd], 1.0 - x[odd]
    use_up = up < low
    parity = (R.size - int(use_up.sum())) % 2
    extra = 0.0
    if parity == 0:  # flip the cheapest choice
        if odd.size == 0:
            return None
        k = int(np.argmin(np.abs(low - up)))
        use_up[k] = not use_up[k]
        extra = abs(low[k] - up[k])
    slack = float(s.sum() + np.where(use_up, up, low).sum() + extra)
    coef = a.astype(float) / 2.0
    coef[odd] = np.where(use_up, (a[odd] - 1) / 2.0, (a[odd] + 1) / 2.0)
    rhs = (R.size - int(use_up.sum()) + 1) / 2.0
    cols = np.flatnonzero(coef > 0)
    return cols, coef[cols], rhs, 1.0 - slack


def separate_half(A: sp.csr_matrix, x: np.ndarray, max_size=7, eps=1e-6, max_cuts=200, width=6):
    """Greedy {0,1/2} separation: from each tight row, grow R two rows at a time (rows sharing
    a fractional column with R, lowest slack first, `width` candidates per step), keeping the
    pair that makes the best cut at the next odd size; record every R whose cut is violated
    (deduplicated by R). Violations are computed from row slacks and bound slacks only; the cut
    itself is built by `half_cut`."""
    m, n = A.shape
    slack = np.asarray(A @ x).ravel() - 1.0
    frac = (x > eps) & (x < 1 - eps)
    Af = A[:, np.flatnonzero(frac)]
    nb = (Af @ Af.T).tocsr()  # rows sharing a fractional column
    rows = [A.indices[A.indptr[i]:A.indptr[i + 1]] for i in range(m)]
    bcost = np.minimum(x, 1 - x)
    flip = np.abs(x - (1 - x))
    useup = (1 - x) < x

    def viol(R):
        a = np.bincount(np.concatenate([rows[r] for r in R]), minlength=n)
        odd = (a & 1) == 1
        tot = slack[R].sum() + bcost[odd].sum()
        if (len(R) - int(useup[odd].sum())) % 2 == 0:
            if not odd.any():
                return -1.0
            tot += flip[odd].min()
        return 1.0 - tot

    def near(R):
        c = np.unique(np.concatenate([nb.indices[nb.indptr[r]:nb.indptr[r + 1]] for r in R]))
        c = c[~np.isin(c, R) & (slack[c] < 1 - eps)]
        return c[np.argsort(slack[c], kind="stable")][:width]

    found: dict[tuple, float] = {}
    for i0 in np.flatnonzero(slack < eps):
        R = [int(i0)]
        while len(R) < max_size:
            best = None
            for c1 in near(R):
                R1 = R + [int(c1)]
                for c2 in near(R1):
                    v = viol(R1 + [int(c2)])
                    if best is None or v > best[0]:
                        best = (v, int(c1), int(c2))
            if best is None:
                break
            R = R + [best[1], best[2]]
            if best[0] > eps:
                found[tuple(sorted(R))] = best[0]
    keys = sorted(found, key=lambda k: -found[k])[:max_cuts]
    cuts = []
    for k in keys:
        c = half_cut(A, np.array(k), x)
        if c is not None and c[3] > eps:
            cuts.append(c)
    return [(c[0], c[1], c[2]) for c in cuts], (cuts[0][3] if cuts else 0.0)


def check_cuts(cuts, opt_cols, n):
    y = np.zeros(n)
    y[opt_cols] = 1.0
    for cols, coefs, rhs in cuts:
        assert float(np.dot(coefs, y[cols])) >= rhs - 1e-9, (cols, coefs, rhs)


# ---------------------------------------------------------------- region cuts

def region_cut(A: sp.csr_matrix, R: np.ndarray):
    """sum_{j touching R} y_j >= min cover of R (exact, small MIP): valid because any cover of
    all rows covers R with columns that touch R."""
    sub = A[R]
    cols = np.unique(sub.indices)
    S = sub[:, cols]
    h = make_highs(S, limit=60)
    h.run()
    z = h.getInfo().objective_function_value
    status = h.modelStatusToString(h.getModelStatus())
    if status != "Optimal":
        return None
    return cols, np.ones(cols.size), float(round(z))


def separate_region(A, x, core_pts, win, step, eps=1e-6):
    cuts = []
    lo = core_pts.min(0)
    hi = core_pts.max(0)
    for x0 in np.arange(lo[0] - step, hi[0], step):
        for y0 in np.arange(lo[1] - step, hi[1], step):
            inside = np.flatnonzero((core_pts[:, 0] >= x0) & (core_pts[:, 0] < x0 + win)
                                    & (core_pts[:, 1] >= y0) & (core_pts[:, 1] < y0 + win))
            if inside.size < 2:
                continue
            cols = np.unique(A[inside].indices)
            lhs = float(x[cols].sum())
            # the region's LP bound is <= lhs, so only integer-rounding can violate: skip
            # windows whose lhs is already an integer >= the greedy-free trivial bound 1
            cut = region_cut(A, inside)
            if cut is not None and lhs < cut[2] - eps:
                cuts.append(cut + (cut[2] - lhs,))
    cuts.sort(key=lambda c: -c[3])
    return [(c[0], c[1], c[2]) for c in cuts]


def disjoint_bound(A, core_pts, strip, gap=2 * RADIUS, limit=120.0):
    """Clients in vertical strips `strip` wide, `gap` (> 2 radii) apart, share no site: the
    optimum is at least the sum of the strips' own optima (each an exact small MIP); the best
    over a few offsets of the strip grid. Returns (bound, per-offset sums, CPU s)."""
    c0 = time.process_time()
    sums = []
    period = strip + gap
    for off in np.arange(0.0, period, period / 4):
        total = 0.0
        for x0 in np.arange(off - period, 1000.0, period):
            R = np.flatnonzero((core_pts[:, 0] >= x0) & (core_pts[:, 0] < x0 + strip))
            if R.size == 0:
                continue
            cols = np.unique(A[R].indices)
            h = make_highs(A[R][:, cols], limit=limit, extra=covering_extra())
            r = run_mip(h)
            total += r["bound"] if r["status"] != "Optimal" else round(r["objective"])
        sums.append(total)
    return max(sums), sums, round(time.process_time() - c0, 3)


# ---------------------------------------------------------------- trials

def log_row(out: Path, row: dict) -> None:
    with open(out / "results.jsonl", "a") as fh:
        fh.write(json.dumps(row) + "\n")
    print(json.dumps(row), flush=True)


SEP = {"max_size": 7, "width": 6}  # separate_half's reach (--sep-size, --sep-width)


def cut_rounds(A, opt, rounds, kind, pts=None, win=250.0, step=125.0):
    """Rounds of LP + separation; returns cuts, per-round bounds, separation CPU s."""
    cuts, hist = [], []
    c0 = time.process_time()
    for r in range(rounds + 1):
        z, x = lp_solve(A, cuts)
        hist.append(round(z, 4))
        if r == rounds:
            break
        if kind == "half":
            new, viol = separate_half(A, x, **SEP)
        else:
            new = separate_region(A, x, pts, win, step)
        if not new:
            break
        check_cuts(new, opt, A.shape[1])
        cuts += new
    return cuts, hist, round(time.process_time() - c0, 3)


def region_groups(site_pts, levels):
    """Column sets of a hierarchy of grid cells over the square: level g cuts it into g x g
    cells (g = 1 is skipped: the whole is the card row already)."""
    out = []
    for g in levels:
        cx = np.minimum((site_pts[:, 0] / (1000.0 / g)).astype(int), g - 1)
        cy = np.minimum((site_pts[:, 1] / (1000.0 / g)).astype(int), g - 1)
        for c in range(g * g):
            S = np.flatnonzero(cx * g + cy == c)
            if S.size:
                out.append(S)
    return out


def prove(A, cuts, opt, form, seed, limit, extra, groups=()) -> dict:
    """One proof run. Forms: 'obj' the objective model started from the optimum; 'card0' /
    'cardeq' / 'cardobj' cover rows + sum y <= opt - 1 (cardeq: = opt - 1, equivalent as any
    smaller cover pads up) with zero (card0, cardeq) or the unit objective, HiGHS to
    infeasible; 'cutoff' the objective model with objective_bound = opt - 0.5, no start."""
    k = opt.size - 1
    if form in ("card0", "cardeq", "cardobj"):
        h = make_highs(A, cuts, zero_obj=form != "cardobj", max_open=k, seed=seed, limit=limit,
                       extra=extra, min_open=k if form == "cardeq" else None, groups=groups)
        return run_mip(h)
    if form == "cutoff":
        h = make_highs(A, cuts, seed=seed, limit=limit, extra={**extra, "objective_bound": k + 0.5})
        return run_mip(h)
    h = make_highs(A, cuts, seed=seed, limit=limit, extra=extra)
    return run_mip(h, opt)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("optima", "prove", "card", "cutoff", "cuts", "region", "lp", "disjoint"))
    ap.add_argument("--instances", default="2,3")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--variant", default="", help="card: card0 | cardeq | cardobj; else a label")
    ap.add_argument("--form", default="obj", help="proof form after cuts: obj | card0 | cardeq | cardobj | cutoff")
    ap.add_argument("--levels", default="", help="count variables on g x g grid cells, e.g. 2,4 (card forms)")
    ap.add_argument("--no-presolve", action="store_true", help="with --levels: presolve off (keeps the counts)")
    ap.add_argument("--sep-size", type=int, default=7, help="{0,1/2}: largest row set")
    ap.add_argument("--sep-width", type=int, default=6, help="{0,1/2}: candidates per growth step")
    ap.add_argument("--win", type=float, default=250.0)
    ap.add_argument("--step", type=float, default=125.0)
    ap.add_argument("--time-limit", type=float, default=600.0, help="HiGHS's (wall) limit")
    ap.add_argument("--out", default=str(OUT))
    if argv is None and sys.argv[1:2] == ["summary"]:
        out = Path(sys.argv[2]) if len(sys.argv) > 2 else OUT
        (out / "summary.md").write_text(summary(out))
        print(summary(out))
        return 0
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    SEP.update(max_size=a.sep_size, width=a.sep_width)
    extra = covering_extra()
    for inst in _ints(a.instances):
        opt = optimum(inst, out)
        core, pts = core_of(inst)
        A = core.A
        base = {"mode": a.mode, "instance": inst, "core": list(A.shape), "opt": int(opt.size)}
        if a.mode == "optima":
            log_row(out, {**base, "load_before": os.getloadavg()[0]})
            continue
        if a.mode == "disjoint":
            b, sums, cpu = disjoint_bound(A, pts[core.rows], a.win)
            log_row(out, {**base, "strip": a.win, "bound": b, "per_offset": sums, "cpu_s": cpu,
                          "load_before": os.getloadavg()[0]})
            continue
        if a.mode == "lp":
            z, _ = lp_solve(A)
            log_row(out, {**base, "lp": z, **root_bound(A), "load_before": os.getloadavg()[0]})
            continue
        cuts, hist, sep = [], None, 0.0
        if a.mode in ("cuts", "region"):
            core_pts = pts[core.rows]
            cache = out / f"cuts-{a.mode}-{a.variant or 'x'}-r{a.rounds}-i{inst}.json"
            if cache.exists():  # the same separation already ran: reuse its cuts (and its CPU s)
                saved = json.loads(cache.read_text())
                cuts = [(np.array(c), np.array(v), r) for c, v, r in saved["cuts"]]
                hist, sep = saved["lp_bounds"], saved["sep_cpu_s"]
                check_cuts(cuts, opt, A.shape[1])
            else:
                cuts, hist, sep = cut_rounds(A, opt, a.rounds, "half" if a.mode == "cuts" else "region",
                                             core_pts, a.win, a.step)
                cache.write_text(json.dumps({"lp_bounds": hist, "sep_cpu_s": sep, "cuts": [
                    (c.tolist(), v.tolist(), r) for c, v, r in cuts]}))
                rb = root_bound(A, cuts)
                log_row(out, {**base, "phase": "separate", "variant": a.variant, "rounds": a.rounds,
                              "n_cuts": len(cuts), "lp_bounds": hist, "sep_cpu_s": sep, **rb,
                              "win": a.win, "step": a.step})
        form = {"card": a.variant or "card0", "cutoff": "cutoff"}.get(a.mode, a.form)
        for seed in _ints(a.seeds):
            load = os.getloadavg()[0]
            groups = region_groups(pts[core.cols], _ints(a.levels)) if a.levels else ()
            ex = {**extra, "presolve": "off"} if groups and a.no_presolve else extra
            r = prove(A, cuts, opt, form, seed, a.time_limit, ex, groups)
            log_row(out, {**base, "phase": "proof", "variant": a.variant, "form": form, "highs_seed": seed,
                          "n_cuts": len(cuts), "sep_cpu_s": sep, "levels": a.levels,
                          "presolve_off": bool(groups and a.no_presolve), **r, "load_before": load})
    return 0




def summary(out: Path = OUT) -> str:
    """A table of every logged row (python lscp_bound_trials.py summary is `summary(OUT)`)."""
    rows = [json.loads(t) for t in (out / "results.jsonl").read_text().splitlines() if t.strip()]
    lines = ["| instance | mode | form | cuts | LP bound: first -> last | HiGHS seed | status | nodes | CPU s proof | CPU s separation | load before |",
             "|---:|---|---|---|---|---:|---|---:|---:|---:|---:|"]
    seps = {(r["instance"], r.get("variant")): r for r in rows if r.get("phase") == "separate"}
    for r in rows:
        if r.get("phase") != "proof":
            continue
        s = seps.get((r["instance"], r.get("variant"))) if r["mode"] in ("cuts", "region") else None
        lp = f"{s['lp_bounds'][0]} -> {s['lp_bounds'][-1]}" if s else "-"
        lv = f" + counts {r['levels']}" if r.get("levels") else ""
        form = r.get("form") or {"prove": "obj", "card": r.get("variant") or "card0"}.get(r["mode"], r["mode"])
        lines.append(f"| {r['instance']} | {r['mode']} | {form}{lv} | "
                     f"{r['n_cuts'] or '-'} {r.get('variant') if r['n_cuts'] else ''} | {lp} | {r['highs_seed']} | "
                     f"{r['status']} | {r['nodes']} | {r['cpu_s']} | {r['sep_cpu_s'] or '-'} | "
                     f"{round(r['load_before'], 2)} |")
    lines += ["", "| instance | bound | value | CPU s |", "|---:|---|---|---:|"]
    for r in rows:
        if r["mode"] == "lp":
            lines.append(f"| {r['instance']} | core LP / HiGHS bound at mip_max_nodes 1 (before its root cut loop: the rounded LP) | "
                         f"{round(r['lp'], 4)} / {r['root_bound']} | {r['root_cpu_s']} |")
        elif r["mode"] == "disjoint":
            lines.append(f"| {r['instance']} | disjoint strips {r['strip']:g} wide, 200 apart (best offset) | "
                         f"{r['bound']} (offsets {r['per_offset']}) | {r['cpu_s']} |")
        elif r.get("phase") == "separate":
            lines.append(f"| {r['instance']} | LP + {r['n_cuts']} {r['variant']} cuts, {r['rounds']} rounds; "
                         f"HiGHS bound at node 1 | {r['lp_bounds'][-1]}; {r['root_bound']} | {r['sep_cpu_s']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
