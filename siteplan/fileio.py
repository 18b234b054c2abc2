"""Atomic file writes: a temp file in the same folder, then rename, so a crash or kill never
leaves a half-written output and never destroys the previous good one.

Bounded reads: input files are read only if they are regular files, and never more than a
limit of bytes, so /dev/zero, a FIFO or a huge file cannot exhaust memory or hang a command."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from siteplan.errors import InputError

if TYPE_CHECKING:  # pandas costs ~0.15 CPU s to import; only the CSV writer needs it
    import pandas as pd


def _amount(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n} bytes"


def check_regular(path: str | Path, what: str, fix: str = "check the path") -> None:
    """Refuse a missing path or anything but a regular file (a folder, device or FIFO)
    before opening it: opening a FIFO blocks, reading a device may never end."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(f"{what} not found", where=str(path), fix=fix) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", where=str(path)) from None
    if not stat.S_ISREG(mode):
        kind = "a folder, not a regular file" if stat.S_ISDIR(mode) else "not a regular file"
        raise InputError(f"{what} is {kind}", where=str(path), fix="give the path of a regular file")


def read_bounded(path: str | Path, limit: int, what: str, fix: str = "check the path") -> bytes:
    """The bytes of a regular file of at most `limit` bytes, else a clear `InputError`.

    Counts the bytes actually read (limit + 1 at most), not the size stat reports, which a
    special file or a growing file can get wrong. `fix` is the hint for a missing file."""
    check_regular(path, what, fix)
    try:  # O_NONBLOCK: if a FIFO replaced the file since the check, open must not wait
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise InputError(f"{what} is not a regular file", where=str(path))
            blob = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", where=str(path)) from None
    if len(blob) > limit:
        raise InputError(f"{what} is more than {_amount(limit)}, the limit for it", where=str(path))
    return blob


def read_text_bounded(path: str | Path, limit: int, what: str, fix: str = "check the path") -> str:
    """`read_bounded` decoded as UTF-8 (a leading byte-order mark is dropped)."""
    try:
        return read_bounded(path, limit, what, fix).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{what} is not UTF-8 text", where=str(path), fix="save it as UTF-8") from None


def write_bytes_atomic(path: str | Path, blob: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are for sharing
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | Path, text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | Path, obj) -> Path:
    return write_text_atomic(path, json.dumps(obj, ensure_ascii=False, indent=1, default=_jsonable) + "\n")


def write_csv_atomic(path: str | Path, rows: list[dict] | pd.DataFrame, columns=None) -> Path:
    import pandas as pd

    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows, columns=columns)
    return write_text_atomic(path, df.to_csv(index=False))


def _jsonable(o):
    import numpy as np

    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if hasattr(o, "model_dump"):
        return o.model_dump()
    return str(o)
