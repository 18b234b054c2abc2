"""The benchmark harness: flags, resume, outputs; and the classic CLI's clean errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from benchdata import BENCH, needs_bench

from siteplan.classic import bench
from siteplan.cli import main


def row(**kw):
    base = {"suite": "s", "instance": "i", "backend": "highs", "status": "optimal",
            "objective": 10.0, "check_objective": 10.0, "check_ok": True, "published": 10.0,
            "published_proven": True, "wall_seconds": 1.0}
    base.update(kw)
    return bench.classify(base)


def test_flags():
    assert row()["flag"] == "" and row()["matches_published"]
    assert "WRONG_OPTIMUM" in row(objective=11.0, check_objective=11.0)["flag"]
    assert "BELOW_PROVEN_OPTIMUM" in row(objective=9.0, check_objective=9.0,
                                         status="feasible")["flag"]
    assert "CHECK_FAILED" in row(check_ok=False)["flag"]
    assert "CHECK_FAILED" in row(check_objective=12.0)["flag"]
    r = row(objective=9.0, check_objective=9.0, published_proven=False)
    assert r["flag"] == "BEATS_BEST_KNOWN" and not bench.is_loud(r)
    assert bench.is_loud(row(check_ok=False))
    # 3-decimal published values (capopt) still match
    assert row(objective=838499.2875, check_objective=838499.2875,
               published=838499.288)["matches_published"]


def test_summary_profile_and_chart(tmp_path):
    rows = [row(instance="a", backend="x", wall_seconds=1.0),
            row(instance="a", backend="y", wall_seconds=4.0),
            row(instance="b", backend="x", wall_seconds=2.0, status="feasible"),
            row(instance="b", backend="y", wall_seconds=2.0)]
    _backends, ratios = bench.performance_profile(rows)
    assert ratios["x"] == [1.0, float("inf")] and ratios["y"] == [4.0, 1.0]
    text = bench.summary_table(rows)
    assert "| x |" in text and "| y |" in text
    bench.write_outputs(rows, tmp_path)
    assert (tmp_path / "chart.png").stat().st_size > 1000
    assert (tmp_path / "results.csv").read_text().startswith("suite,instance")


def test_load_rows_skips_cut_lines(tmp_path):
    p = tmp_path / "results.jsonl"
    p.write_text(json.dumps({"instance": "a"}) + "\n{\"instance\": \"b\"")
    assert [r["instance"] for r in bench.load_rows(p)] == ["a"]


def test_missing_data_root(tmp_path):
    from siteplan.errors import InputError

    with pytest.raises(InputError, match="--data"):
        bench.instances("orlib-pmed", tmp_path)


@needs_bench
def test_suites_list_published_values():
    pm = bench.instances("orlib-pmed", BENCH)
    assert len(pm) == 40 and pm[0].published == 5819 and pm[0].proven
    cap = {i.id: i for i in bench.instances("orlib-cap", BENCH)}
    assert cap["capa@8000"].params == {"capacity": 8000.0}
    assert len([k for k in cap if "@" in k]) == 12


@needs_bench
def test_run_and_resume(tmp_path):
    out = tmp_path / "o"
    rows = bench.run_suite("orlib-pmed", ["highs"], 60, out, BENCH, only=["pmed1"],
                           echo=lambda s: None)
    assert len(rows) == 1 and rows[0]["status"] == "optimal" and rows[0]["flag"] == ""
    assert rows[0]["matches_published"] and rows[0]["peak_memory_mb"] > 0
    assert 0 < rows[0]["cpu_seconds"] < rows[0]["process_seconds"] + 1
    said = []
    rows = bench.run_suite("orlib-pmed", ["highs"], 60, out, BENCH, only=["pmed1"],
                           resume=True, echo=said.append)
    assert len(rows) == 1 and not any(s.startswith("[") for s in said)


def test_classic_cli(tmp_path, capsys):
    pos = np.array([0.0, 1.0, 10.0, 11.0])
    f = tmp_path / "line.csv"
    np.savetxt(f, np.abs(pos[:, None] - pos[None]), delimiter=",")
    out = tmp_path / "plan.json"
    assert main(["classic", "pmedian", str(f), "--p", "2", "--out", str(out)]) == 0
    assert "objective 2" in capsys.readouterr().out
    assert json.loads(out.read_text())["objective"] == 2
    assert main(["classic", "pcenter", str(f), "--p", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["objective"] == 1


def test_classic_cli_errors(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,oops\n")
    assert main(["classic", "pmedian", str(bad), "--p", "1"]) == 3
    err = capsys.readouterr().err
    assert "bad.csv:2" in err and "Traceback" not in err
    assert main(["classic", "pmedian", str(tmp_path / "none.csv"), "--p", "1"]) == 3
    assert main(["classic", "lscp", str(bad.with_name("x.csv"))]) == 2  # missing --radius


def test_worker_env_caps_thread_pools_and_keeps_the_users():
    env = bench.worker_env(1, {"PATH": "/bin", "MKL_NUM_THREADS": "3"})
    assert env["PATH"] == "/bin" and env["MKL_NUM_THREADS"] == "3"  # the user's own is kept
    assert all(env[v] == "1" for v in bench.THREAD_VARS if v != "MKL_NUM_THREADS")
    assert bench.worker_env(None, {"PATH": "/bin"}) == {"PATH": "/bin"}  # no --threads: no cap


@needs_bench
def test_run_one_hands_the_cap_to_the_worker(monkeypatch):
    seen = []
    real = bench.subprocess.Popen

    def popen(*args, **kw):
        seen.append(kw.get("env"))
        return real(*args, **kw)

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(bench.subprocess, "Popen", popen)
    inst = next(i for i in bench.instances("orlib-pmed", BENCH) if i.id == "pmed1")
    r = bench.run_one(inst, "highs", 60, 1)
    assert r["status"] == "optimal" and r["matches_published"]
    assert seen[0]["OMP_NUM_THREADS"] == "1" and seen[0]["OPENBLAS_NUM_THREADS"] == "2"
