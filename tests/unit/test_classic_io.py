"""Parsers for the public formats: the facts that decide published optima."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from benchdata import BENCH, needs_bench

from siteplan.classic.io import (
    floor_euclidean,
    guess_format,
    read_any,
    read_matrix,
    read_orlib_cap,
    read_orlib_pmed,
    read_tsplib,
    read_ufllib,
)
from siteplan.errors import InputError


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


# ---------------------------------------------------------------- pmed


def test_pmed_last_repeated_edge_wins(tmp_path):
    # edge 1-2 given twice: 10 then 3; the last (3) counts, so d(1,3) = 3 + 4
    p = write(tmp_path, "pmedx.txt", " 3 3 1\n 1 2 10\n 2 3 4\n 2 1 3\n")
    d = read_orlib_pmed(p)
    assert d.p == 1
    assert d.cost[0, 1] == 3 and d.cost[1, 0] == 3
    assert d.cost[0, 2] == 7
    assert np.all(np.diag(d.cost) == 0)
    assert d.meta["repeated_edges"] == 1


def test_pmed_truncated_and_bad_vertex(tmp_path):
    with pytest.raises(InputError, match="promises 3 edges"):
        read_orlib_pmed(write(tmp_path, "pmedt.txt", "3 3 1\n1 2 1\n2 3 1\n"))
    with pytest.raises(InputError) as e:
        read_orlib_pmed(write(tmp_path, "pmedb.txt", "3 2 1\n1 2 1\n2 9 1\n"))
    assert ":3" in e.value.render() and "outside" in e.value.message


def test_pmed_disconnected(tmp_path):
    with pytest.raises(InputError, match="not connected"):
        read_orlib_pmed(write(tmp_path, "pmedd.txt", "3 1 1\n1 2 1\n"))


@needs_bench
def test_pmed1_file():
    d = read_orlib_pmed(BENCH / "orlib/pmed/pmed1.txt")
    assert d.cost.shape == (100, 100) and d.p == 5
    assert np.allclose(d.cost, d.cost.T)
    assert d.meta["repeated_edges"] >= 2


# ---------------------------------------------------------------- cap


CAP_TEXT = """2 3
 10 100.
 capacity 50.
 4
 1.5 2.5
 5
 3 1
 6
 2 2
"""


def test_cap_capacity_word_substitution(tmp_path):
    p = write(tmp_path, "capx.txt", CAP_TEXT)
    with pytest.raises(InputError, match="capacity"):
        read_orlib_cap(p)
    d = read_orlib_cap(p, capacity=7)
    assert list(d.capacity) == [10, 7]
    assert list(d.fixed_cost) == [100, 50]
    assert list(d.demand) == [4, 5, 6]
    assert d.cost.shape == (3, 2) and d.cost[1, 0] == 3 and d.cost[0, 1] == 2.5
    assert d.meta["symbolic_capacity"]


def test_cap_trailing_and_bad_tokens(tmp_path):
    with pytest.raises(InputError, match="unexpected values"):
        read_orlib_cap(write(tmp_path, "capt.txt", CAP_TEXT + " 9\n"), capacity=1)
    with pytest.raises(InputError) as e:
        read_orlib_cap(write(tmp_path, "capb.txt", CAP_TEXT.replace("3 1", "3 x")), capacity=1)
    assert "capb.txt:7" in e.value.render()


@needs_bench
def test_capa_capacities():
    d = read_orlib_cap(BENCH / "orlib/cap/capa.txt", capacity=8000)
    assert d.cost.shape == (1000, 100)
    assert np.all(d.capacity == 8000)
    assert d.fixed_cost[0] == 2141200.0


@needs_bench
def test_cap41_shape():
    d = read_orlib_cap(BENCH / "orlib/cap/cap41.txt")
    assert d.cost.shape == (50, 16) and d.capacity[0] == 5000 and d.fixed_cost[10] == 0


# ---------------------------------------------------------------- UflLib / TSPLIB / matrix


def test_ufllib_sobolev(tmp_path):
    p = write(tmp_path, "t.txt", "FILE: t.txt\n2 3 0\n1 5 1 2 3\n2 7 4 5 6\n")
    d = read_ufllib(p)
    assert d.cost.shape == (3, 2)
    assert list(d.fixed_cost) == [5, 7]
    assert list(d.cost[:, 1]) == [4, 5, 6]
    with pytest.raises(InputError, match="out of order"):
        read_ufllib(write(tmp_path, "u.txt", "FILE: u\n2 1 0\n2 5 1\n1 7 4\n"))


def test_ufllib_m_layout(tmp_path):
    p = write(tmp_path, "MX", "2 2\n0 3.5\n0 4\n1 1 2\n1 3 4\n")
    d = read_any(p, "ufllib-m")
    assert d.capacity is None and list(d.fixed_cost) == [3.5, 4]
    assert d.cost.tolist() == [[1, 2], [3, 4]]


def test_tsplib_floor_euclidean(tmp_path):
    p = write(tmp_path, "t3.tsp", "NAME : t3\nTYPE : TSP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : "
                                  "EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3 4\n3 1.9 0\nEOF\n")
    d = read_tsplib(p)
    assert d.cost[0, 1] == 5 and d.cost[0, 2] == 1  # floor(1.9), not nint
    with pytest.raises(InputError, match="DIMENSION is 4"):
        read_tsplib(write(tmp_path, "t4.tsp", "DIMENSION : 4\nNODE_COORD_SECTION\n1 0 0\nEOF\n"))


@needs_bench
def test_tsplib_file():
    d = read_tsplib(BENCH / "tsplib_pmedian/rl1304.tsp")
    assert d.cost.shape == (1304, 1304)
    assert np.all(d.cost == np.floor(d.cost))
    # the plain formula, pair by pair
    pts = d.coords
    for i in range(0, 1304, 97):
        ref = [math.floor(math.sqrt((pts[i, 0] - x) ** 2 + (pts[i, 1] - y) ** 2) + 1e-9)
               for x, y in pts]
        assert d.cost[i].tolist() == ref


def test_floor_euclidean_blocks():
    a = np.random.default_rng(0).random((50, 2)) * 100
    ref = np.floor(np.sqrt(((a[:, None] - a[None]) ** 2).sum(-1)) + 1e-9)
    assert np.array_equal(floor_euclidean(a, a), ref)
    # more than one block of rows (4M values each), and two different point sets
    rng = np.random.default_rng(1)
    a, b = rng.random((1700, 2)) * 1000, rng.random((3000, 2)) * 1500  # 1,333 rows a block
    ref = np.floor(np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1)) + 1e-9)
    assert np.array_equal(floor_euclidean(a, b), ref)


def test_matrix_csv_and_npy(tmp_path):
    p = write(tmp_path, "m.csv", "client,s1,s2\na,1,2\nb,3,4\n")
    assert read_matrix(p).cost.tolist() == [[1, 2], [3, 4]]
    q = write(tmp_path, "n.csv", "1,2\n3,4\n")
    assert read_matrix(q).cost.tolist() == [[1, 2], [3, 4]]
    with pytest.raises(InputError) as e:
        read_matrix(write(tmp_path, "bad.csv", "1,2\n3,x\n"))
    assert "bad.csv:2" in e.value.render()
    np.save(tmp_path / "m.npy", np.array([[1.0, 2.0]]))
    assert read_matrix(tmp_path / "m.npy").cost.shape == (1, 2)
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InputError):
        read_matrix(tmp_path / "o.npy")


def test_guess_format(tmp_path):
    assert guess_format("x/pmed3.txt") == "orlib-pmed"
    assert guess_format("cap41.txt") == "orlib-cap"
    assert guess_format("a.tsp") == "tsplib"
    assert guess_format("a.npy") == "matrix"
    with pytest.raises(InputError, match="--format"):
        guess_format(write(tmp_path, "mystery", "1 2 3"))


TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny" / "tiny.yaml"


@pytest.mark.skipif(not TINY.exists(), reason="scenarios/tiny not present")
def test_scenario_adapter():
    from siteplan.backends import solver_for
    from siteplan.classic.models import PMedian

    d = read_any(TINY)
    assert d.meta["format"] == "scenario"
    assert d.cost.shape == (len(d.meta["committee_ids"]), len(d.meta["site_ids"]))
    assert np.all(d.demand > 0) and np.all(d.cost > 0)
    r = PMedian(d, p=1).solve(solver_for("highs"))
    assert r.check.ok and r.objective == pytest.approx(r.check.objective)
