"""The backend interface: options in, a `SolveResult` out, three steps inside.

Each backend is an adapter: translate the neutral `Model` into the solver's API, run it, and
interpret the status through one table that tests can read (`STATUS_MAP`). Backends must
not mutate the model, must turn limits into data (never exceptions), and must be importable
without loading their native library: the import happens inside `run()`.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

from siteplan.model.ir import Model
from siteplan.result import SolveResult


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
    extra: dict = field(default_factory=dict)
    #: called during the solve with {"seconds", "incumbent", "bound", "nodes"} (the arrays'
    #: minimising sense, offset included) by backends that can report; a live callback, so
    #: not part of `as_dict` (which stores and ships options)
    progress: Callable[[dict], None] | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "progress"}


class Backend(ABC):
    """One solver route. Subclasses set the class attributes and implement `run`."""

    name: str = ""
    #: the Python module whose presence makes this backend available
    module: str = ""
    #: distribution name for the version string
    distribution: str = ""
    #: module prefixes whose native libraries clash with ours in one process
    clashes: tuple[str, ...] = ()
    #: prefixes of modules this backend loads (checked against other backends' clashes)
    loads: tuple[str, ...] = ()
    supports_warm_start: bool = False
    description: str = ""

    def available(self) -> tuple[bool, str]:
        """(available, reason) without importing the native library."""
        if importlib.util.find_spec(self.module.split(".")[0]) is None:
            return False, f"python module {self.module!r} is not installed"
        return True, ""

    def version(self) -> str:
        try:
            return importlib.metadata.version(self.distribution or self.module)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    @abstractmethod
    def run(self, model: Model, options: SolveOptions) -> SolveResult:
        """Translate, solve and interpret, in this process."""
