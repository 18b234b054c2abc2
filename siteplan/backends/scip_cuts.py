"""SCIP's side of the cut callback: a constraint handler that asks a `Separator` for rows.

Why a constraint handler: SCIP calls it at every LP point of its own branch and bound, so a
Benders method adds cuts inside one search tree instead of re-solving masters.
  * separate (fractional LP points, every node): the separator's user cuts;
  * enforce (integral LP points; enforcement priority below integrality's) and check (any
    candidate solution, heuristics' included): the separator's lazy rows. An enforced
    point that violates one gets it as a cut; a checked one is rejected;
  * locks: a variable is locked in the directions the separator declares (`locks()`, else
    both), so presolve and rounding heuristics never move it where a hidden row could break.
Every row goes to the LP and to SCIP's global cut pool, which re-separates it at later nodes
in C. Restarts and symmetry handling are switched off: both would work on a problem SCIP
thinks it knows completely. Imported only inside `ScipBackend._run` (pyscipopt loaded).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyscipopt
from pyscipopt import SCIP_RESULT

from siteplan.model.cuts import CutRows, Separator

#: relative violation below which a row counts as satisfied
VIOLATION_TOL = 1e-6


class CutHandler(pyscipopt.Conshdlr):
    """The separator's rows, added where SCIP's callbacks ask (see the module docstring)."""

    def __init__(self, svars: list[Any], index: np.ndarray, n_vars: int, separator: Separator):
        self.svars, self.index, self.n_vars, self.separator = svars, index, n_vars, separator
        self.tvars: list[Any] | None = None
        self.error: BaseException | None = None
        self.calls = {"separate": 0, "enforce": 0, "check": 0}
        self.rows_added = 0

    # ---- helpers
    def _vars(self) -> list[Any]:
        if self.tvars is None:
            self.tvars = [self.model.getTransformedVar(v) for v in self.svars]
        return self.tvars

    def _point(self, sol: Any) -> np.ndarray:
        x = np.zeros(self.n_vars)
        x[self.index] = [self.model.getSolVal(sol, v) for v in self._vars()]
        return x

    def _ask(self, x: np.ndarray, integral: bool) -> CutRows | None:
        """Violated rows at x, or None; a Python error stops SCIP and is re-raised later."""
        if self.error is not None:
            return None
        try:
            rows = self.separator.separate(x, integral)
            if getattr(self.separator, "stop_requested", False):
                self.model.interruptSolve()  # the separator wants to restart (cuts.py)
            if rows is None or rows.n_rows == 0:
                return None
            keep = rows.violated(x, VIOLATION_TOL)
            return rows.subset(keep) if keep.any() else None
        except BaseException as exc:  # noqa: BLE001 - Ctrl-C included: stop SCIP, raise after
            self.error = exc
            self.model.interruptSolve()
            return None

    def _add(self, rows: CutRows) -> bool:
        """Rows into the LP and the global pool; True if one is infeasible at this node."""
        tv = self._vars()
        pos = np.empty(self.n_vars, dtype=np.int64)
        pos[self.index] = np.arange(self.index.size)
        infeasible = False
        for r in range(rows.n_rows):
            lo, hi = float(rows.lb[r]), float(rows.ub[r])
            row = self.model.createEmptyRowUnspec(
                name=f"cut{self.rows_added}", lhs=lo if np.isfinite(lo) else None,
                rhs=hi if np.isfinite(hi) else None, local=False, removable=True)
            self.model.cacheRowExtensions(row)
            s, e = rows.indptr[r], rows.indptr[r + 1]
            for j, a in zip(rows.indices[s:e].tolist(), rows.data[s:e].tolist()):
                self.model.addVarToRow(row, tv[pos[j]], a)
            self.model.flushRowExtensions(row)
            infeasible = self.model.addCut(row, forcecut=True) or infeasible
            self.model.addPoolCut(row)
            self.model.releaseRow(row)
            self.rows_added += 1
        return infeasible

    def _separate_lp(self, integral: bool) -> dict[str, Any]:
        rows = self._ask(self._point(None), integral)
        if rows is None:
            return {"result": SCIP_RESULT.FEASIBLE if integral else SCIP_RESULT.DIDNOTFIND}
        if self._add(rows):
            return {"result": SCIP_RESULT.CUTOFF}
        return {"result": SCIP_RESULT.SEPARATED}

    # ---- SCIP callbacks
    def conssepalp(self, constraints: Any, nusefulconss: int) -> dict[str, Any]:
        self.calls["separate"] += 1
        return self._separate_lp(integral=False)

    def consenfolp(self, constraints: Any, nusefulconss: int, solinfeasible: bool) -> dict[str, Any]:
        self.calls["enforce"] += 1
        return self._separate_lp(integral=True)

    def consenfops(self, constraints: Any, nusefulconss: int, solinfeasible: bool,
                   objinfeasible: bool) -> dict[str, Any]:
        self.calls["enforce"] += 1
        rows = self._ask(self._point(None), integral=True)
        return {"result": SCIP_RESULT.FEASIBLE if rows is None else SCIP_RESULT.INFEASIBLE}

    def conscheck(self, constraints: Any, solution: Any, checkintegrality: bool,
                  checklprows: bool, printreason: bool, completely: bool) -> dict[str, Any]:
        self.calls["check"] += 1
        rows = self._ask(self._point(solution), integral=True)
        return {"result": SCIP_RESULT.FEASIBLE if rows is None else SCIP_RESULT.INFEASIBLE}

    def conslock(self, constraint: Any, locktype: Any, nlockspos: int, nlocksneg: int) -> None:
        down, up = _locks(self.separator, self.n_vars)
        both = nlockspos + nlocksneg
        orig = constraint.isOriginal()
        for k, v in enumerate(self.svars):
            var = v if orig else self.model.getTransformedVar(v)
            j = int(self.index[k])
            self.model.addVarLocksType(var, locktype, both if down[j] else 0, both if up[j] else 0)

    # ---- after the solve
    def reraise(self) -> None:
        if self.error is not None:
            raise self.error

    def stats(self) -> dict[str, int]:
        return {f"callback_{k}": v for k, v in self.calls.items()} | {"cuts_added": self.rows_added}


def _locks(separator: Separator, n_vars: int) -> tuple[np.ndarray, np.ndarray]:
    """(down, up) masks: columns whose decrease (increase) could violate a hidden row."""
    fn = getattr(separator, "locks", None)
    if fn is None:
        return np.ones(n_vars, dtype=bool), np.ones(n_vars, dtype=bool)
    down, up = fn()
    return np.asarray(down, dtype=bool), np.asarray(up, dtype=bool)


def attach(s: Any, svars: list[Any], index: np.ndarray, n_vars: int,
           separator: Separator) -> CutHandler:
    """Include the handler (and its one constraint) in SCIP model `s`, before solving."""
    handler = CutHandler(svars, index, n_vars, separator)
    s.includeConshdlr(handler, "siteplan_cuts", "rows from a siteplan Separator",
                      sepapriority=1_000_000, enfopriority=-1, chckpriority=-1,
                      sepafreq=1, propfreq=-1, eagerfreq=-1, maxprerounds=0,
                      delaysepa=False, needscons=True)
    cons = s.createCons(handler, "siteplan_cuts", initial=False, separate=True, enforce=True,
                        check=True, propagate=False, local=False, modifiable=False,
                        dynamic=False, removable=False, stickingatnode=False)
    s.addPyCons(cons)
    s.setParam("presolving/maxrestarts", 0)  # the handler keeps transformed variables
    s.setParam("misc/usesymmetry", 0)  # symmetry found without the hidden rows is not one
    # every candidate costs a Python check here: skip the LP-rounding heuristics that mostly
    # propose rejected points, and trust pseudo-costs early (pmed36: 45 s -> 37 s)
    for name in ("shifting", "randrounding", "rens"):
        s.setParam(f"heuristics/{name}/freq", -1)
    s.setParam("branching/relpscost/maxreliable", 1.0)
    if getattr(separator, "lean_search", False):
        # the separator's rows carry the bound and the caller's start is strong: on such a
        # master (pmed39, load 11-16) SCIP's dives and LNS found nothing in 17 s of 47,
        # aggregation (c-MIR, flow cover) spent 4.7 s of 10.6 on pmed22 for one applied cut,
        # and strong branching on LPs with thousands of dense cuts costs more than the
        # nodes it saves (pmed39 43 s -> 29 s, pmed22 7.6 s -> 4.1 s with pseudo-costs)
        s.setHeuristics(pyscipopt.SCIP_PARAMSETTING.OFF)
        s.setParam("conflict/enable", False)
        s.setParam("separating/aggregation/freq", -1)
        s.setParam("branching/pscost/priority", 100_000_000)
        # with a start that is (nearly) optimal the order of the nodes hardly changes how
        # many are opened, while depth first re-solves each child from its parent's basis;
        # every 10th node is the best-bound one, so a weaker start cannot trap the search
        # in one subtree (pure depth first: rl1304 p=100, start 0.37% above the optimum,
        # 117 nodes against 49 by default; with the jumps 61). Two separation rounds per
        # node instead of unlimited (the pool's rows come back in C anyway). One thread,
        # load 3-7, CPU s: pmed36 11.6-13.3 -> 7.6-8.1 (322 -> 237 nodes, with 150 cuts per
        # call in `pmedian_bbc`), rl1304 p=100 3.5-3.7 -> 3.7
        s.setParam("nodeselection/restartdfs/stdpriority", 1_000_000)
        s.setParam("nodeselection/restartdfs/selectbestfreq", 10)
        s.setParam("separating/maxrounds", 2)
    return handler
