"""Read and validate the committees and sites tables, untrusted input.

The bytes are read by `siteplan.io` (one module per file format, CSV today); this module
says what the cells must mean. The coordinate columns, and any extra table (matrix:
data.distances), are what the scenario's distance kind (`siteplan.distance`) asks for.

Each problem names the file, the row (as the physical line number in the file, which is what
an editor shows) and column, and the fix. Sizes are bounded before parsing so a file cannot
make us allocate unboundedly, and numbers are bounded to what a city can hold, so an absurd
value is an error here rather than an overflow in the geometry or the model.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siteplan import distance
from siteplan.errors import InputError
from siteplan.io import read_table
from siteplan.io.csv import record_lines  # kept importable from here

MAX_TABLE_BYTES = 512 << 20
MAX_COMMITTEES = 500_000
MAX_SITES = 200_000
MAX_COORD_M = 1e8  # |x|, |y| in metres: far beyond any city, far below float overflow
MAX_HOUSEHOLDS = 1_000_000  # per committee
MAX_RESIDENTS = 5_000_000  # per committee
MAX_MONEY = 1e12  # yuan: a fixed cost, or a price per m² (per year for opex)
MAX_AREA_M2 = 1e7  # 10 km² of floor area on one site
LINE = "\0line"  # hidden column: the physical line each row starts on

COMMITTEE_COLUMNS = ("id", "street", "households", "residents", "kind")
SITE_COLUMNS = ("id", "street", "kind", "fixed_cost", "cost_per_m2", "opex_per_m2_year",
                "max_area_m2")
SITE_OPTIONAL = ("existing_area_m2", "required", "excluded", "name", "open_hours_per_day", "types")
COMMITTEE_OPTIONAL = ("name",)
TRUE = {"true", "1", "yes", "y", "t"}
FALSE = {"false", "0", "no", "n", "f", ""}


@dataclass
class Tables:
    committees: pd.DataFrame
    sites: pd.DataFrame
    distances: pd.DataFrame | None
    coords: tuple[str, str]  # the distance kind's coordinate columns: ("x", "y"), ("lon", "lat")
    fingerprint: str
    #: further tables a distance kind needs (data.<key>), beyond the distances matrix
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)


def _problem(path: str, msg: str, fix: str, row: int | None = None, col: str | None = None):
    where = path + (f", line {row}" if row is not None else "") + (f", column {col!r}" if col else "")
    return InputError(msg, where=where, fix=fix)


def _read_csv(path_s: str, what: str, layer: str | None = None,
              rename: dict[str, str] | None = None) -> tuple[pd.DataFrame, bytes]:
    """The table through `siteplan.io` (bounded, in its own format), with each row's line;
    `layer` (data.layers) picks a GIS file's layer, `rename` (data.columns) maps fields named
    otherwise (户数 -> households) to siteplan's columns."""
    raw = read_table(path_s, f"{what} table", MAX_TABLE_BYTES,
                     fix=f"check data.{what} in the scenario (paths are relative to the YAML file)",
                     layer=layer)
    df = raw.frame
    if rename:
        missing = [k for k in rename if k not in df.columns]
        if missing:
            raise InputError(f"{what} table has no field {missing[0]!r} to rename (data.columns.{what})",
                             where=path_s, fix=f"use one of its fields: {', '.join(map(str, df.columns))}")
        clash = [v for k, v in rename.items() if v in df.columns and v not in rename]
        if clash:
            raise InputError(f"{what} table already has a column {clash[0]!r}; data.columns.{what} "
                             "would give it twice", where=path_s,
                             fix=f"drop that mapping, or rename the table's own {clash[0]!r} too")
        df = df.rename(columns=rename)
    df[LINE] = raw.lines
    return df, raw.blob


def _line(df: pd.DataFrame, i: int) -> int:
    return int(df[LINE].iloc[i])


def _require_columns(df: pd.DataFrame, cols, path: str, what: str) -> None:
    for col in cols:
        if col not in df.columns:
            near = difflib.get_close_matches(col, list(df.columns), n=1)
            hint = f"rename column {near[0]!r} to {col!r}" if near else f"add a {col!r} column"
            raise _problem(path, f"{what} table has no {col!r} column", hint)


def _numeric(df, col, path, *, integer=False, positive=False, non_negative=False,
             lo=None, hi=None) -> np.ndarray:
    text = df[col].astype(str).str.strip()
    vals = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals)
    if integer:
        bad |= np.isfinite(vals) & (np.abs(vals - np.round(vals)) > 1e-9)
    if positive:
        bad |= vals <= 0
    if non_negative:
        bad |= vals < 0
    if lo is not None:
        bad |= vals < lo
    if hi is not None:
        bad |= vals > hi
    if bad.any():
        i = int(np.argmax(bad))
        need = ("a positive whole number" if integer and positive else
                "a whole number" if integer else
                "a positive number" if positive else
                "a number >= 0" if non_negative else "a number")
        if lo is not None and hi is not None:
            need += f" in [{_fmt(lo)}, {_fmt(hi)}]"
        elif hi is not None:
            need += f" up to {_fmt(hi)}"
        elif lo is not None:
            need += f" from {_fmt(lo)}"
        n_bad = int(bad.sum())
        more = f" ({n_bad - 1} more rows like it)" if n_bad > 1 else ""
        raise _problem(path, f"{col} is {text.iloc[i]!r}, not {need}{more}", f"correct {col} on that row",
                       row=_line(df, i), col=col)
    return vals


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:g}"


def _bools(df, col, path) -> np.ndarray:
    if col not in df.columns:
        return np.zeros(len(df), dtype=bool)
    text = df[col].astype(str).str.strip().str.lower()
    ok = text.isin(TRUE | FALSE)
    if not ok.all():
        i = int(np.argmax(~ok.to_numpy()))
        raise _problem(path, f"{col} is {df[col].iloc[i]!r}, not true/false", "write true or false",
                       row=_line(df, i), col=col)
    return text.isin(TRUE).to_numpy()


def _ids(df, path, what) -> np.ndarray:
    ids = df["id"].astype(str).str.strip()
    empty = ids == ""
    if empty.any():
        raise _problem(path, f"{what} id is empty", "give every row a unique id",
                       row=_line(df, int(np.argmax(empty.to_numpy()))), col="id")
    unprintable = ~ids.map(str.isprintable)
    if unprintable.any():  # a NUL or line break in an id breaks every table it is written to
        i = int(np.argmax(unprintable.to_numpy()))
        raise _problem(path, f"{what} id {ids.iloc[i]!r} contains a control character",
                       "use letters, digits and punctuation only", row=_line(df, i), col="id")
    dup = ids.duplicated(keep="first")
    if dup.any():
        i = int(np.argmax(dup.to_numpy()))
        first = int(np.argmax((ids == ids.iloc[i]).to_numpy()))
        raise _problem(path, f"duplicate {what} id {ids.iloc[i]!r} (first on line {_line(df, first)})",
                       "make ids unique", row=_line(df, i), col="id")
    return ids.to_numpy()


def _choice(df, col, allowed, path) -> np.ndarray:
    vals = df[col].astype(str).str.strip().str.lower()
    bad = ~vals.isin(allowed)
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise _problem(path, f"{col} is {df[col].iloc[i]!r}, not one of {', '.join(allowed)}",
                       f"write one of {', '.join(allowed)}", row=_line(df, i), col=col)
    return vals.to_numpy()


def _coords(df, path, what, method: str, crs: str | None = None, offset=None, plane=None) -> tuple[str, str]:
    """The distance kind's coordinate columns, bounded as the kind says (NaN when the kind
    lets them be absent and they are). `crs`: the scenario's declared coordinate system of a
    CSV table (`coordinates: crs`), converted to what the kind needs first."""
    kind = distance.get(method)
    cols = kind.columns
    if crs is not None:
        _declared(df, path, what, crs, cols, kind.columns_required, offset, plane)
    if not kind.columns_required and not set(cols) <= set(df.columns):
        for col in cols:
            df[col] = np.nan
        return cols
    _require_columns(df, cols, path, what)
    for col, (lo, hi) in zip(cols, kind.bounds):
        df[col] = _numeric(df, col, path, lo=lo, hi=hi)
    return cols


def _declared(df, path, what, crs: str, cols, required: bool, offset=None, plane=None) -> None:
    """Rewrite the kind's columns `cols` from the columns `crs` gives (siteplan.geo.convert),
    onto the metric `plane` of the other table when it has one; a GIS layer (which names its
    own metric plane) keeps its own CRS."""
    from siteplan.geo.convert import convert, source_columns
    from siteplan.io.gis import METRIC_CRS

    if METRIC_CRS in df.attrs:
        return
    src = source_columns(crs)
    if not required and not set(src) <= set(df.columns):
        return
    _require_columns(df, src, path, what)
    bounds = ((-180, 180), (-90, 90)) if src == ("lon", "lat") else ((-MAX_COORD_M, MAX_COORD_M),) * 2
    sx, sy = (_numeric(df, c, path, lo=lo, hi=hi) for c, (lo, hi) in zip(src, bounds))
    a, b, metric = convert(sx, sy, crs, cols, f"{what} table ({path})", offset, plane)
    df[cols[0]], df[cols[1]] = [repr(float(v)) for v in a], [repr(float(v)) for v in b]
    if metric is not None:
        df.attrs[METRIC_CRS] = metric


def _start_table(path: str, what: str, columns, limit: int, fix: str, layer: str | None = None,
                 rename: dict[str, str] | None = None):
    """Read, require columns, bound the row count; returns (raw, out with id and street, bytes)."""
    df, blob = _read_csv(path, what, layer, rename)
    _require_columns(df, columns, path, what)
    if len(df) == 0:
        raise InputError(f"{what} table has no rows", where=path, fix=fix)
    if len(df) > limit:
        raise InputError(f"{what} table has {len(df)} rows; the limit is {limit}", where=path)
    out = pd.DataFrame({"id": _ids(df, path, what[:-1])})
    out.attrs.update(df.attrs)  # a GIS layer's metric CRS (siteplan.io.gis.METRIC_CRS)
    out["street"] = df["street"].astype(str).str.strip()
    return df, out, blob


def read_committees(path: str, method: str, crs: str | None = None, offset=None,
                    plane: str | None = None, layer: str | None = None,
                    rename: dict[str, str] | None = None) -> tuple[pd.DataFrame, bytes]:
    df, out, blob = _start_table(path, "committees", COMMITTEE_COLUMNS, MAX_COMMITTEES, "add committees",
                                 layer, rename)
    out["kind"] = _choice(df, "kind", ("urban", "rural"), path)
    out["households"] = _numeric(df, "households", path, integer=True, positive=True,
                                 hi=MAX_HOUSEHOLDS).astype(np.int64)
    out["residents"] = _numeric(df, "residents", path, integer=True, positive=True,
                                hi=MAX_RESIDENTS).astype(np.int64)
    cx, cy = _coords(df, path, "committees", method, crs, offset, plane)
    out[cx], out[cy] = df[cx].to_numpy(float), df[cy].to_numpy(float)
    out.attrs.update(df.attrs)
    out["name"] = df["name"].astype(str) if "name" in df.columns else out["id"]
    from siteplan.rules import table_columns

    for col, allowed in table_columns("committees").items():  # optional columns a rule reads
        if col in df.columns:
            out[col] = _choice(df, col, (*allowed, ""), path)
    _timeline_columns(df, out, path)
    return out, blob


def _timeline_columns(df: pd.DataFrame, out: pd.DataFrame, path: str) -> None:
    """A timeline's demand columns (siteplan.timeline.load): households_YYYY, residents_YYYY
    (bounded like the first year's), growth (a rate a year in (-1, 1])."""
    from siteplan.timeline.load import YEAR_COLUMN

    for col in df.columns:
        m = YEAR_COLUMN.match(str(col))
        if m:
            hi = MAX_HOUSEHOLDS if m[1] == "households" else MAX_RESIDENTS
            out[col] = _numeric(df, col, path, integer=True, positive=True, hi=hi).astype(np.int64)
    if "growth" in df.columns:
        vals = _numeric(df, "growth", path, lo=-0.999, hi=1.0)
        out["growth"] = vals


def _site_types(df: pd.DataFrame, path: str, known: tuple[str, ...]) -> np.ndarray:
    """The optional `types` column: the facility types a plot may host, `;`-separated
    (blank: every type); each must be `service` or a type the scenario declares."""
    if "types" not in df.columns:
        return np.full(len(df), "", dtype=object)
    out = []
    for i, cell in enumerate(df["types"].astype(str)):
        names = [t.strip().lower() for t in cell.split(";") if t.strip()]
        bad = [t for t in names if t not in known]
        if bad:
            near = difflib.get_close_matches(bad[0], known, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise _problem(path, f"types names {bad[0]!r}, not a facility type of this scenario",
                           f"{hint}use {', '.join(known)} separated by ';' (or declare it under facility_types)",
                           row=_line(df, i), col="types")
        out.append(";".join(dict.fromkeys(names)))
    return np.array(out, dtype=object)


def read_sites(path: str, method: str, crs: str | None = None, offset=None,
               plane: str | None = None, types: tuple[str, ...] = ("service",), layer: str | None = None,
               rename: dict[str, str] | None = None) -> tuple[pd.DataFrame, bytes]:
    df, out, blob = _start_table(path, "sites", SITE_COLUMNS, MAX_SITES, "add candidate sites", layer, rename)
    out["kind"] = _choice(df, "kind", ("urban", "rural", "centre"), path)
    for col in ("fixed_cost", "cost_per_m2", "opex_per_m2_year"):
        out[col] = _numeric(df, col, path, non_negative=True, hi=MAX_MONEY)
    out["max_area_m2"] = _numeric(df, "max_area_m2", path, positive=True, hi=MAX_AREA_M2)
    if "existing_area_m2" in df.columns:
        df["existing_area_m2"] = df["existing_area_m2"].replace("", "0")
        out["existing_area_m2"] = _numeric(df, "existing_area_m2", path, non_negative=True, hi=MAX_AREA_M2)
    else:
        out["existing_area_m2"] = 0.0
    out["required"] = _bools(df, "required", path)
    out["excluded"] = _bools(df, "excluded", path)
    if "open_hours_per_day" in df.columns:
        given = (df["open_hours_per_day"].astype(str).str.strip() != "").to_numpy()
        vals = np.full(len(df), np.nan)  # an empty cell: the scenario's facilities: value
        if given.any():
            vals[given] = _numeric(df[given], "open_hours_per_day", path, lo=0, hi=24)
        out["open_hours_per_day"] = vals
    cx, cy = _coords(df, path, "sites", method, crs, offset, plane)
    out[cx], out[cy] = df[cx].to_numpy(float), df[cy].to_numpy(float)
    out.attrs.update(df.attrs)
    out["name"] = df["name"].astype(str) if "name" in df.columns else out["id"]
    out["types"] = _site_types(df, path, types)
    over = out["existing_area_m2"] > out["max_area_m2"]
    if over.any():
        i = int(np.argmax(over.to_numpy()))
        raise _problem(path, f"existing_area_m2 {out['existing_area_m2'].iloc[i]:g} exceeds max_area_m2 "
                       f"{out['max_area_m2'].iloc[i]:g}", "raise max_area_m2 to at least the existing area",
                       row=_line(df, i), col="existing_area_m2")
    both = out["required"] & out["excluded"]
    if both.any():
        i = int(np.argmax(both.to_numpy()))
        raise _problem(path, "site is both required and excluded", "clear one of the two",
                       row=_line(df, i), col="excluded")
    gone = (out["existing_area_m2"] > 0) & out["excluded"]
    if gone.any():
        i = int(np.argmax(gone.to_numpy()))
        raise _problem(path, "an existing facility cannot be excluded (existing facilities stay open)",
                       "set excluded to false, or existing_area_m2 to 0 if it is closing",
                       row=_line(df, i), col="excluded")
    return out, blob


def read_distances(path: str, committee_ids, site_ids) -> tuple[pd.DataFrame, bytes]:
    df, blob = _read_csv(path, "distances")
    _require_columns(df, ("committee", "site", "metres"), path, "distances")
    df["metres"] = _numeric(df, "metres", path, non_negative=True, hi=MAX_COORD_M)
    for col, known in (("committee", committee_ids), ("site", site_ids)):
        unknown = ~df[col].isin(set(known))
        if unknown.any():
            i = int(np.argmax(unknown.to_numpy()))
            raise _problem(path, f"{col} {df[col].iloc[i]!r} is not in the {col}s table",
                           "fix the id or remove the row", row=_line(df, i), col=col)
    return df[["committee", "site", "metres"]], blob


def _same_plane(spec, committees: pd.DataFrame, sites: pd.DataFrame, cols) -> None:
    """x, y metres from two GIS layers in different projected CRSs are reconciled: the sites'
    metres are reprojected onto the committees' plane (a CSV's x, y are taken to be on the
    plane of the other table)."""
    from siteplan.io.gis import METRIC_CRS

    a, b = committees.attrs.get(METRIC_CRS), sites.attrs.get(METRIC_CRS)
    if tuple(cols) == ("x", "y") and a and b and a != b:
        from pyproj import Transformer

        x, y = Transformer.from_crs(b, a, always_xy=True).transform(sites["x"].to_numpy(float),
                                                                    sites["y"].to_numpy(float))
        sites["x"], sites["y"] = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        sites.attrs[METRIC_CRS] = a


def read_tables(spec, standards, where: str) -> Tables:
    """Both tables (and the distance matrix); a committee must fall in a worker band."""
    method = spec.distance_spec.method
    dist = distance.get(method)
    from siteplan.io.gis import METRIC_CRS

    coords = spec.coordinates
    c, s = (coords.of(t) if coords else None for t in ("committees", "sites"))
    d = spec.data
    committees, b1 = read_committees(d.committees, method, c and c.crs, c and c.offset,
                                     layer=d.layers.get("committees"), rename=d.columns.get("committees"))
    sites, b2 = read_sites(d.sites, method, s and s.crs, s and s.offset,
                           plane=committees.attrs.get(METRIC_CRS),  # x, y metres on one plane
                           types=("service", *(spec.facility_types or {})),
                           layer=d.layers.get("sites"), rename=d.columns.get("sites"))
    _same_plane(spec, committees, sites, dist.columns)
    from siteplan.geo.extent import warn_far_outside

    warn_far_outside(dist, committees, sites, dist.columns, where)
    extra, b3 = {}, b""
    for key, holds in dist.needs.items():
        path = getattr(spec.data, key, None)
        if not path:
            raise InputError(f"distance: {method} needs data.{key} ({holds})", where=where,
                             fix=f"add data: {{{key}: {key}.csv}}")
        extra[key], blob = dist.read_table(key, path, committees, sites)
        b3 += blob
    for i, (hh, kind) in enumerate(zip(committees["households"], committees["kind"])):
        if standards.band_for(int(hh), kind) is None:
            raise InputError(
                f"committee {committees['id'].iloc[i]!r} ({hh} households, {kind}) falls in no "
                "committee_workers band", where=f"{spec.data.committees}, line {record_lines(b1, len(committees))[i]}",
                fix="add a band covering it under standards.committee_workers")
    fp = hashlib.sha256(b1 + b"\0" + b2 + b"\0" + b3).hexdigest()
    tables = Tables(committees=committees, sites=sites, distances=extra.pop("distances", None),
                    coords=dist.columns, fingerprint=fp, extra=extra)
    dist.check_tables(tables, spec, where)
    return tables
