"""Solver profiles: a YAML file naming a backend route plus its options.

    backend: highs            # a route from `siteplan solvers`
    time_limit: 600           # seconds; the other SolveOptions fields may follow
    mip_gap: 1.0e-4
    extra: {presolve: "on"}   # passed to the solver untouched

Profiles are user input: read with `yaml.safe_load`, every key checked, and every problem
reported as an `InputError` that names the file, the key and the fix. `load_profile` also
accepts a bare profile name (`highs-fast`, looked up in ./solvers then the repository's
solvers/), or a bare backend route with no profile of that name (its default options).
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path

import yaml

from siteplan.backends.base import SolveOptions
from siteplan.backends.registry import ROUTES
from siteplan.errors import InputError
from siteplan.fileio import read_text_bounded

#: where bare profile names are looked up, in order
SEARCH_DIRS = (Path("solvers"), Path(__file__).resolve().parent.parent / "solvers")

MAX_PROFILE_BYTES = 64 << 10  # a profile is a dozen lines
ISOLATION_MODES = ("auto", "inline", "process")
KEYS = ("backend", "description", "time_limit", "mip_gap", "abs_gap", "threads", "seed", "log",
        "isolation", "memory_limit_mb", "extra")


def find_profile(name: str) -> Path | None:
    """The YAML file for a bare profile name, or None."""
    for d in SEARCH_DIRS:
        for candidate in (d / name, d / f"{name}.yaml", d / f"{name}.yml"):
            if candidate.is_file():
                return candidate
    return None


def list_profiles() -> list[Path]:
    """Profile files visible from here (./solvers first), one per name."""
    seen: dict[str, Path] = {}
    for d in SEARCH_DIRS:
        if d.is_dir():
            for p in sorted(d.glob("*.y*ml")):
                seen.setdefault(p.stem, p)
    return list(seen.values())


def load_profile(path_or_name: str | Path) -> tuple[str, SolveOptions]:
    """(backend route, SolveOptions) from a profile file, a profile name or a route."""
    text = str(path_or_name)
    path = Path(text)
    if not path.is_file():
        found = find_profile(text)
        if found is None and text in ROUTES:
            return text, SolveOptions()
        if found is None:
            names = sorted({p.stem for p in list_profiles()} | set(ROUTES))
            raise InputError(
                f"no solver profile or backend called {text!r}",
                where=text,
                fix=f"give a profile file path, or one of: {', '.join(names)}",
            )
        path = found
    return parse_profile(path)


def parse_profile(path: Path) -> tuple[str, SolveOptions]:
    where = str(path)
    try:
        data = yaml.safe_load(read_text_bounded(path, MAX_PROFILE_BYTES, "solver profile"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"solver profile is not valid YAML{at}", where=where,
                         fix="check indentation and quoting; see solvers/highs.yaml") from exc
    if not isinstance(data, dict):
        raise InputError("solver profile must be a mapping of keys to values", where=where,
                         fix="start with `backend: highs` (see solvers/highs.yaml)")
    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InputError(
                f"unknown key {key!r} in solver profile", where=where,
                fix=f"{hint}allowed keys: {', '.join(KEYS)}; "
                    "solver-specific options go under `extra:`",
            )
    backend = data.get("backend")
    if backend not in ROUTES:
        raise InputError(
            f"key 'backend' must be one of the solver routes, got {backend!r}", where=where,
            fix=f"set backend to one of: {', '.join(ROUTES)}",
        )
    opts = SolveOptions(
        time_limit=_number(data, "time_limit", where, positive=True),
        mip_gap=_number(data, "mip_gap", where),
        abs_gap=_number(data, "abs_gap", where),
        threads=_integer(data, "threads", where, minimum=1),
        seed=_integer(data, "seed", where, minimum=0),
        log=_boolean(data, "log", where),
        isolation=_isolation(data, where),
        memory_limit_mb=_integer(data, "memory_limit_mb", where, minimum=1),
        extra=_extra(data, where),
    )
    return backend, opts


def _bad(key: str, where: str, want: str, got) -> InputError:
    return InputError(f"key {key!r} must be {want}, got {got!r}", where=where,
                      fix=f"set {key}: to {want} (or remove it for the default)")


def _number(data: dict, key: str, where: str, *, positive: bool = False) -> float | None:
    v = data.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise _bad(key, where, "a number", v)
    if v < 0 or (positive and v == 0):
        raise _bad(key, where, "a positive number" if positive else "a number >= 0", v)
    return float(v)


def _integer(data: dict, key: str, where: str, *, minimum: int) -> int | None:
    v = data.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise _bad(key, where, f"an integer >= {minimum}", v)
    return v


def _boolean(data: dict, key: str, where: str) -> bool:
    v = data.get(key, False)
    if not isinstance(v, bool):
        raise _bad(key, where, "true or false", v)
    return v


def _isolation(data: dict, where: str) -> str:
    v = data.get("isolation", "auto")
    if v not in ISOLATION_MODES:
        raise _bad("isolation", where, f"one of {', '.join(ISOLATION_MODES)}", v)
    return v


def _extra(data: dict, where: str) -> dict:
    v = data.get("extra") or {}
    if not isinstance(v, dict):
        raise _bad("extra", where, "a mapping of solver option names to values", v)
    for k, val in v.items():
        if not isinstance(k, str):
            raise _bad("extra", where, "a mapping with option names as keys", k)
        if not (val is None or isinstance(val, (bool, int, float, str))):
            raise InputError(f"extra option {k!r} must be a single value, got {val!r}",
                             where=where, fix="give a number, string, true/false or null")
    return dict(v)
