"""Readers for the public location-problem formats, each returning a `LocationData`.

Formats (all plain text, parsed without eval/pickle; every error names file, line and fix):
- cost matrix: CSV (rows = clients, columns = sites; optional header) or .npy (no pickles)
- OR-Library pmed: `n m p`, then m edges `i j c`; the LAST of repeated edges wins (pmedinfo,
  1995 note); distances are all-pairs shortest paths (scipy.sparse.csgraph)
- OR-Library cap / uncap: token stream `m n`, m x (capacity fixed), n x (demand, m costs);
  in capa/capb/capc the capacity is the literal word `capacity`, replaced by the chosen value
- UflLib Sobolev / Koerkel-Ghosh: `FILE: name`, `n m 0`, n lines `index fixed c_1..c_m`
- UflLib M set: the ORLIB-cap layout with capacities unused
- TSPLIB NODE_COORD_SECTION points; d(i,j) = floor(Euclidean), as used by the p-median
  literature (Garcia, Labbe & Marin 2011), not TSPLIB's nint rounding

Costs are stored clients x sites: `cost[i, j]` is serving all of client i from site j.
"""

from __future__ import annotations

import builtins
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from siteplan.errors import InputError
from siteplan.fileio import check_regular, read_bounded

FORMATS = ("matrix", "orlib-pmed", "orlib-cap", "ufllib", "ufllib-m", "tsplib", "scenario")

#: dense clients x sites matrices beyond this many entries are refused (memory)
MAX_DENSE = 25_000_000
#: no input file is read beyond this (a MAX_DENSE .npy of float64 is 200 MB)
MAX_FILE_BYTES = 256 << 20


@dataclass
class LocationData:
    """Arrays every classic model reads; optional parts are None when the format lacks them."""

    name: str
    cost: np.ndarray  # clients x sites
    demand: np.ndarray | None = None  # per client
    fixed_cost: np.ndarray | None = None  # per site
    capacity: np.ndarray | None = None  # per site
    p: int | None = None  # number of medians given by the file (pmed)
    coords: np.ndarray | None = None
    meta: dict = field(default_factory=dict)

    @property
    def n_clients(self) -> int:
        return int(self.cost.shape[0])

    @property
    def n_sites(self) -> int:
        return int(self.cost.shape[1])


def _fail(path, message, fix, line=None) -> InputError:
    where = f"{path}:{line}" if line is not None else str(path)
    return InputError(message, where=where, fix=fix)


def _read_text(path: Path) -> str:
    try:
        return read_bounded(path, MAX_FILE_BYTES, "file").decode("utf-8")
    except UnicodeDecodeError:
        raise _fail(path, "not a UTF-8/ASCII text file",
                    "pass a text file in the stated format (or a .npy matrix)") from None


class _Tokens:
    """Whitespace-separated tokens with their line numbers, for error messages."""

    def __init__(self, path: Path, text: str, start_line: int = 1, skip_lines: int = 0):
        self.path = path
        toks, lines = [], []
        for ln, line in enumerate(text.splitlines(), start=1):
            if ln <= skip_lines:
                continue
            parts = line.split()
            toks.extend(parts)
            lines.extend([ln] * len(parts))
        self.toks, self.lines, self.pos = toks, lines, 0

    def line(self) -> int | None:
        if self.pos < len(self.lines):
            return self.lines[self.pos]
        return self.lines[-1] if self.lines else None

    def _next(self, what: str) -> str:
        if self.pos >= len(self.toks):
            raise _fail(self.path, f"file ends early: expected {what}",
                        "the file is truncated or its header counts are wrong", self.line())
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def int(self, what: str, minimum: int = 0) -> int:
        tok = self._next(what)
        try:
            v = int(float(tok))
            if float(tok) != v:
                raise ValueError
        except ValueError:
            self.pos -= 1
            raise _fail(self.path, f"expected an integer {what}, found {tok!r}",
                        "fix the value", self.line()) from None
        if v < minimum:
            self.pos -= 1
            raise _fail(self.path, f"{what} must be >= {minimum}, found {v}", "fix the value",
                        self.line())
        return v

    def float(self, what: str) -> float:
        tok = self._next(what)
        try:
            v = float(tok)
        except ValueError:
            self.pos -= 1
            raise _fail(self.path, f"expected a number for {what}, found {tok!r}",
                        "fix the value", self.line()) from None
        if not math.isfinite(v):
            self.pos -= 1
            raise _fail(self.path, f"{what} is not finite ({tok})", "use a finite number",
                        self.line())
        return v

    def floats(self, n: builtins.int, what: str) -> np.ndarray:  # builtins: see rest()
        """Read n numbers at once (fast path), falling back to per-token errors."""
        if self.pos + n > len(self.toks):
            self.pos = len(self.toks)
            raise _fail(self.path, f"file ends early: expected {n} values for {what}",
                        "the file is truncated or its header counts are wrong", self.line())
        chunk = self.toks[self.pos:self.pos + n]
        try:
            arr = np.array(chunk, dtype=float)
        except ValueError:
            for _ in range(n):
                self.float(what)
            raise AssertionError("unreachable")  # pragma: no cover
        if not np.all(np.isfinite(arr)):
            bad = int(np.flatnonzero(~np.isfinite(arr))[0])
            self.pos += bad
            raise _fail(self.path, f"{what} is not finite", "use finite numbers", self.line())
        self.pos += n
        return arr

    def rest(self) -> builtins.int:  # in this class body `int` names the method _Tokens.int
        return len(self.toks) - self.pos


# ---------------------------------------------------------------- cost matrix


def read_matrix(path: str | os.PathLike) -> LocationData:
    """A clients x sites cost matrix from CSV (optional header row/label column) or .npy."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        try:
            cost = np.load(io.BytesIO(read_bounded(path, MAX_FILE_BYTES, "file")), allow_pickle=False)
        except (ValueError, EOFError) as exc:
            raise _fail(path, f"not a plain numeric .npy array ({exc})",
                        "save with numpy.save(path, float_array)") from None
        cost = np.asarray(cost)
        if cost.dtype.kind not in "iuf" or cost.ndim != 2:
            raise _fail(path, f"expected a 2-D numeric array, found {cost.dtype} with "
                        f"shape {cost.shape}", "save a clients x sites float matrix")
        cost = cost.astype(float)
    else:
        from siteplan.io.csv import records as csv_records  # pandas: only for CSV costs

        text = _read_text(path)
        rows = csv_records(text)  # the one CSV reader (siteplan.io.csv)
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows:
            raise _fail(path, "empty cost matrix", "one row per client, one column per site")
        data, start = rows, 1

        def numeric(cell: str) -> bool:
            try:
                float(cell)
                return True
            except ValueError:
                return False

        if not all(numeric(c) for c in rows[0][1:]):  # header row
            data, start = rows[1:], 2
        label_col = bool(data) and not numeric(data[0][0])
        out = []
        width = None
        for k, r in enumerate(data):
            cells = r[1:] if label_col else r
            if width is None:
                width = len(cells)
            if len(cells) != width:
                raise _fail(path, f"row has {len(cells)} values, expected {width}",
                            "every client row needs one cost per site", start + k)
            try:
                out.append([float(c) for c in cells])
            except ValueError:
                bad = next(c for c in cells if not numeric(c))
                raise _fail(path, f"not a number: {bad!r}", "costs must be numeric",
                            start + k) from None
        if not out or not width:
            raise _fail(path, "no numeric rows", "one row per client, one column per site")
        cost = np.array(out, dtype=float)
    if not np.all(np.isfinite(cost)):
        i, j = map(int, np.argwhere(~np.isfinite(cost))[0])
        raise _fail(path, f"cost[{i}][{j}] is not finite",
                    "use a large finite cost for forbidden pairs")
    return LocationData(name=path.stem, cost=cost, meta={"path": str(path), "format": "matrix"})


# ---------------------------------------------------------------- OR-Library pmed


def read_orlib_pmed(path: str | os.PathLike) -> LocationData:
    """OR-Library pmed graph -> all-pairs shortest-path distances (last repeated edge wins)."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import shortest_path

    path = Path(path)
    tk = _Tokens(path, _read_text(path))
    n = tk.int("vertex count n", 1)
    m = tk.int("edge count m", 0)
    p = tk.int("median count p", 1)
    if p > n:
        raise _fail(path, f"p = {p} exceeds the {n} vertices", "fix the header", 1)
    need = 3 * m
    if tk.rest() < need:
        raise _fail(path, f"header promises {m} edges but only {tk.rest() // 3} are present",
                    "the file is truncated; get a complete copy", tk.line())
    start = tk.pos
    raw = tk.floats(need, "edge triples").reshape(m, 3)
    if tk.rest():
        raise _fail(path, f"{tk.rest()} unexpected values after the {m} edges",
                    "fix the edge count in the header", tk.line())
    ij = raw[:, :2]
    if np.any(ij != np.round(ij)) or ij.min(initial=1) < 1 or ij.max(initial=1) > n:
        k = int(np.flatnonzero((ij != np.round(ij)).any(1) | (ij < 1).any(1) | (ij > n).any(1))[0])
        raise _fail(path, f"edge {k + 1} has a vertex outside 1..{n}", "fix the edge",
                    tk.lines[start + 3 * k])
    w = raw[:, 2]
    if np.any(w < 0):
        k = int(np.flatnonzero(w < 0)[0])
        raise _fail(path, "negative edge cost", "edge costs must be >= 0",
                    tk.lines[start + 3 * k])
    a = ij[:, 0].astype(np.int64) - 1
    b = ij[:, 1].astype(np.int64) - 1
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * n + hi
    # keep the LAST occurrence of each undirected edge: unique over the reversed list
    _, first_in_rev = np.unique(key[::-1], return_index=True)
    keep = m - 1 - first_in_rev
    conflicts = int(m - keep.size)
    lo, hi, w = lo[keep], hi[keep], w[keep]
    loops = lo == hi  # c(i,i) is 0 by the pmedinfo rule; a self-loop never shortens a path
    lo, hi, w = lo[~loops], hi[~loops], w[~loops]
    # explicit zeros would be dropped by csgraph; a tiny epsilon keeps zero-cost edges
    w_eps = np.where(w == 0, 1e-12, w)
    g = sp.coo_matrix((np.r_[w_eps, w_eps], (np.r_[lo, hi], np.r_[hi, lo])), shape=(n, n)).tocsr()
    # g holds both directions of every edge, so the directed search is the undirected one
    # without scipy's symmetrising copy (0.84 s instead of 1.19 s on pmed39)
    d = shortest_path(g, method="D", directed=True)
    if not np.all(np.isfinite(d)):
        raise _fail(path, "the graph is not connected: some vertices cannot reach others",
                    "add the missing edges")
    d = np.round(d, 9)
    if np.all(w == np.round(w)):
        d = np.round(d)
    return LocationData(name=path.stem, cost=d, p=p,
                        meta={"path": str(path), "format": "orlib-pmed", "edges": m,
                              "repeated_edges": conflicts})


# ---------------------------------------------------------------- OR-Library cap / UflLib M


def read_orlib_cap(path: str | os.PathLike, capacity: float | None = None,
                   fmt: str = "orlib-cap") -> LocationData:
    """OR-Library capacitated warehouse file (token stream); `capacity` fills the word 'capacity'."""
    path = Path(path)
    tk = _Tokens(path, _read_text(path))
    m = tk.int("warehouse count m", 1)
    n = tk.int("customer count n", 1)
    cap = np.empty(m)
    fixed = np.empty(m)
    symbolic = False
    for i in range(m):
        if tk.pos < len(tk.toks) and tk.toks[tk.pos].lower() == "capacity":
            symbolic = True
            if capacity is None:
                raise _fail(path, "capacities are the word 'capacity' (capa/capb/capc)",
                            "choose one with --capacity (capa: 8000 10000 12000 14000; capb: 5000 "
                            "6000 7000 8000; capc: 5000 5750 6500 7250)", tk.line())
            tk.pos += 1
            cap[i] = capacity
        else:
            cap[i] = tk.float(f"capacity of warehouse {i + 1}")
        fixed[i] = tk.float(f"fixed cost of warehouse {i + 1}")
    demand = np.empty(n)
    cost = np.empty((n, m))
    for j in range(n):
        demand[j] = tk.float(f"demand of customer {j + 1}")
        cost[j] = tk.floats(m, f"costs of customer {j + 1}")
    if tk.rest():
        raise _fail(path, f"{tk.rest()} unexpected values after the last customer",
                    "check the m n header", tk.line())
    for arr, what in ((cap, "capacity"), (fixed, "fixed cost"), (demand, "demand"),
                      (cost, "cost")):
        if np.any(arr < 0):
            raise _fail(path, f"negative {what}", f"every {what} must be >= 0")
    return LocationData(name=path.stem, cost=cost, demand=demand, fixed_cost=fixed,
                        capacity=cap,
                        meta={"path": str(path), "format": fmt, "symbolic_capacity": symbolic,
                              "capacity_value": capacity})


def read_ufllib_m(path: str | os.PathLike) -> LocationData:
    """UflLib M set (MO/MP/MQ...): ORLIB-cap layout, capacities unused."""
    data = read_orlib_cap(path, fmt="ufllib-m")
    data.capacity = None
    return data


# ---------------------------------------------------------------- UflLib Sobolev / KG


def read_ufllib(path: str | os.PathLike) -> LocationData:
    """UflLib Sobolev / Koerkel-Ghosh file: `FILE: name`, `n m 0`, n facility lines."""
    path = Path(path)
    text = _read_text(path)
    lines = text.splitlines()
    if not lines or not lines[0].strip().upper().startswith("FILE:"):
        # no FILE: header means the M layout
        return read_ufllib_m(path)
    tk = _Tokens(path, text, skip_lines=1)
    n = tk.int("facility count", 1)
    m = tk.int("customer count", 1)
    tk.int("third header value (0)", 0)
    fixed = np.empty(n)
    cost = np.empty((m, n))
    for k in range(n):
        line = tk.line()
        idx = tk.int(f"facility index on facility line {k + 1}", 1)
        if idx != k + 1:
            raise _fail(path, f"facility lines out of order: expected index {k + 1}, found {idx}",
                        "list facilities 1..n in order", line)
        fixed[k] = tk.float(f"opening cost of facility {idx}")
        cost[:, k] = tk.floats(m, f"costs of facility {idx}")
    if tk.rest():
        raise _fail(path, f"{tk.rest()} unexpected values after the last facility",
                    "check the `n m 0` header", tk.line())
    return LocationData(name=path.name, cost=cost, fixed_cost=fixed, demand=np.ones(m),
                        meta={"path": str(path), "format": "ufllib"})


# ---------------------------------------------------------------- TSPLIB


def read_tsplib_points(path: str | os.PathLike) -> np.ndarray:
    """Coordinates of a TSPLIB NODE_COORD_SECTION (EUC_2D-style) file."""
    path = Path(path)
    lines = _read_text(path).splitlines()
    dim = None
    k = 0
    while k < len(lines):
        s = lines[k].strip()
        k += 1
        if not s:
            continue
        if s.upper().startswith("NODE_COORD_SECTION"):
            break
        if ":" in s:
            key, _, val = s.partition(":")
            key = key.strip().upper()
            if key == "DIMENSION":
                try:
                    dim = int(val.strip())
                except ValueError:
                    raise _fail(path, f"DIMENSION is not an integer: {val.strip()!r}",
                                "fix the header", k) from None
            elif key == "EDGE_WEIGHT_TYPE" and val.strip().upper() not in ("EUC_2D", "ATT",
                                                                          "CEIL_2D", "GEO"):
                raise _fail(path, f"EDGE_WEIGHT_TYPE {val.strip()} has no coordinates",
                            "use a NODE_COORD_SECTION file", k)
    else:
        raise _fail(path, "no NODE_COORD_SECTION", "pass a TSPLIB file with coordinates")
    if dim is None:
        raise _fail(path, "no DIMENSION in the header", "add `DIMENSION : n`")
    pts = np.empty((dim, 2))
    got = 0
    for ln in range(k, len(lines)):
        s = lines[ln].strip()
        if not s:
            continue
        if s.upper() == "EOF":
            break
        parts = s.split()
        if len(parts) < 3:
            raise _fail(path, f"coordinate line needs `id x y`, found {s!r}", "fix the line",
                        ln + 1)
        if got >= dim:
            raise _fail(path, f"more coordinate lines than DIMENSION = {dim}",
                        "fix DIMENSION", ln + 1)
        try:
            pts[got] = float(parts[1]), float(parts[2])
        except ValueError:
            raise _fail(path, f"coordinates are not numbers: {s!r}", "fix the line",
                        ln + 1) from None
        if not np.all(np.isfinite(pts[got])):
            raise _fail(path, "coordinate is not finite", "fix the line", ln + 1)
        got += 1
    if got != dim:
        raise _fail(path, f"DIMENSION is {dim} but {got} coordinate lines were found",
                    "the file is truncated or DIMENSION is wrong")
    return pts


def floor_euclidean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """floor of Euclidean distances between point sets.

    Works in place on the output, a block of rows at a time (one temporary of at most
    4M values for the y differences): 3.5x less CPU than an einsum over an n x m x 2
    difference array (vm1748: 12 vs 42 ms) with the same values; scipy's `cdist` is as
    fast but its import alone costs 0.1 s per process. The 1e-9 keeps an exact integer
    distance from rounding down."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    out = np.empty((a.shape[0], b.shape[0]))
    step = max(1, 4_000_000 // max(1, b.shape[0]))
    for s in range(0, a.shape[0], step):
        blk = out[s:s + step]
        np.subtract.outer(a[s:s + step, 0], b[:, 0], out=blk)
        blk *= blk
        dy = np.subtract.outer(a[s:s + step, 1], b[:, 1])
        dy *= dy
        blk += dy
        np.sqrt(blk, out=blk)
        blk += 1e-9
        np.floor(blk, out=blk)
    return out


def read_tsplib(path: str | os.PathLike) -> LocationData:
    """TSPLIB points as a p-median instance: every point a client and a site, floor distances."""
    path = Path(path)
    pts = read_tsplib_points(path)
    return LocationData(name=path.stem, cost=floor_euclidean(pts, pts), coords=pts,
                        meta={"path": str(path), "format": "tsplib"})


# ---------------------------------------------------------------- siteplan scenario


def read_scenario(path: str | os.PathLike) -> LocationData:
    """Committees (clients, weighted by residents) and open-able sites of a scenario.

    Distances are the scenario's reachable pairs (its distance rule and reach); a pair out of
    reach gets cost `unreachable` = 10 x the largest reachable distance + 1, large enough that
    no optimal p-median/UFLP plan uses it while another site is in reach. Fixed costs are the
    sites' fixed costs; excluded sites are dropped; capacities are not defined. Costs are
    metres per resident, so p-median/p-center/LSCP/MCLP are meaningful; UFLP would add yuan
    to metres.
    """
    from siteplan.instance import build_instance
    from siteplan.scenario.load import load_scenario

    scn = load_scenario(path)
    inst = build_instance(scn)
    keep = np.flatnonzero(~np.asarray(inst.excluded, dtype=bool))
    n, m = inst.n_committees, keep.size
    if n * m > MAX_DENSE:
        raise InputError(f"{n} committees x {m} sites is too large for a dense cost matrix",
                         where=str(path), fix="use the planning model (siteplan solve) instead")
    col = np.full(inst.n_sites, -1)
    col[keep] = np.arange(m)
    dmax = float(inst.pair_d.max()) if inst.n_pairs else 1.0
    big = 10.0 * dmax + 1.0
    cost = np.full((n, m), big)
    ok = col[inst.pair_s] >= 0
    cost[inst.pair_c[ok], col[inst.pair_s[ok]]] = inst.pair_d[ok]
    return LocationData(name=Path(path).parent.name or Path(path).stem, cost=cost,
                        demand=np.asarray(inst.residents, dtype=float),
                        fixed_cost=np.asarray(inst.fixed_cost, dtype=float)[keep],
                        meta={"path": str(path), "format": "scenario", "unreachable": big,
                              "site_ids": [str(s) for s in np.asarray(inst.site_ids)[keep]],
                              "committee_ids": [str(c) for c in inst.committee_ids]})


# ---------------------------------------------------------------- dispatch


def guess_format(path: str | os.PathLike) -> str:
    """Format from the name and first bytes; `--format` overrides it."""
    path = Path(path)
    name = path.name.lower()
    if path.suffix.lower() in (".npy", ".csv"):
        return "matrix"
    if path.suffix.lower() == ".tsp":
        return "tsplib"
    if path.suffix.lower() in (".yaml", ".yml"):
        return "scenario"
    if name.startswith("pmed"):
        return "orlib-pmed"
    if name.startswith("cap"):
        return "orlib-cap"
    check_regular(path, "file")  # a FIFO would block the open below
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(200)
    except OSError:
        raise _fail(path, "file not found or unreadable", "check the path") from None
    if head.lstrip().upper().startswith("FILE:"):
        return "ufllib"
    if "NODE_COORD_SECTION" in head.upper() or "DIMENSION" in head.upper():
        return "tsplib"
    raise _fail(path, "cannot tell the file format from its name or contents",
                f"pass --format (one of: {', '.join(FORMATS)})")


def read_any(path: str | os.PathLike, fmt: str | None = None,
             capacity: float | None = None) -> LocationData:
    """Read `path` in format `fmt` (guessed when None)."""
    fmt = fmt or guess_format(path)
    if fmt == "matrix":
        return read_matrix(path)
    if fmt == "orlib-pmed":
        return read_orlib_pmed(path)
    if fmt in ("orlib-cap", "orlib-uncap"):
        return read_orlib_cap(path, capacity=capacity)
    if fmt == "ufllib":
        return read_ufllib(path)
    if fmt == "ufllib-m":
        return read_ufllib_m(path)
    if fmt == "tsplib":
        return read_tsplib(path)
    if fmt == "scenario":
        return read_scenario(path)
    raise InputError(f"unknown format {fmt!r}", fix=f"use one of: {', '.join(FORMATS)}")
