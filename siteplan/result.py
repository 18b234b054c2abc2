"""What a solver run is asked (`SolveOptions`) and what it produced (`SolveResult`): why it
stopped, kept apart from what it found.

A time limit is data (`Termination.FEASIBLE` with `limit="time"`, or `NO_SOLUTION_FOUND`),
never an exception. Objective and bound are in the model's minimisation sense; use
`Model.user_objective` for the user's sense.

These types are solver-neutral: model code (the classic location models) uses them and a
`Solver` handed in by its caller, and never imports `siteplan.backends` itself.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

import numpy as np

if TYPE_CHECKING:
    from siteplan.model.ir import Model


class ProgressEvent(TypedDict):
    """What a backend reports during a solve (the arrays' minimising sense, offset included)."""

    seconds: float
    incumbent: float | None
    bound: float | None
    nodes: int


@dataclass
class SolveOptions:
    """Options common to every backend, plus `extra` passed through untouched."""

    time_limit: float | None = None  # seconds
    mip_gap: float | None = None  # relative gap at which to stop
    abs_gap: float | None = None  # absolute gap at which to stop
    threads: int | None = None
    seed: int | None = None
    log: bool = False
    isolation: str = "auto"  # auto | inline | process
    memory_limit_mb: int | None = None  # enforced in process isolation
    #: solver-specific options by the solver's own names; an unknown name is an
    #: `UnknownOptionError` on every backend
    extra: dict[str, Any] = field(default_factory=dict)
    #: called during the solve with a `ProgressEvent` by backends that can report; a live
    #: callback, so not part of `as_dict` (which stores and ships options)
    progress: Callable[[ProgressEvent], None] | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "progress"}


class Termination(str, enum.Enum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a limit was hit and an incumbent exists
    NO_SOLUTION_FOUND = "no_solution_found"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        return self in (Termination.OPTIMAL, Termination.FEASIBLE)


def has_plan(status: object) -> bool:
    """Whether a run status as stored (plain text: plan.json, the run store, bench rows)
    names a run that found a plan."""
    return status in (Termination.OPTIMAL.value, Termination.FEASIBLE.value)


LIMITS = ("time", "nodes", "gap", "solutions", "memory", "interrupt", "iterations", "other")


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / max(|objective|, 1e-9); None when either is unknown."""
    if objective is None or bound is None:
        return None
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


@dataclass
class SolveResult:
    backend: str
    status: Termination
    limit: str | None = None
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    x: np.ndarray | None = None
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    nodes: int | None = None
    backend_version: str = ""
    message: str = ""
    isolation: str = "inline"  # inline | process
    peak_memory_mb: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """JSON-ready view without the solution vector."""
        d = asdict(self)
        d.pop("x")
        d["status"] = self.status.value
        return d


class Solver(Protocol):
    """A backend route bound by the caller (`siteplan.backends.solver_for`): what model code
    needs to solve without importing the backends."""

    @property
    def name(self) -> str: ...

    def version(self) -> str: ...

    def __call__(self, model: Model, options: SolveOptions | None = None) -> SolveResult: ...
