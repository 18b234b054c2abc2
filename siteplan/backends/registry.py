"""Backend routes by name. Modules are imported lazily: listing never loads a solver."""

from __future__ import annotations

import importlib
from typing import TypedDict

from siteplan.backends.base import Backend
from siteplan.errors import SolverError

#: route -> "module:Class"; the adapter modules import no native code at top level
ROUTES: dict[str, str] = {
    "highs": "siteplan.backends.highs:HighsBackend",
    "pulp-cbc": "siteplan.backends.pulp_cbc:PulpCbcBackend",
    "ortools-scip": "siteplan.backends.ortools_mp:OrtoolsScipBackend",
    "ortools-cpsat": "siteplan.backends.ortools_mp:OrtoolsCpSatBackend",
    "scip": "siteplan.backends.scip:ScipBackend",
    "race": "siteplan.backends.race:RaceBackend",
    "adaptive": "siteplan.backends.adaptive:AdaptiveBackend",
}

#: chosen by measurement (see README "Choosing the default backend"): the solver of classic
#: models, benchmarks and LPs when none is named
DEFAULT_BACKEND = "highs"
#: the route of a planning scenario that names none (nor does the command): HiGHS, and SCIP
#: for a coverage phase that reaches few residents (`siteplan.backends.adaptive`)
SCENARIO_BACKEND = "adaptive"


def get_backend(name: str) -> Backend:
    if name not in ROUTES:
        raise SolverError(
            f"unknown solver backend {name!r}",
            fix=f"use one of: {', '.join(ROUTES)} (see `siteplan solvers`)",
        )
    mod_name, cls_name = ROUTES[name].split(":")
    try:
        module = importlib.import_module(mod_name)
    except ModuleNotFoundError as exc:  # adapter not written or broken install
        raise SolverError(f"backend {name!r} cannot be loaded: {exc}") from exc
    backend: Backend = getattr(module, cls_name)()
    return backend


class BackendRow(TypedDict):
    """One route as `siteplan solvers` lists it."""

    name: str
    available: bool
    reason: str
    version: str
    description: str
    default: bool
    clashes: list[str]
    warm_start: bool
    cut_callback: bool


def list_backends() -> list[BackendRow]:
    """Name, availability, reason and version of every route, without loading solvers."""
    rows: list[BackendRow] = []
    for name in ROUTES:
        try:
            b = get_backend(name)
        except SolverError as exc:
            rows.append({"name": name, "available": False, "reason": exc.message, "version": "",
                         "description": "", "default": name == SCENARIO_BACKEND, "clashes": [],
                         "warm_start": False, "cut_callback": False})
            continue
        ok, why = b.available()
        rows.append(
            {
                "name": name,
                "available": ok,
                "reason": why,
                "version": b.version() if ok else "",
                "description": b.description,
                "default": name == SCENARIO_BACKEND,
                "clashes": list(b.clashes),
                "warm_start": b.supports_warm_start,
                "cut_callback": b.supports_cut_callback,
            }
        )
    return rows


def lp_backend(preferred: str | None = None) -> str:
    """A route that solves LPs exactly (`Backend.solves_lp`): `preferred` when it does, else
    the default route, else the first available route that does."""
    for name in (preferred, DEFAULT_BACKEND, *ROUTES):
        if name is None:
            continue
        b = get_backend(name)
        if b.solves_lp and (name == preferred or b.available()[0]):
            return name
    raise SolverError("no available backend solves linear programs exactly",
                      fix="install highspy (pip install -e .)")


def cut_callback_backend(preferred: str | None = None) -> str | None:
    """A route whose backend calls a cut `Separator` (`Backend.supports_cut_callback`):
    `preferred` when it does, else the first available one; None if there is none."""
    for name in (preferred, *ROUTES):
        if name is None:
            continue
        b = get_backend(name)
        if b.supports_cut_callback and b.available()[0]:
            return name
    return None
