"""`siteplan batch` on a tiny province: four generated districts, one infeasible (proved by the
solver, so the reason is the diagnosis's first line) and one with a broken table. Covers the
local pool through the CLI, the checked plans and province totals, resuming from the store,
and the same batch on a Dask cluster the test starts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from siteplan.cli import main
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
def first_run(province, tmp_path_factory):
    """The batch on the local pool through the CLI: (exit code, --json document, out, store)."""
    import contextlib
    import io

    work = tmp_path_factory.mktemp("batch")
    out, db = work / "out", work / "runs.sqlite"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["batch", str(province), "--out", str(out), "--store", str(db), "--json", "--quiet"])
    return code, json.loads(buf.getvalue()), out, db


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


def test_an_interrupted_batch_solves_only_the_rest(province, tmp_path):
    """What a stopped batch finished is in the store; the next run solves only the others."""
    db = tmp_path / "runs.sqlite"
    part, _ = run_batch(BatchRequest((str(province),), store_path=db, workers=1, stop_after=1))
    assert part.solved == 1
    rest, _ = run_batch(BatchRequest((str(province),), store_path=db, workers=1))
    assert rest.reused == 1 and rest.solved == 2
    with RunStore(db) as store:
        assert len(store.list_runs()) == 3


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
