"""Write a `Model` as a free-format MPS file with vectorised numpy, for file-based solvers.

CBC (a separate binary) and SCIP (whose C reader is far faster than building the model
through Python objects) both read it. Names encode the index (`C<j>`, `R<i>`), so a
solution maps back by name whatever order a solver reports it in. Every integer column and
every column whose bounds are not the MPS default [0, inf) gets explicit bounds, because
readers disagree on what a bare integer marker means. The objective offset is not written;
callers add `model.offset` themselves (readers disagree on its sign convention too).
"""

from __future__ import annotations

import numpy as np

from siteplan.errors import SolverError
from siteplan.model.ir import Model


def _names(prefix: str, n: int) -> list[str]:
    """`prefix0 .. prefix{n-1}`, padded to the 8-character fixed-MPS name field."""
    return [f"{prefix}{i:<7d}" for i in range(n)]


def _num(values: np.ndarray) -> list[str]:
    """Exact text for floats: repr round-trips; whole numbers print without '.0'."""
    v = np.asarray(values, dtype=float)
    out = np.empty(v.shape[0], dtype=object)
    whole = (v == np.round(v)) & (np.abs(v) < 1e15)
    out[whole] = v[whole].astype(np.int64).astype(str).tolist()
    out[~whole] = list(map(repr, v[~whole].tolist()))
    return out.tolist()


def trivially_infeasible(model: Model) -> str | None:
    """A bound pair with lower > upper, which MPS cannot express; None if there is none."""
    bad = np.flatnonzero(model.lb > model.ub)
    if bad.size:
        return f"variable {model.var_name(int(bad[0]))} has lower bound > upper bound"
    bad = np.flatnonzero(model.row_lb > model.row_ub)
    if bad.size:
        return f"row {model.row_name(int(bad[0]))} has lower bound > upper bound"
    return None


def column_order(model: Model) -> np.ndarray:
    """Model column index of each column in file order (continuous first, then integer)."""
    order: np.ndarray = np.r_[np.flatnonzero(~model.integer), np.flatnonzero(model.integer)]
    return order


def write_mps(model: Model, path: str) -> np.ndarray:
    """Write `model` (minimise, without its offset) to `path`; return `column_order(model)`.

    Free rows are left out.
    """
    n, m = model.n_vars, model.n_rows
    if max(n, m) > 10_000_000:
        raise SolverError("the model is too large for an MPS file with 8-character names "
                          f"({n:,} columns, {m:,} rows; the limit is 10 million)",
                          fix="use the highs or ortools-* backends, which take arrays")
    cn, rn = _names("C", n), _names("R", m)
    rlb, rub = model.row_lb, model.row_ub
    has_lo, has_up = np.isfinite(rlb), np.isfinite(rub)
    kind = np.full(m, "", dtype="<U1")
    kind[has_lo & has_up & (rlb == rub)] = "E"
    kind[has_up & (kind == "")] = "L"
    kind[has_lo & (kind == "")] = "G"
    keep = kind != ""

    out = [f"NAME          {model.name.replace(' ', '_')[:40] or 'siteplan'}\nROWS\n N  OBJ\n"]
    kept = np.flatnonzero(keep).tolist()
    kinds = kind.tolist()
    out.append("".join(f" {kinds[i]}  {rn[i]}\n" for i in kept))

    # COLUMNS: objective entry (always, so that empty columns exist) + matrix entries
    A = model.A.tocsc()
    A.sort_indices()
    rows_kept = keep[A.indices]
    counts = np.diff(A.indptr)
    ent_col = np.concatenate([np.arange(n), np.repeat(np.arange(n), counts)[rows_kept]])
    ent_row = np.concatenate([np.full(n, m), A.indices[rows_kept]])  # m stands for OBJ
    ent_val = np.concatenate([model.c, A.data[rows_kept]])
    # continuous columns first, then all integer columns inside one marker block
    is_int = model.integer[ent_col]
    order = np.lexsort((ent_row != m, ent_col, is_int))
    ent_col, ent_row, ent_val = ent_col[order], ent_row[order], ent_val[order]
    split = int((~is_int).sum())
    rn_obj = rn + ["OBJ     "]
    cols, rows, vals = ent_col.tolist(), ent_row.tolist(), _num(ent_val)
    body = [f"    {cn[c]}  {rn_obj[r]}  {v}\n" for c, r, v in zip(cols, rows, vals)]
    out.append("COLUMNS\n")
    out.append("".join(body[:split]))
    if split < len(body):
        out.append("    MARKER    'MARKER'                 'INTORG'\n")
        out.append("".join(body[split:]))
        out.append("    MARKER    'MARKER'                 'INTEND'\n")

    # RHS (L/E rows: upper, G rows: lower) and RANGES (two-sided L rows)
    rhs = np.where(kind == "G", rlb, rub)
    sel = np.flatnonzero(keep & (rhs != 0))
    out.append("RHS\n")
    out.append("".join(f"    RHS       {rn[i]}  {v}\n"
                       for i, v in zip(sel.tolist(), _num(rhs[sel]))))
    rng = np.flatnonzero(keep & (kind == "L") & has_lo)
    if rng.size:
        out.append("RANGES\n")
        out.append("".join(f"    RNG       {rn[i]}  {v}\n"
                           for i, v in zip(rng.tolist(), _num((rub - rlb)[rng]))))

    # BOUNDS: explicit for integer columns and for anything but [0, inf)
    lb, ub = model.lb, model.ub
    lo_f, up_f = np.isfinite(lb), np.isfinite(ub)
    need = model.integer | (lb != 0) | up_f
    parts: list[tuple[str, np.ndarray, np.ndarray | None]] = []
    fx = need & lo_f & up_f & (lb == ub)
    parts.append(("FX", fx, lb))
    fr = need & ~lo_f & ~up_f
    parts.append(("FR", fr, None))
    mi = need & ~lo_f & ~fr
    parts.append(("MI", mi, None))
    lo = need & lo_f & ~fx
    parts.append(("LO", lo, lb))
    up = need & up_f & ~fx
    parts.append(("UP", up, ub))
    pl = need & ~up_f & ~fr
    parts.append(("PL", pl, None))
    out.append("BOUNDS\n")
    for tag, mask, bound in parts:
        idx = np.flatnonzero(mask)
        if not idx.size:
            continue
        if bound is None:
            out.append("".join(f" {tag} BND       {cn[j]}\n" for j in idx.tolist()))
        else:
            out.append("".join(f" {tag} BND       {cn[j]}  {v}\n"
                               for j, v in zip(idx.tolist(), _num(bound[idx]))))
    out.append("ENDATA\n")
    with open(path, "w", encoding="ascii") as fh:
        fh.writelines(out)
    return column_order(model)
