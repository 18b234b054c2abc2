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

from siteplan.model.ir import Model


def col_names(n: int) -> np.ndarray:
    return np.char.add("C", np.arange(n).astype(str))


def row_names(n: int) -> np.ndarray:
    return np.char.add("R", np.arange(n).astype(str))


def _num(values: np.ndarray) -> np.ndarray:
    """Exact text for floats (repr round-trips); integral values print as integers."""
    v = np.asarray(values, dtype=float)
    out = np.empty(v.shape[0], dtype=object)
    whole = (v == np.round(v)) & (np.abs(v) < 1e15)
    out[whole] = v[whole].astype(np.int64).astype(str)
    out[~whole] = [repr(x) for x in v[~whole].tolist()]
    return out


def _lines(lead: str, *cols) -> str:
    """Lines of `lead` then fields in fixed-MPS positions (8-wide names, two spaces apart).

    CBC's reader insists on the fixed layout; a long number in the last field is fine.
    """
    if not len(cols[0]):
        return ""
    pad = [np.char.ljust(np.asarray(c, dtype=str), 8) for c in cols[:-1]]
    return "".join(lead + "  ".join(parts) + "\n" for parts in zip(*pad, cols[-1]))


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
    return np.r_[np.flatnonzero(~model.integer), np.flatnonzero(model.integer)]


def write_mps(model: Model, path: str) -> np.ndarray:
    """Write `model` (minimise, without its offset) to `path`; return `column_order(model)`.

    Free rows are left out.
    """
    n, m = model.n_vars, model.n_rows
    if max(n, m) > 10_000_000:
        raise ValueError("MPS names are limited to 8 characters (10 million rows or columns)")
    cn, rn = col_names(n), row_names(m)
    rlb, rub = model.row_lb, model.row_ub
    has_lo, has_up = np.isfinite(rlb), np.isfinite(rub)
    kind = np.full(m, "", dtype="<U1")
    kind[has_lo & has_up & (rlb == rub)] = "E"
    kind[has_up & (kind == "")] = "L"
    kind[has_lo & (kind == "")] = "G"
    keep = kind != ""

    out = [f"NAME          {model.name.replace(' ', '_')[:40] or 'siteplan'}\nROWS\n N  OBJ\n"]
    out.append("".join(f" {k}  {r}\n" for k, r in zip(kind[keep], rn[keep])))

    # COLUMNS: objective entry (always, so that empty columns exist) + matrix entries
    A = model.A.tocsc()
    A.sort_indices()
    rows_kept = keep[A.indices]
    counts = np.diff(A.indptr)
    col_of_nz = np.repeat(np.arange(n), counts)[rows_kept]
    ent_col = np.concatenate([np.arange(n), col_of_nz])
    ent_row = np.concatenate([np.full(n, "OBJ", dtype=object), rn[A.indices[rows_kept]].astype(object)])
    ent_val = np.concatenate([model.c, A.data[rows_kept]])
    # continuous columns first, then all integer columns inside one marker block
    is_int = model.integer[ent_col]
    order = np.lexsort((ent_col, is_int))
    ent_col, ent_row, ent_val, is_int = ent_col[order], ent_row[order], ent_val[order], is_int[order]
    split = int(np.searchsorted(is_int, True))
    out.append("COLUMNS\n")
    body = (cn[ent_col], ent_row, _num(ent_val))
    out.append(_lines("    ", *(b[:split] for b in body)))
    if split < len(ent_col):
        out.append("    MARKER    'MARKER'                 'INTORG'\n")
        out.append(_lines("    ", *(b[split:] for b in body)))
        out.append("    MARKER    'MARKER'                 'INTEND'\n")

    # RHS (L/E rows: upper, G rows: lower) and RANGES (two-sided L rows)
    rhs = np.where(kind == "G", rlb, rub)
    sel = keep & (rhs != 0)
    out.append("RHS\n")
    out.append(_lines("    ", np.full(sel.sum(), "RHS"), rn[sel], _num(rhs[sel])))
    rng = keep & (kind == "L") & has_lo
    if rng.any():
        out.append("RANGES\n")
        out.append(_lines("    ", np.full(rng.sum(), "RNG"), rn[rng], _num((rub - rlb)[rng])))

    # BOUNDS: explicit for integer columns and for anything but [0, inf)
    lb, ub = model.lb, model.ub
    lo_f, up_f = np.isfinite(lb), np.isfinite(ub)
    need = model.integer | (lb != 0) | up_f
    parts: list[tuple[np.ndarray, np.ndarray, list[str] | None]] = []
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
    for tag, mask, vals in parts:
        k = int(mask.sum())
        if not k:
            continue
        cols = [np.full(k, "BND"), cn[mask]]
        if vals is not None:
            cols.append(_num(vals[mask]))
        out.append(_lines(f" {tag} ", *cols))
    out.append("ENDATA\n")
    with open(path, "w", encoding="ascii") as fh:
        fh.writelines(out)
    return column_order(model)
