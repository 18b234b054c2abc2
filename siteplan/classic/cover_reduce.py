"""Set-covering reductions and bounds in scipy.sparse, before any MIP.

Why: random set-covering MIPs (LSCP, the p-center's radius probes) spend most of the solver's
time on rows and columns that cannot matter. The classic reductions (Toregas & ReVelle 1973;
Beasley 1987) shrink them to a small core, applied together until nothing changes:

- essential site: a client with a single coverer forces that site open (its clients are done);
- free site: a site of cost <= 0 is opened (it never hurts);
- dominated column: site j whose clients are a subset of site k's, with f_k <= f_j, is dropped
  (duplicates are the equal-set case; ties go to the lower index so one of them survives);
- dominated row: client i whose coverers include all coverers of client h is dropped, because
  covering h covers i (identical rows keep the lower index).

Each dropped item has a survivor that dominates it (the relations are strict partial orders),
so one pass may drop all of them at once. Subset tests are sparse products (A^T A, A A^T): an
entry equal to the smaller set's size means inclusion. The products are skipped when they
would hold more than `MAX_PAIRS` entries, so memory stays bounded on dense (large-radius) cases;
small dense matrices keep both products as dense arrays updated round by round (`_Grams`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

MAX_PAIRS = 40_000_000
DENSE_FROM, DENSE_MAX = 0.05, 2500  # from 5% ones and up to 2,500 rows/cols: `_Grams`


@dataclass
class CoverCore:
    """What is left: `rows`/`cols` index the original clients/sites; `fixed` are open sites."""

    A: sp.csr_matrix  # rows x cols 0/1 of the core
    rows: np.ndarray
    cols: np.ndarray
    fixed: np.ndarray
    rounds: int

    def stats(self) -> dict:
        return {"core_clients": int(self.rows.size), "core_sites": int(self.cols.size),
                "fixed_open": int(self.fixed.size), "reduction_rounds": self.rounds}


def coverage(cost: np.ndarray, radius: float) -> sp.csr_matrix:
    """Clients x sites 0/1 CSR of pairs within `radius` (the same 1e-9 slack as the checks)."""
    return sp.csr_matrix(cost <= radius + 1e-9, dtype=np.int32)


def _subset_pairs(M: sp.csr_matrix, size: np.ndarray):
    """Pairs (a, b), a != b, where row set a of M is a subset of row set b."""
    deg = np.diff(M.indptr)
    if float(np.square(M.getnnz(axis=0).astype(float)).sum()) > MAX_PAIRS:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    G = (M @ M.T).tocoo()
    a, b, v = G.row, G.col, G.data
    keep = (a != b) & (v == deg[a])
    return a[keep].astype(np.int64), b[keep].astype(np.int64)


class _Grams:
    """A A^T and A^T A of the shrinking submatrix as dense arrays, updated by subtracting
    what the removed rows and columns contributed instead of multiplied again each round.

    Why: on dense matrices (the p-center's probes at large radii, ~11% ones) the two sparse
    products per round were a quarter of the whole p-center search."""

    def __init__(self, A: sp.csr_matrix):
        self.A = A
        self.rows = np.arange(A.shape[0])
        self.cols = np.arange(A.shape[1])
        self.Gr = (A @ A.T).toarray()
        self.Gc = (A.T @ A).toarray()

    def update(self, rows: np.ndarray, cols: np.ndarray) -> None:
        kr, kc = np.isin(self.rows, rows), np.isin(self.cols, cols)
        gone_r, gone_c = self.rows[~kr], self.cols[~kc]
        # subtract the removed part, or multiply the kept part when that is smaller
        if gone_c.size > cols.size:
            S = self.A[rows][:, cols]
            self.Gr = (S @ S.T).toarray()
        else:
            self.Gr = self.Gr[np.ix_(kr, kr)]
            if gone_c.size:
                B = self.A[rows][:, gone_c]
                self.Gr -= (B @ B.T).toarray()
        if gone_r.size > rows.size:
            S = self.A[rows][:, cols]
            self.Gc = (S.T @ S).toarray()
        else:
            self.Gc = self.Gc[np.ix_(kc, kc)]
            if gone_r.size:
                B = self.A[gone_r][:, cols]
                self.Gc -= (B.T @ B).toarray()
        self.rows, self.cols = rows, cols

    @staticmethod
    def pairs(G: np.ndarray, deg: np.ndarray):
        """As `_subset_pairs`, from a ready Gram matrix."""
        a, b = np.nonzero(G == deg[:, None])
        keep = a != b
        return a[keep].astype(np.int64), b[keep].astype(np.int64)


def _dense_ok(A: sp.csr_matrix) -> bool:
    n, m = A.shape
    return max(n, m) <= DENSE_MAX and A.nnz >= DENSE_FROM * n * m


def reduce(A: sp.csr_matrix, f: np.ndarray, max_rounds: int = 50,
           dense: bool | None = None) -> CoverCore:
    """Apply the reductions to a fixed point; `A` must give every row at least one coverer."""
    A = sp.csr_matrix(A, dtype=np.int32)
    A.data[:] = 1
    grams = _Grams(A) if (_dense_ok(A) if dense is None else dense) else None
    rows = np.arange(A.shape[0])
    cols = np.arange(A.shape[1])
    f = np.asarray(f, dtype=float)
    fixed: list[np.ndarray] = []
    rounds = 0
    sub = A
    for rounds in range(1, max_rounds + 1):
        sub = A[rows][:, cols].tocsr()
        rdeg = np.diff(sub.indptr)
        # essential and free sites
        one = np.flatnonzero(rdeg == 1)
        force = np.zeros(cols.size, dtype=bool)
        force[sub.indices[sub.indptr[one]]] = True
        force |= f[cols] <= 0
        if force.any():
            fixed.append(cols[force])
            done = np.asarray(sub[:, np.flatnonzero(force)].sum(axis=1)).ravel() > 0
            rows, cols = rows[~done], cols[~force]
            continue
        csub = sub.T.tocsr()
        cdeg = np.diff(csub.indptr)
        drop_c = cdeg == 0
        if grams is not None:
            grams.update(rows, cols)
        j, k = _subset_pairs(csub, cdeg) if grams is None else grams.pairs(grams.Gc, cdeg)
        # clients(j) subset of clients(k)
        fj, fk = f[cols[j]], f[cols[k]]
        dom = (fk <= fj) & ((cdeg[k] > cdeg[j]) | (fk < fj) | (k < j))
        drop_c[j[dom]] = True
        # coverers(h) subset of coverers(i)
        h, i = _subset_pairs(sub, rdeg) if grams is None else grams.pairs(grams.Gr, rdeg)
        drop_r = np.zeros(rows.size, dtype=bool)
        drop_r[i[(rdeg[i] > rdeg[h]) | (h < i)]] = True
        if not drop_c.any() and not drop_r.any():
            break
        rows, cols = rows[~drop_r], cols[~drop_c]
    sub = A[rows][:, cols].tocsr()
    fx = np.unique(np.concatenate(fixed)) if fixed else np.zeros(0, np.int64)
    return CoverCore(A=sub, rows=rows, cols=cols, fixed=fx, rounds=rounds)


def greedy(A: sp.csr_matrix, f: np.ndarray) -> np.ndarray:
    """Chvatal's greedy (least cost per newly covered row), then drop redundant picks.

    Gives an upper bound; indices are columns of `A`. Rows of `A` must all be coverable.
    """
    n, m = A.shape
    if n == 0:
        return np.zeros(0, np.int64)
    csc = A.tocsc()
    left = np.ones(n, dtype=bool)
    gain = np.diff(csc.indptr).astype(float)
    f = np.asarray(f, dtype=float)
    chosen: list[int] = []
    while left.any():
        ratio = np.where(gain > 0, f / np.maximum(gain, 1), np.inf)
        j = int(np.argmin(ratio))
        chosen.append(j)
        newly = csc.indices[csc.indptr[j]:csc.indptr[j + 1]]
        newly = newly[left[newly]]
        left[newly] = False
        # lower the gains of every column touching a newly covered row
        touched = A[newly]
        gain -= np.bincount(touched.indices, minlength=m)
    pick = np.array(chosen, dtype=np.int64)
    # drop picks whose rows are all covered at least twice (most expensive first)
    count = np.asarray(csc[:, pick].sum(axis=1)).ravel()
    keep = np.ones(pick.size, dtype=bool)
    for t in np.argsort(-f[pick], kind="stable"):
        r = csc.indices[csc.indptr[pick[t]]:csc.indptr[pick[t] + 1]]
        if np.all(count[r] >= 2):
            keep[t] = False
            count[r] -= 1
    return np.sort(pick[keep])
