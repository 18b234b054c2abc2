"""CSV tables: UTF-8 (a byte-order mark is dropped), a header line, comma-separated."""

from __future__ import annotations

import csv
import io

import pandas as pd

from siteplan.errors import InputError
from siteplan.fileio import read_bounded
from siteplan.io import RawTable

NAME = "csv"
SUFFIXES = (".csv",)


def read(path: str, what: str, limit: int, fix: str = "check the path") -> RawTable:
    """A header + rows table, every cell as text (blank lines skipped, spaces after commas
    dropped); `what` names it in errors ("committees table")."""
    blob = read_bounded(path, limit, what, fix=fix)
    if not blob:
        raise InputError(f"{what} is empty", where=path, fix="add a header line and rows")
    try:
        df = pd.read_csv(io.BytesIO(blob), dtype=str, keep_default_na=False, encoding="utf-8-sig",
                         skipinitialspace=True)
    except UnicodeDecodeError:
        raise InputError(f"{what} is not UTF-8 text", where=path, fix="save it as UTF-8 CSV")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{what} is not valid CSV: {str(exc).strip()}", where=path)
    df.columns = [str(c).strip() for c in df.columns]
    return RawTable(frame=df, lines=record_lines(blob, len(df)), blob=blob)


def record_lines(blob: bytes, n_rows: int) -> list[int]:
    """The physical line each data row starts on. pandas skips blank lines and a quoted field
    may span lines, so row i is not always on line i + 2; falls back to i + 2 if unsure."""
    starts, end = [], 0
    try:
        reader = csv.reader(io.StringIO(blob.decode("utf-8-sig")))
        for rec in reader:
            if rec and not (len(rec) == 1 and not rec[0].strip()):  # the lines pandas skips
                starts.append(end + 1)
            end = reader.line_num
    except (csv.Error, UnicodeDecodeError):
        starts = []
    rows = starts[1:]  # the first record is the header
    return rows if len(rows) == n_rows else list(range(2, n_rows + 2))


def records(text: str) -> list[list[str]]:
    """Every line of CSV `text` as a list of cells, header or not (a numeric grid such as a
    clients x sites cost matrix); blank lines come back as empty lists."""
    return list(csv.reader(text.splitlines()))
