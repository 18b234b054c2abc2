"""Run store, sweep grid and sweep analysis without any solver."""

from __future__ import annotations

import sqlite3

import pytest

from siteplan.analysis import compare
from siteplan.analysis.sweep import grid, parse_vary, point_key, sweep_identity
from siteplan.analysis.sweep_report import binding_rows, frontier_rows, is_monotone, slack
from siteplan.errors import InputError
from siteplan.runs.store import RunStore, resolve_store_path


def _record(status="optimal", covered=100, capex=1e6, tables=None):
    totals = {"capex": capex, "residents_covered": covered, "coverage_share": covered / 1000}
    plan = {"scenario": {"name": "s", "source": None}, "facilities": [], "committees": [], "totals": totals,
            "compliance": []}
    return {
        "scenario_name": "s", "scenario_hash": "abc", "source": "/x/s.yaml", "objective": "max_coverage",
        "status": status, "backend": "highs", "error": None, "overrides": {"budget.capex": capex},
        "options": {"time_limit": 10}, "resolved": {"name": "s", "data": {"sites": "inputs/sites.csv"}},
        "tables": tables if tables is not None else {"sites": b"id,x\nP1,0\n", "committees": b"id\nC1\n"},
        "summary": {"status": status}, "totals": totals if status == "optimal" else None,
        "compliance": [{"rule": "budget_capex", "scope": "city", "ok": True}] if status == "optimal" else None,
        "plan": plan if status == "optimal" else None,
    }


def test_write_and_read_back(tmp_path):
    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        a = store.add_run(_record(covered=100))
        b = store.add_run(_record(covered=200, capex=2e6))
        c = store.add_run(_record(status="infeasible"))
        run = store.get_run(b, with_tables=True)
        assert run["totals"]["residents_covered"] == 200
        assert run["overrides"] == {"budget.capex": 2e6}
        assert run["resolved"]["data"]["sites"] == "inputs/sites.csv"
        assert run["tables"] == {"sites": b"id,x\nP1,0\n", "committees": b"id\nC1\n"}
        assert store.get_run(c)["plan"] is None
        assert [r["id"] for r in store.list_runs()] == [c, b, a]
        # identical tables are stored once
        assert store.conn.execute("SELECT COUNT(*) FROM blobs").fetchone()[0] == 2
        assert store.integrity() == "ok"
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sweep_points_are_unique_and_errors_are_retried(tmp_path):
    with RunStore(tmp_path / "r.sqlite") as store:
        assert store.ensure_sweep("sw-1", "s", "abc", {"vary": ["k=1,2"]}, 2) is True
        assert store.ensure_sweep("sw-1", "s", "abc", {"vary": ["k=1,2"]}, 2) is False
        store.add_run(_record(), sweep_id="sw-1", point_key=point_key({"k": 1}), point={"k": 1})
        with pytest.raises(sqlite3.IntegrityError):
            store.add_run(_record(), sweep_id="sw-1", point_key=point_key({"k": 1}), point={"k": 1})
        store.add_run(_record(status="error"), sweep_id="sw-1", point_key=point_key({"k": 2}), point={"k": 2})
        assert store.forget_errors("sw-1") == 1
        assert list(store.sweep_points("sw-1")) == [point_key({"k": 1})]
        # the failed insert left nothing behind
        assert store.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1


def test_store_location_and_clear_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("SITEPLAN_STORE", raising=False)
    assert str(resolve_store_path()) == "out/runs.sqlite"
    monkeypatch.setenv("SITEPLAN_STORE", str(tmp_path / "env.sqlite"))
    assert resolve_store_path() == tmp_path / "env.sqlite"
    assert resolve_store_path(tmp_path / "x.sqlite") == tmp_path / "x.sqlite"
    with pytest.raises(InputError, match="no run store"):
        RunStore(tmp_path / "missing.sqlite", create=False)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InputError, match="cannot open the run store"):
        RunStore(junk)
    with RunStore(tmp_path / "ok.sqlite") as store:
        with pytest.raises(InputError, match="no run 7"):
            store.get_run(7)
        with pytest.raises(InputError, match="not a number"):
            store.get_run("seven")


def test_parse_vary_and_grid():
    v = parse_vary("budget.capex=2e7:2e8:10")
    assert v.values[0] == 20_000_000 and v.values[-1] == 200_000_000 and len(v.values) == 10
    assert parse_vary("budget.capex=1,2.5").values == (1, 2.5)
    assert parse_vary("x.y=3:9:1").values == (3,)
    for bad in ("budget.capex", "budget.capex=1:2", "budget.capex=1:2:0", "budget.capex=a:b:3",
                "bad key=1:2:3", "k=1,1", "k=nan,1"):
        with pytest.raises(InputError):
            parse_vary(bad)
    g = grid([parse_vary("a=1:3:3"), parse_vary("b=10,20")])
    assert len(g) == 6 and g[0] == {"a": 1, "b": 10} and g[1] == {"a": 2, "b": 10} and g[3] == {"a": 1, "b": 20}
    with pytest.raises(InputError):
        grid([parse_vary("a=1:3:3"), parse_vary("a=1,2")])
    down = parse_vary("a=3:1:3")  # walked and reported low to high; the id keeps the order typed
    assert grid([down]) == [{"a": 1}, {"a": 2}, {"a": 3}] and down.spec == "a=3,2,1"
    assert sweep_identity("h", [down], "highs", {}) != sweep_identity("h", [parse_vary("a=1:3:3")], "highs", {})
    ident = sweep_identity("h", [v], "highs", {"time_limit": 1, "extra": {"x": 1}})
    assert ident == sweep_identity("h", [v], "highs", {"time_limit": 1})
    assert ident != sweep_identity("h", [v], "highs", {"time_limit": 2})


def _points(values, covered, statuses=None):
    out = []
    for i, (b, c) in enumerate(zip(values, covered)):
        status = (statuses or ["optimal"] * len(values))[i]
        comp = [{"rule": "budget_capex", "scope": "city", "op": "<=", "required": b, "achieved": 0.995 * b,
                 "ok": True, "enforced": True},
                {"rule": "coverage", "scope": "city:urban", "op": ">=", "required": 1.0, "achieved": c / 100,
                 "ok": c >= 100, "enforced": False},
                {"rule": "walking_reach", "scope": f"all {i + 3} served committees", "op": "<=",
                 "required": 1.0, "achieved": 0.5, "ok": True, "enforced": True},
                {"rule": "open_hours_per_day", "scope": "all facilities", "op": ">=", "required": 8,
                 "achieved": 8, "ok": True, "enforced": False, "note": "declared by the scenario"}]
        out.append({"id": i + 1, "status": status, "point": {"budget.capex": b},
                    "totals": {"capex": 0.995 * b, "residents_covered": c} if status == "optimal" else None,
                    "compliance": comp if status == "optimal" else None})
    return out


def test_frontier_marginal_and_monotone():
    varies = [parse_vary("budget.capex=1e6:3e6:3")]
    rows = frontier_rows(_points([1e6, 2e6, 3e6], [10, 40, 100]), varies)
    assert [r["residents_covered_per_extra_million"] for r in rows] == [None, 30, 60]
    assert is_monotone(rows, varies, "residents_covered")
    rows = frontier_rows(_points([1e6, 2e6, 3e6], [10, 40, 30]), varies)
    assert not is_monotone(rows, varies, "residents_covered")
    rows = frontier_rows(_points([1e6, 2e6, 3e6], [10, 40, 30], ["infeasible", "optimal", "optimal"]), varies)
    assert rows[0]["status"] == "infeasible" and rows[1]["residents_covered_per_extra_million"] is None


def test_binding_definition():
    pts = _points([1e6, 2e6, 3e6], [10, 40, 100])
    rows = {(r["rule"], r["scope"]): r for r in binding_rows(pts, tol=0.01)}
    assert rows[("budget_capex", "city")]["first_binds_at"] == "budget.capex=1000000"
    assert rows[("budget_capex", "city")]["points_binding"] == 3
    cov = rows[("coverage", "city:urban")]
    assert cov["first_met_at"] == "budget.capex=3000000" and cov["first_binds_at"] == "budget.capex=3000000"
    walk = rows[("walking_reach", "all served committees")]
    assert walk["first_binds_at"] == "n/a" and walk["structural"]  # holds by construction
    assert rows[("open_hours_per_day", "all facilities")]["first_binds_at"] == "n/a"  # a declared fact
    assert slack({"op": ">=", "required": {"urban": 30}, "achieved": 31}) is None


def test_compare_table_deltas():
    a = compare.column("A", {"capex": 100.0, "coverage_share": 0.5, "workers": 10}, [], "optimal")
    b = compare.column("B", {"capex": 150.0, "coverage_share": 0.75, "workers": 9},
                       [{"rule": "budget_capex", "scope": "city", "ok": True, "achieved": 150.0, "enforced": True}],
                       "optimal", tag="#2")
    header, rows = compare.table([a, b])
    assert header == ["KPI", "A", "B", "Δ #2"]
    by = {r[0]: r for r in rows}
    assert by["capex (CNY)"][3] == 50.0
    assert by["residents covered (%)"][1:] == [50.0, 75.0, 25.0]
    assert by["community workers"][3] == -1
    assert by["budget_capex @ city: ok"][1:] == [None, "ok", None]
    md = compare.render_markdown(header, rows)
    assert md.startswith("| KPI | A | B | Δ #2 |") and "+50" in md
    assert "capex" in compare.render_terminal(header, rows)


def test_sweep_id_must_be_a_plain_name(tmp_path):
    from siteplan.analysis.sweep import SweepRequest, run_sweep
    from siteplan.generate import CityShape, write_city

    city = write_city(tmp_path / "c", CityShape(30, 20, 1, 0.2, 1000))
    with pytest.raises(InputError, match="not a plain name"):
        run_sweep(SweepRequest(city, [parse_vary("budget.capex=1,2")], store_path=tmp_path / "r.sqlite",
                               sweep_id="../../etc"))
    with pytest.raises(InputError, match="capexx"):
        run_sweep(SweepRequest(city, [parse_vary("budget.capexx=1,2")], store_path=tmp_path / "r.sqlite"))


def test_cli_errors_are_one_clean_line(tmp_path, run_cli):
    store = tmp_path / "r.sqlite"
    code, out, err = run_cli("runs", "list", "--store", store)
    assert code == 3 and err.startswith("error:") and "no run store" in err and "Traceback" not in err
    with RunStore(store) as st:
        st.add_run(_record())
    code, out, err = run_cli("runs", "list", "--store", store)
    assert code == 0 and "1  " in out
    code, out, err = run_cli("runs", "show", "99", "--store", store)
    assert code == 3 and "no run 99" in err
    code, out, err = run_cli("runs", "export", "1", "--out", tmp_path / "x", "--store", store)
    assert code == 0 and (tmp_path / "x" / "plan.json").exists()
    code, out, err = run_cli("compare", "1", "nonsense.yaml", "--store", store)
    assert code == 3 and "neither a scenario file nor a run id" in err
    code, out, err = run_cli("sweep", "whatever.yaml", "--vary", "budget.capex=1:2", "--store", store)
    assert code == 3 and "START:STOP:COUNT" in err


def test_cluster_address_is_checked_before_joining():
    from siteplan.analysis.sweep_exec import _reachable, make_executor
    from siteplan.errors import SolverError

    with pytest.raises(InputError, match="not HOST:PORT"):
        _reachable("nonsense", "Ray", "head:6379")
    with pytest.raises(SolverError, match="cannot reach the Ray cluster"):
        _reachable("127.0.0.1:1", "Ray", "head:6379", timeout=2)
    with pytest.raises(InputError, match="--address is for"):
        make_executor("local", address="head:6379")
    with pytest.raises(InputError, match="unknown executor"):
        make_executor("spark")
