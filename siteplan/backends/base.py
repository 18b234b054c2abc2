"""The backend interface: options in, a `SolveResult` out, three steps inside.

Each backend is an adapter: translate the neutral `Model` into the solver's API, run it, and
interpret the status through one table that tests can read (`STATUS_MAP`). Backends must
not mutate the model, must turn limits into data (never exceptions), and must be importable
without loading their native library: the import happens inside `run()`.

What every backend shares lives here, once, and callers use `Backend.solve` (never `run`):
  * `solve` = `run` + `common.finish_result`, the one clean-up of a result (no point without
    a solution, a point that fails the model is no solution, bound and gap made consistent);
  * `has_solution` / `settle_inf_or_unbd`: "infeasible or unbounded" settled by solving the
    zero-objective model with the same backend;
  * `unknown_option`: the one error for an option name the solver does not know
    (`UnknownOptionError`, same message on every backend, inline or in a worker);
  * capabilities (`supports_warm_start`, `solves_lp`, `supports_cut_callback`,
    `kept_instance`) that callers ask instead of names. Cut callbacks (`solve_with_cuts`): SCIP yes (a constraint handler);
    HiGHS no (its Python API fires no MIP callback that adds rows); CBC through PuLP and
    OR-Tools' MPSolver no (no Python callback into their branch and bound).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any, ClassVar, Protocol

from siteplan.errors import SolverError, UnknownOptionError
from siteplan.model.cuts import Separator
from siteplan.model.ir import Model
from siteplan.result import SolveOptions, SolveResult, Termination

__all__ = ["Backend", "SolveOptions"]


class KeptInstance(Protocol):
    """A solver instance kept between solves of models that differ only in bounds, costs and
    right-hand sides (`siteplan.backends.session`): `run` is `Backend.run` on such a model."""

    def fits(self, model: Model) -> bool:
        """Whether `model` has the structure (matrix, integer columns) of the one held."""

    def run(self, model: Model, options: SolveOptions) -> SolveResult:
        """Solve `model`, which `fits`, in the kept instance."""


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
    #: True when the backend calls a `Separator` from inside its branch and bound (lazy
    #: constraints at integer points, user cuts at fractional ones): `solve_with_cuts`
    supports_cut_callback: bool = False
    #: True when the backend solves a model with continuous variables exactly (an LP gets its
    #: true optimum); False for a solver that restricts continuous variables to a grid
    solves_lp: bool = True
    #: the backend's own option settings measured to speed up set-covering MIPs (LSCP cores,
    #: p-center probes, the MCLP core); `classic.models.covering_options` adds them under the
    #: user's own
    covering_extra: ClassVar[Mapping[str, object]] = MappingProxyType({})
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
        """Translate, solve and interpret, in this process (the adapter's own part)."""

    def solve(self, model: Model, options: SolveOptions) -> SolveResult:
        """`run`, then the clean-up every backend's result gets (`common.finish_result`)."""
        from siteplan.backends.common import finish_result

        return finish_result(model, self.run(model, options))

    def resolve(self, model: Model, options: SolveOptions) -> tuple[str, dict[str, Any] | None]:
        """The route that solves `model` and why (JSON-ready), for a route that picks another
        per model (`adaptive`); every other backend solves it itself: (its name, None)."""
        return self.name, None

    def kept_instance(self, model: Model) -> KeptInstance | None:
        """A solver instance holding `model` for re-solves after bound changes, or None when this
        backend cannot keep one (the default: every solve builds its model afresh)."""
        return None

    def solve_with_cuts(self, model: Model, options: SolveOptions, separator: Separator) -> SolveResult:
        """`solve`, with `separator` asked for rows at the solver's LP points (in this process:
        a live callback cannot cross to a worker). Only where `supports_cut_callback`."""
        from siteplan.backends.common import finish_result

        if not self.supports_cut_callback:
            raise SolverError(f"backend {self.name!r} has no cut callback",
                              fix="use a backend whose `siteplan solvers` row shows cut_callback")
        return finish_result(model, self.run_with_cuts(model, options, separator))

    def run_with_cuts(self, model: Model, options: SolveOptions, separator: Separator) -> SolveResult:
        """The adapter's part of `solve_with_cuts`; backends with the capability override it."""
        raise NotImplementedError

    def has_solution(self, model: Model, options: SolveOptions) -> bool | None:
        """True if this backend finds a point of `model`, False if it proves there is none,
        None if it cannot tell (a limit, or a solver that restricts the model)."""
        res = self.solve(model, replace(options, progress=None))
        if res.status.has_solution:
            return True
        return False if res.status == Termination.INFEASIBLE else None

    def settle_inf_or_unbd(self, model: Model, options: SolveOptions) -> Termination:
        """UNBOUNDED, INFEASIBLE or NO_SOLUTION_FOUND for a solver's "infeasible or unbounded"."""
        from siteplan.backends.common import settle_inf_or_unbd

        return settle_inf_or_unbd(model, lambda m: self.has_solution(m, options))

    def unknown_option(self, key: str, fix: str) -> UnknownOptionError:
        """The error for an `extra` option this backend's solver does not know."""
        return UnknownOptionError(self.name, str(key), fix)
