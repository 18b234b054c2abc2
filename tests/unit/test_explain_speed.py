"""The faster explain keeps its findings: tiers proven from the LP bound and the lattice of
whole steps, prices and --binding nudges solved side by side in processes, in order."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from tinycity import four_committees, write_city

from siteplan.analysis.binding import binding_report
from siteplan.analysis.explain import explain_infeasible
from siteplan.analysis.lattice import Lattice, tier_lattice
from siteplan.model.ir import INF, Model

#: findings of `explain` before the change (commit 17dd63b: every tier a MIP, prices one
#: after another): (group, rule, amount, price capex, price opex a year)
BEFORE = {
    "opex": ({"budget": {"opex_per_year": 1_700_000}},
             [("density", "workers_per_10k_urban", 1.0, None, 100_000.0)]),
    "capex": ({"budget": {"capex": 1_000_000}}, [("capex", "budget", 200_000.201, None, None)]),
    "bands": ({"standards": {"committee_workers": [{"households": [0, None], "min": 1, "max": 3}]}},
              [("band_high", "committee_workers", 6.0, None, None)]),
    "both": ({"budget": {"capex": 1_000_000, "opex_per_year": 1_500_000}},
             [("capex", "budget", 200_000.201, None, None),
              ("density", "workers_per_10k_urban", 3.0, 200_000.0, 300_000.0),
              ("band_low", "committee_workers", 1.0, 200_000.0, 100_000.0)]),
}


def _findings(diag):
    return [(s.group, s.rule, s.amount, (s.price or {}).get("capex"), (s.price or {}).get("opex_per_year"))
            for s in diag.shortfalls]


@pytest.mark.parametrize("case", sorted(BEFORE))
def test_same_findings_as_before(tmp_path, case):
    scenario, before = BEFORE[case]
    got = _findings(explain_infeasible(four_committees(tmp_path, **scenario)))
    assert [g[:2] for g in got] == [b[:2] for b in before]  # the same shortfalls, same rules, same order
    for g, b in zip(got, before):
        assert g[2] == pytest.approx(b[2], rel=1e-4, abs=1.0)  # amounts: within the solvers' tolerance
        for gp, bp in zip(g[3:], b[3:]):
            assert (gp is None) == (bp is None) and (bp is None or gp == pytest.approx(bp, abs=1.0))


def test_tiers_say_how_they_were_proven(tmp_path):
    diag = explain_infeasible(four_committees(tmp_path, budget={"capex": 1_000_000, "opex_per_year": 1_500_000}))
    proofs = diag.solver["tier_proofs"]
    assert set(proofs) <= {"binding", "capacity", "resource", "standard", "expected", "default"}
    assert set(proofs.values()) <= {"zero", "lp", "lattice", "mip"}
    assert proofs["binding"] in ("zero", "lp", "mip")


def test_prices_in_two_processes_match_one_process_in_order(tmp_path):
    path = four_committees(tmp_path, budget={"capex": 1_000_000, "opex_per_year": 1_500_000})
    one = explain_infeasible(path, workers=1)
    two = explain_infeasible(path, workers=2)
    assert [s.text for s in two.shortfalls] == [s.text for s in one.shortfalls]
    assert [s.price for s in two.shortfalls] == [s.price for s in one.shortfalls]


def test_binding_nudges_in_two_processes_keep_their_order_and_values(tmp_path):
    path = write_city(
        tmp_path,
        [("C1", "S", "urban", 0, 0, 25_000, 50_000), ("C2", "S", "urban", 300, 0, 25_000, 50_000)],
        [("A", "S", 100, 0, "urban", 0, 10_000, 0, 100_000, 0),
         ("B", "S", 200, 0, "urban", 0, 0, 3_000, 100_000, 0)],
        costs={"worker_per_year": 120_000, "horizon_years": 5}, budget={"capex": 100_000_000},
        standards={"area_scope": "street", "committee_workers": [{"households": [0, None], "min": 0, "max": 1000}]},
    )
    one = binding_report(path, workers=1)
    two = binding_report(path, workers=2)
    assert [r.key for r in two.rows] == [r.key for r in one.rows]
    assert [r.text for r in two.rows] == [r.text for r in one.rows]
    assert next(r for r in two.rows if r.key == "workers_per_10k_urban").delta_total == pytest.approx(6e6, abs=1)


def test_lattice_proves_only_when_no_whole_step_lies_between():
    lat = Lattice(step=0.5, offset=0.2)  # values 0, 0.2, 0.7, 1.2, ...
    assert lat.ceil(0.0) == 0.0 and lat.ceil(0.1) == pytest.approx(0.2) and lat.ceil(0.3) == pytest.approx(0.7)
    assert lat.proves(0.7, 0.31)  # 0.2 < bound: nothing between
    assert not lat.proves(1.2, 0.31)  # 0.7 lies between
    assert not lat.proves(0.2, -1e-3)  # 0 may be reachable
    assert lat.proves(0.0, -1e-3)


def _one_row(coefs, integer, lb_row, a_short=1.0):
    """A model with one row Σ coefs·v + a_short·s >= lb_row; s is the last column."""
    n = len(coefs) + 1
    A = sp.csr_matrix(np.array([list(coefs) + [a_short]], dtype=float))
    return Model(name="t", c=np.zeros(n), lb=np.zeros(n), ub=np.full(n, INF),
                 integer=np.array(list(integer) + [False]), A=A, row_lb=np.array([lb_row]),
                 row_ub=np.array([INF]), var_blocks={}, row_blocks={}, offset=0.0, sense="min")


def test_tier_lattice_from_the_model():
    cost = np.array([0.0, 0.0, 2.0])
    lat = tier_lattice(_one_row([1, 1], [True, True], 10.4), cost)
    assert lat is not None and lat.step == pytest.approx(2.0) and lat.offset == pytest.approx(0.8)
    assert tier_lattice(_one_row([1, 1], [True, False], 10.4), cost) is None  # a continuous column
    assert tier_lattice(_one_row([1, 0.5], [True, True], 10.4), cost) is None  # a fractional coefficient
