"""What a solver run produced: why it stopped, kept apart from what it found.

A time limit is data (`Termination.FEASIBLE` with `limit="time"`, or `NO_SOLUTION_FOUND`),
never an exception. Objective and bound are in the model's minimisation sense; use
`Model.user_objective` for the user's sense.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field

import numpy as np


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
    extra: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """JSON-ready view without the solution vector."""
        d = asdict(self)
        d.pop("x")
        d["status"] = self.status.value
        return d
