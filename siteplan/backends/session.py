"""Solve a run of similar models (sweep points) in kept solver instances.

A budget sweep solves the same model again and again with one row bound changed. A
`SolverSession` keeps one solver instance per model structure it has seen (a max_coverage
point has two: the coverage phase and the least-cost phase with its coverage floor row) and
re-solves in it when the next model has the same matrix and integer columns, whatever key
the sweep varies; any other model, a backend that cannot keep an instance
(`Backend.kept_instance`) or one that must run in a worker process because a clashing
library is loaded here (`runner.choose_isolation`) is solved the ordinary way. A route that
picks the solver per model (`Backend.resolve`: adaptive) is resolved first, so its HiGHS
solves keep their instances too. The result
is the backend's usual one (`finish_result` applied), with `extra["model_reuse"]` saying
whether the instance was built or kept.
"""

from __future__ import annotations

from siteplan.backends.adaptive import pick, routed
from siteplan.backends.base import KeptInstance, SolveOptions
from siteplan.backends.common import finish_result
from siteplan.backends.registry import DEFAULT_BACKEND, get_backend
from siteplan.backends.runner import choose_isolation, loaded_clash, solve
from siteplan.model.ir import Model
from siteplan.result import SolveResult

#: kept instances per session (most recently used first); a max_coverage sweep needs two
KEEP = 2


class SolverSession:
    """Kept solver instances, most recently used first, at most `keep` of them."""

    def __init__(self, keep: int = KEEP):
        self.keep = keep
        self.kept: list[tuple[str, KeptInstance]] = []
        self.counts = {"built": 0, "kept": 0, "plain": 0}

    def solve(self, model: Model, backend: str | None = None, options: SolveOptions | None = None) -> SolveResult:
        """`siteplan.backends.solve`, in a kept instance where the backend offers one."""
        options = options or SolveOptions()
        b = get_backend(backend or DEFAULT_BACKEND)
        if not b.available()[0] or choose_isolation(b, options) != "inline" or loaded_clash(b):
            self.counts["plain"] += 1
            return solve(model, b.name, options)  # its own errors and worker-process path
        name, why, left, spent = pick(b, model, options)  # a route that picks the solver per model picks here
        if name != b.name:
            return routed(self.solve(model, name, left), name, why, spent)
        inst = self._find(b.name, model)
        if inst is None:
            inst = b.kept_instance(model)
            if inst is None:
                self.counts["plain"] += 1
                return solve(model, b.name, options)
            self.kept.insert(0, (b.name, inst))
            del self.kept[self.keep:]
            self.counts["built"] += 1
        else:
            self.counts["kept"] += 1
        res = finish_result(model, inst.run(model, options))
        res.isolation = "inline"
        return res

    def _find(self, name: str, model: Model) -> KeptInstance | None:
        """The kept instance of backend `name` that fits `model`, moved to the front."""
        for k, (n, inst) in enumerate(self.kept):
            if n == name and inst.fits(model):
                self.kept.insert(0, self.kept.pop(k))
                return inst
        return None

    def close(self) -> None:
        """Drop the kept instances (their solver memory goes with them)."""
        self.kept.clear()
