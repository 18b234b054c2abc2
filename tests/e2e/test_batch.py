"""`siteplan batch` on a tiny province: four generated districts, one infeasible (proved by the
solver, so the reason is the diagnosis's first line) and one with a broken table. Covers the
local pool through the CLI, the checked plans and province totals, resuming from the store,
and the same batch on a Dask cluster the test starts."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from processes import process_cmdlines

from siteplan.generate import CityShape, write_city
from siteplan.runs.batch import BatchRequest, run_batch
from siteplan.runs.store import RunStore, plan_from_doc


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> Path:
    """d1, d2 plannable; d3 (seed 3) with a capex budget the solver proves too small (the
    cheap bound says 37.3M is enough, the binding rules need 41.1M); d4 without households."""
    root = tmp_path_factory.mktemp("province")
    for i in (1, 2, 3, 4):
        write_city(root / f"d{i}", CityShape(30, 15, i, 0.2, 1000), name=f"district-{i}")
    with open(root / "d3" / "scenario.yaml", "a", encoding="utf-8") as fh:
        fh.write("budget: {capex: 3.9e7}\n")
    com = pd.read_csv(root / "d4" / "committees.csv")
    com.drop(columns=["households"]).to_csv(root / "d4" / "committees.csv", index=False)
    return root


@pytest.fixture(scope="module")
def stoppable(province, tmp_path_factory) -> Path:
    """The province and a larger d5 (60 committees, about a second to solve): with one worker
    the driver solves d1 and d2 before it commits either, so without d5 the little work left
    after the first commit (d3, d4) could end before the stop arrives on a quiet machine."""
    root = tmp_path_factory.mktemp("stoppable")
    shutil.copytree(province, root, dirs_exist_ok=True)
    write_city(root / "d5", CityShape(60, 35, 5, 0.2, 1000), name="district-5")
    return root


def _cli(*args) -> list[str]:
    return [sys.executable, "-m", "siteplan.cli", "batch", *map(str, args)]


@pytest.fixture(scope="module")
def first_run(province, tmp_path_factory):
    """The batch on the local pool, as a user runs it: (exit code, --json stdout, out, store).
    Its own process, so anything a pool worker or solver printed would be in stdout too."""
    work = tmp_path_factory.mktemp("batch")
    out, db = work / "out", work / "runs.sqlite"
    proc = subprocess.run(_cli(province, "--out", out, "--store", db, "--json", "--quiet"),
                          capture_output=True, text=True, timeout=300, check=False)
    assert "error: 2 of 4 districts have no plan" in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout), out, db


def test_failures_listed_with_reasons_and_the_rest_solved(first_run):
    code, doc, out, _ = first_run
    assert code == 4  # the first failed district (d3) is infeasible: what `solve` would exit with
    assert doc["batch"]["districts"] == 4 and doc["batch"]["solved_now"] == 3
    fails = {f["district"]: f for f in doc["failures"]}
    assert set(fails) == {"d3", "d4"}
    assert fails["d3"]["failure"] == "infeasible"
    assert "capex budget" in fails["d3"]["reason"] and "short" in fails["d3"]["reason"]  # the diagnosis
    assert fails["d4"]["failure"] == "bad input" and "households" in fails["d4"]["reason"]
    assert fails["d4"]["run_id"] is None and fails["d3"]["run_id"] is not None
    assert {p.name for p in out.iterdir()} >= {"rollup.csv", "rollup.json", "failures.csv", "report.html"}
    csv = pd.read_csv(out / "rollup.csv")
    assert list(csv["district"]) == ["d1", "d2", "d3", "d4"]
    assert list(csv["failure"].fillna("")) == ["", "", "infeasible", "bad input"]


def test_every_plan_is_checked_and_the_province_sums_them(first_run, province):
    """The stored plans pass the independent checker, and the province's totals and worker
    density are recomputed here from the plans and the committee tables."""
    from siteplan.plan import evaluate
    from siteplan.scenario.load import load_scenario

    _, doc, out, db = first_run
    rows = {r["district"]: r for r in json.loads((out / "rollup.json").read_text())["districts"]}
    urban_res = urban_workers = cost = 0.0
    with RunStore(db) as store:
        for name in ("d1", "d2"):
            r = rows[name]
            assert r["status"] == "optimal" and r["verdict"] == "compliant"
            scn = load_scenario(province / name / "scenario.yaml")
            plan = plan_from_doc(store.run_plan(r["run_id"]))
            ev = evaluate(scn, plan)
            assert ev.ok and ev.totals["total_cost"] == pytest.approx(r["total_cost"])
            com = scn.tables.committees
            urban = com[com["kind"] == "urban"]
            urban_res += urban["residents"].sum()
            urban_workers += sum(plan.workers[c] for c in urban["id"])
            cost += ev.totals["total_cost"]
    p = doc["province"]
    assert p["planned"] == 2 and p["failed"] == 2 and p["failures_by_kind"] == {"infeasible": 1, "bad input": 1}
    assert p["total_cost"] == pytest.approx(cost)
    assert p["workers_per_10k_urban"] == pytest.approx(1e4 * urban_workers / urban_res, abs=1e-3)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "d3" in html and "capex budget" in html and "src=" not in html and "<script" not in html


def test_a_second_run_reuses_the_store(first_run, province, tmp_path):
    """Resumable: finished districts (plans and the infeasible one) are not solved again; the
    bad input is listed again; the roll-up is the same."""
    db = first_run[3]
    db2 = tmp_path / "runs.sqlite"
    shutil.copy(db, db2)
    with RunStore(db2) as store:
        before = len(store.list_runs())
    run, _ = run_batch(BatchRequest((str(province),), store_path=db2))
    with RunStore(db2) as store:
        assert len(store.list_runs()) == before  # nothing solved, nothing recorded
    assert run.solved == 0 and run.reused == 3
    assert [d.status for d in run.districts] == ["optimal", "optimal", "infeasible", "bad_input"]
    assert {d.label: d.run_id for d in run.districts if d.run_id} == \
        {r["district"]: r["run_id"] for r in json.loads((first_run[2] / "rollup.json").read_text())["districts"]
         if r["run_id"]}


@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_stopping_keeps_what_is_done_and_the_next_run_solves_the_rest(stop, stoppable, tmp_path):
    """Ctrl-C (the whole process group) or SIGTERM (the driver alone, as `kill` or a job
    scheduler sends it) after the first district is stored: exit 130, no roll-up, the finished
    district kept, no pool worker left running; the same command then solves only the others."""
    db, out = tmp_path / "runs.sqlite", tmp_path / "out"
    cmd = _cli(stoppable, "--out", out, "--store", db, "--workers", "1", "--quiet")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    try:
        while _runs(db) < 1:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the batch committed no district in time"
            time.sleep(0.02)
        if stop == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # the terminal's Ctrl-C: the driver and its pool
        else:
            proc.send_signal(signal.SIGTERM)  # the driver only: it must stop its workers itself
        _, err = proc.communicate(timeout=60)
        assert _session_left(proc.pid) == [], "a pool worker outlived the stopped batch"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    kept = _runs(db)
    assert proc.returncode == 130 and "in the run store" in err.decode(), err.decode()
    assert not out.exists() and 1 <= kept < 4  # d1, d2, d3 solve and commit; d5 is what is cut
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 4, again.stderr
    assert f"{4 - kept} solved now, {kept} reused" in again.stdout
    with RunStore(db) as store:
        assert store.integrity() == "ok" and len(store.list_runs()) == 4


def _session_left(sid: int) -> list[str]:
    """Command lines of processes still in session `sid` (the batch's driver and workers), after
    the workers' few seconds to stop."""
    time.sleep(5.0)
    return list(process_cmdlines(session=sid))


def _runs(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with RunStore(db) as store:
            return len(store.list_runs())
    except Exception:  # noqa: BLE001 - the file is being created
        return 0


def test_the_same_batch_on_a_dask_cluster(province, first_run, tmp_path):
    distributed = pytest.importorskip("distributed", reason="dask not installed: pip install 'siteplan[dask]'")
    out = first_run[2]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  dashboard_address=None) as cluster:  # in-process: starts in a second
        run, _ = run_batch(BatchRequest((str(province),), store_path=tmp_path / "d.sqlite", executor="dask",
                                        address=cluster.scheduler_address))
    assert run.solved == 3
    local = {r["district"]: (r["status"], r["total_cost"], r["workers"])
             for r in json.loads((out / "rollup.json").read_text())["districts"]}
    got = {d.label: (d.status, (d.totals or {}).get("total_cost"), (d.totals or {}).get("workers"))
           for d in run.districts}
    assert got == local
