"""Run store, compare and sweeps end to end on tiny cities (each solves in well under a second).

Covers: a solve recorded and exported as the same folder `solve` writes; a sweep killed
mid-way and resumed with no point lost or duplicated and the database intact; compare on two
shipped scenarios; a monotone budget frontier; the Ray and Dask executors on local clusters.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from siteplan.analysis.sweep import SweepRequest, parse_vary, point_key, run_sweep
from siteplan.analysis.sweep_report import frontier_rows
from siteplan.cli import main
from siteplan.generate import CityShape, write_city
from siteplan.runs.store import RunStore

ROOT = Path(__file__).resolve().parents[2]
MAXCOV = {"objective": "max_coverage", "solver.mip_gap": 0, "solver.time_limit": 60}


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    """40 committees, 20 sites: below 3.2M capex a max_coverage point solves in under a second."""
    return write_city(tmp_path_factory.mktemp("city") / "c40", CityShape(40, 20, 1, 0.2, 1000))


def _shipped() -> list[Path]:
    return sorted(p for p in (ROOT / "scenarios").glob("*/*.yaml") if not p.name.startswith("_"))


def _shipped_pair() -> list[Path]:
    """Two variants of one shipped city (what an analyst compares), smallest city first;
    else any two shipped scenarios; else fewer."""
    shipped = _shipped()
    folders: dict[Path, list[Path]] = {}
    for p in shipped:
        folders.setdefault(p.parent, []).append(p)
    size = {d: sum(f.stat().st_size for f in d.glob("*.csv")) for d in folders}
    for d in sorted(folders, key=lambda d: (size[d], str(d))):
        if len(folders[d]) >= 2:
            return folders[d][:2]
    return shipped[:2]


def test_solve_recorded_and_exported_like_solve(city, tmp_path):
    from siteplan.pipeline import solve_scenario
    from siteplan.report.outputs import write_outputs
    from siteplan.runs.store import record_outcome

    store = tmp_path / "runs.sqlite"
    outcome = solve_scenario(city, overrides={**MAXCOV, "budget.capex": 2e6})
    direct = write_outputs(outcome, tmp_path / "direct")
    rid = record_outcome(outcome, store, overrides={"budget.capex": 2e6})
    assert main(["runs", "export", str(rid), "--out", str(tmp_path / "exported"), "--store", str(store)]) == 0
    exported = tmp_path / "exported"
    files = sorted(str(p.relative_to(direct)) for p in direct.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(exported)) for p in exported.rglob("*") if p.is_file())
    for name in files:
        assert (direct / name).read_bytes() == (exported / name).read_bytes(), name
    assert main(["check", str(exported)]) == 0
    with RunStore(store) as st:
        run = st.get_run(rid)
    assert run["totals"] == outcome.evaluation.totals and run["status"] == outcome.status
    assert run["overrides"] == {"budget.capex": 2e6} and run["options"]["mip_gap"] == 0
    assert main(["runs", "list", "--store", str(store)]) == 0
    assert main(["runs", "show", str(rid), "--store", str(store)]) == 0


def _count_points(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM runs WHERE sweep_id IS NOT NULL").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def test_sweep_killed_midway_resumes_without_loss_or_duplicates(city, tmp_path):
    db = tmp_path / "runs.sqlite"
    n = 16
    cmd = [sys.executable, "-m", "siteplan.cli", "sweep", str(city), "--vary", f"budget.capex=0:3e6:{n}",
           "--store", str(db), "--workers", "2", "--quiet", "--out", str(tmp_path / "sweep")]
    cmd += [a for k, v in MAXCOV.items() for a in ("--set", f"{k}={v}")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 90
    try:
        while _count_points(db) < 3:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the sweep committed no points in time"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its pool workers, mid-sweep
        proc.wait()
    with RunStore(db) as store:
        assert store.integrity() == "ok"
        before = {r["point_key"]: r["id"] for r in store.list_runs()}
    assert 3 <= len(before) < n, "the kill came too late to test a resume"

    rc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert rc.returncode == 0, rc.stderr
    assert f"{len(before)} already stored" in rc.stdout
    with RunStore(db) as store:
        assert store.integrity() == "ok"
        rows = store.list_runs(limit=1000)
        sweep_ids = {r["sweep_id"] for r in rows}
    keys = [r["point_key"] for r in rows]
    assert len(keys) == n and len(set(keys)) == n and len(sweep_ids) == 1
    after = {r["point_key"]: r["id"] for r in rows}
    assert all(after[k] == i for k, i in before.items())  # finished points were not solved again
    summary = json.loads((tmp_path / "sweep" / "sweep.json").read_text())
    assert summary["points"] == n and summary["status_counts"] == {"optimal": n} and summary["monotone"]
    for name in ("frontier.csv", "frontier.md", "frontier.png", "frontier.svg", "standards.csv"):
        assert (tmp_path / "sweep" / name).stat().st_size > 0


def test_frontier_is_monotone_at_every_point(city, tmp_path):
    varies = [parse_vary("budget.capex=0:3.2e6:9")]
    run = run_sweep(SweepRequest(city, varies, store_path=tmp_path / "r.sqlite", workers=1, overrides=MAXCOV))
    assert run.solved == 9 and run.failed == 0
    with RunStore(tmp_path / "r.sqlite") as store:
        from siteplan.analysis.sweep import points_in_order

        rows = frontier_rows(points_in_order(store, run.sweep_id, varies), varies)
    covered = [r["residents_covered"] for r in rows]
    assert all(r["status"] == "optimal" for r in rows)
    for lo, hi in itertools.pairwise(covered):
        assert hi >= lo, covered
    assert covered[-1] > covered[0]
    for r in rows:  # never spends more than the point's budget
        assert r["capex"] <= r["budget.capex"] + 1.0


def test_sweep_records_infeasible_points_and_writes_outputs(tmp_path, capsys):
    scn = ROOT / "scenarios" / "tiny" / "tiny.yaml"
    if not scn.exists():
        pytest.skip("scenarios/tiny/tiny.yaml is not shipped yet")
    out = tmp_path / "sw"
    args = ["sweep", str(scn), "--vary", "budget.capex=0,2e7", "--store", str(tmp_path / "r.sqlite"),
            "--workers", "1", "--out", str(out), "--quiet"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "1 without a plan" in text
    summary = json.loads((out / "sweep.json").read_text())
    assert summary["status_counts"] == {"infeasible": 1, "optimal": 1}
    assert main(args) == 0  # nothing left to solve: an infeasible point is a result, not a gap
    assert "2 already stored" in capsys.readouterr().out


def test_compare_two_shipped_scenarios(city, tmp_path, capsys):
    shipped = _shipped_pair()
    if len(shipped) >= 2:
        a, b = shipped
    elif shipped:  # until a second scenario ships: the shipped one against a generated city
        a, b = shipped[0], city
    else:
        pytest.skip("no scenarios shipped under scenarios/")
    store = tmp_path / "r.sqlite"
    csv, md = tmp_path / "c.csv", tmp_path / "c.md"
    assert main(["compare", str(a), str(b), "--store", str(store), "--csv", str(csv), "--md", str(md)]) == 0
    text = capsys.readouterr().out
    for label in ("capex (CNY)", "opex per year", "total cost over horizon", "sites opened", "floor area",
                  "community workers", "workers per 10k", "residents covered (%)", "mean walk",
                  "95th percentile walk", "workers_per_10k_urban @ city: ok"):
        assert label in text
    import pandas as pd

    df = pd.read_csv(csv)
    assert df.columns[0] == "KPI" and len(df.columns) == 4 and df.columns[3].startswith("Δ #")
    capex = pd.to_numeric(df[df["KPI"] == "capex (CNY)"].iloc[0, 1:])
    if capex.notna().all():
        assert capex.iloc[2] == pytest.approx(capex.iloc[1] - capex.iloc[0], abs=0.01)
    assert md.read_text().startswith("| KPI |")
    # stored runs compare too, and give the same figures
    assert main(["compare", "1", "2", "--store", str(store), "--csv", str(tmp_path / "c2.csv")]) == 0
    df2 = pd.read_csv(tmp_path / "c2.csv")
    assert list(df2["KPI"]) == list(df["KPI"])
    for col in (1, 2, 3):
        fresh, stored = df.iloc[:, col], df2.iloc[:, col]
        num_f, num_s = pd.to_numeric(fresh, errors="coerce"), pd.to_numeric(stored, errors="coerce")
        assert ((num_f - num_s).abs().fillna(0) < 1e-6).all()
        assert [str(v) for v in fresh[num_f.isna()]] == [str(v) for v in stored[num_f.isna()]]


def _covered_by_point(store_path: Path, sweep_id: str) -> dict:
    with RunStore(store_path) as store:
        return {k: (p["status"], (p["totals"] or {}).get("residents_covered"))
                for k, p in store.sweep_points(sweep_id).items()}


@pytest.fixture(scope="module")
def reference(city, tmp_path_factory):
    """The 4-point sweep solved locally, to check what the clusters return."""
    db = tmp_path_factory.mktemp("ref") / "r.sqlite"
    run = run_sweep(SweepRequest(city, [parse_vary("budget.capex=0:3e6:4")], store_path=db, workers=1,
                                 overrides=MAXCOV))
    return _covered_by_point(db, run.sweep_id)


def test_a_descending_grid_walks_up_with_warm_starts_and_the_same_answers(city, tmp_path, reference):
    """Budgets typed high to low are walked low to high: each point starts from the lower
    budget's plan, which fits (a descending walk used to get no warm start at all)."""
    db = tmp_path / "r.sqlite"
    run = run_sweep(SweepRequest(city, [parse_vary("budget.capex=3e6:0:4")], store_path=db, workers=1,
                                 overrides=MAXCOV, shortcuts=False))
    assert run.solved == 4 and _covered_by_point(db, run.sweep_id) == reference
    with RunStore(db) as store:
        starts = [(p["point"]["budget.capex"], (p["summary"] or {}).get("warm_start"))
                  for p in store.sweep_points(run.sweep_id).values()]
    assert [c for c, _ in starts] == [0, 1_000_000, 2_000_000, 3_000_000]  # solved in this order
    assert starts[0][1] is None and all(ws == "accepted" for _, ws in starts[1:]), starts


def test_ray_executor_on_a_local_cluster(city, tmp_path, reference):
    ray = pytest.importorskip("ray", reason="ray not installed: pip install 'siteplan[ray]'")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        db = tmp_path / "r.sqlite"
        run = run_sweep(SweepRequest(city, [parse_vary("budget.capex=0:3e6:4")], store_path=db, executor="ray",
                                     overrides=MAXCOV))
    finally:
        ray.shutdown()
    assert run.solved == 4 and _covered_by_point(db, run.sweep_id) == reference


def test_dask_executor_on_a_local_cluster(city, tmp_path, reference):
    distributed = pytest.importorskip("distributed", reason="dask not installed: pip install 'siteplan[dask]'")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        db = tmp_path / "r.sqlite"
        run = run_sweep(SweepRequest(city, [parse_vary("budget.capex=0:3e6:4")], store_path=db, executor="dask",
                                     address=cluster.scheduler_address, overrides=MAXCOV))
    assert run.solved == 4 and _covered_by_point(db, run.sweep_id) == reference
    assert point_key({"budget.capex": 0}) in reference


def test_damaged_stored_plans_cost_a_warm_start_not_the_sweep(city, tmp_path, capsys):
    """Rows changed outside siteplan: a resumed sweep warns and solves on without those warm
    starts; `runs show` names the run and the column instead of crashing."""
    db = tmp_path / "runs.sqlite"
    args = ["sweep", str(city), "--vary", "budget.capex=0:3e6:4", "--store", str(db), "--workers", "1",
            "--quiet", *[a for k, v in MAXCOV.items() for a in ("--set", f"{k}={v}")]]
    assert main([*args, "--out", str(tmp_path / "first")]) == 0
    with RunStore(db) as store:
        ids = {r["point_key"]: r["id"] for r in store.list_runs()}
    keys = sorted(ids, key=lambda k: json.loads(k)["budget.capex"])
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE runs SET plan = '{damaged' WHERE id IN (?, ?)", (ids[keys[0]], ids[keys[-1]]))
        con.execute("DELETE FROM runs WHERE id IN (?, ?)", (ids[keys[1]], ids[keys[2]]))
    con.close()
    capsys.readouterr()
    assert main([*args, "--out", str(tmp_path / "again")]) == 0
    out, err = capsys.readouterr()
    assert "2 already stored, 2 solved" in out
    assert err.count("is damaged") == 2 and err.count("not used as a warm start") == 2, err
    with RunStore(db) as store:
        assert store.integrity() == "ok" and len(store.list_runs()) == 4
    assert main(["runs", "show", str(ids[keys[0]]), "--store", str(db)]) == 3
    err = capsys.readouterr().err
    assert f"stored plan of run {ids[keys[0]]} is damaged" in err and "Traceback" not in err
