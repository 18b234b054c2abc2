"""Output folders and files: no command writes over a file it read, a folder siteplan writes
holds exactly one run's files, a folder or file siteplan did not write is never silently
overwritten, and nothing temporary outlives the command (issue 9, items 1-4)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pytest

from siteplan.cli import main


def _digest(folder: Path) -> dict[str, str]:
    """Every file below `folder` with a hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _no_staging_left(parent: Path) -> None:
    left = [p.name for p in parent.iterdir() if ".staging-" in p.name or ".old-" in p.name]
    assert not left, left


INFEASIBLE = ("--set", "budget.capex=1000")


# item 1: never write over an input -------------------------------------------------------------

def test_solve_into_the_scenario_folder_is_refused_and_inputs_survive(tiny_dir, capsys):
    before = _digest(tiny_dir)
    code, _, err = _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", tiny_dir, "--no-store")
    assert code == 2, err
    assert "would overwrite" in err and "reads" in err
    assert _digest(tiny_dir) == before
    _no_staging_left(tiny_dir.parent)


def test_force_never_overrides_the_input_protection(tiny_dir, capsys):
    before = _digest(tiny_dir)
    code, _, err = _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", tiny_dir.parent, "--force", "--no-store")
    assert code == 2, err
    assert _digest(tiny_dir) == before


def test_an_extends_parent_in_the_output_folder_is_protected(tiny_dir, tmp_path, capsys):
    child = tmp_path / "child"
    child.mkdir()
    (child / "c.yaml").write_text(f"extends: {tiny_dir / 'tiny.yaml'}\nname: child\n", encoding="utf-8")
    before = _digest(tiny_dir)
    code, _, err = _run(capsys, "solve", child / "c.yaml", "--out", tiny_dir, "--force", "--no-store")
    assert code == 2, err
    assert "would overwrite" in err and any(n in err for n in ("tiny.yaml", "committees.csv", "sites.csv")), err
    assert _digest(tiny_dir) == before


def test_the_run_store_is_never_inside_the_output(tiny_dir, tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "runs.sqlite").write_bytes(b"")
    code, _, err = _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", out, "--store", out / "runs.sqlite",
                        "--force")
    assert code == 2 and "runs.sqlite" in err, err


# item 2: one run per folder ---------------------------------------------------------------------

def test_an_infeasible_run_replaces_a_plan_folder_whole(tiny_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store")[0] == 0
    (out / "binding.json").write_text('{"scenario": "other"}', encoding="utf-8")
    code, _, err = _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store", *INFEASIBLE)
    assert code == 4, err
    names = {p.name for p in out.iterdir()}
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["status"] == "infeasible"
    assert {"diagnostic_plan.json", "diagnosis.txt"} <= names
    assert not names & {"facilities.csv", "committees.csv", "compliance.csv", "totals.csv", "binding.json"}
    _no_staging_left(tmp_path)

    # and back: an optimal run leaves no diagnosis behind
    assert _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store")[0] == 0
    names = {p.name for p in out.iterdir()}
    assert "facilities.csv" in names and not names & {"diagnostic_plan.json", "diagnosis.txt"}
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["status"] == "optimal"


def test_a_failed_run_leaves_the_previous_folder_untouched(tiny_dir, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store")[0] == 0
    before = _digest(out)

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("siteplan.pipeline.solve_scenario", interrupted)
    code, _, err = _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store")
    assert code == 130, err
    assert _digest(out) == before
    _no_staging_left(tmp_path)


def test_a_foreign_non_empty_folder_needs_force_and_keeps_its_files(tiny_dir, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    (out / "facilities.csv").write_text("stale", encoding="utf-8")
    code, _, err = _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store")
    assert code == 2 and "siteplan did not write" in err and "--force" in err
    assert {p.name for p in out.iterdir()} == {"notes.txt", "facilities.csv"}
    assert _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store", "--force")[0] == 0
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes"
    assert (out / "facilities.csv").read_text(encoding="utf-8") != "stale"
    assert _run(capsys, "check", out)[0] == 0
    # once siteplan wrote it, no --force is needed to write the next run
    assert _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store")[0] == 0


def test_out_that_is_a_file_is_a_usage_error(tiny_dir, tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x", encoding="utf-8")
    code, _, err = _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", f, "--no-store")
    assert code == 3 and "is a file" in err
    assert f.read_text(encoding="utf-8") == "x"


def test_check_on_an_infeasible_folder_says_there_is_no_plan(tiny_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store", *INFEASIBLE)[0] == 4
    code, stdout, err = _run(capsys, "check", out)
    assert code == 4, err
    assert "no plan to check" in err
    assert "plan_integrity" not in stdout + err


def test_report_ignores_a_binding_analysis_of_another_scenario(tiny_dir, tmp_path, capsys):
    from siteplan.report.html import load_plan_view

    out = tmp_path / "out"
    assert _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store")[0] == 0
    (out / "binding.json").write_text(json.dumps({"scenario_hash": "0" * 16, "rows": []}), encoding="utf-8")
    assert load_plan_view(out).binding is None


def test_explain_binding_refuses_a_folder_whose_plan_is_another_scenario(tiny_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store")[0] == 0
    code, _, err = _run(capsys, "explain", "--binding", out, "--set", "budget.capex=9e9")
    assert code == 2 and "--out" in err
    assert not (out / "binding.json").exists()


# item 3: generate, runs export, report --out ------------------------------------------------------

def test_generate_into_a_foreign_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "city"
    out.mkdir()
    (out / "keep.csv").write_text("a,b\n", encoding="utf-8")
    code, _, err = _run(capsys, "generate", "--committees", 5, "--sites", 3, out)
    assert code == 2 and "siteplan did not write" in err
    assert {p.name for p in out.iterdir()} == {"keep.csv"}
    fresh = tmp_path / "fresh"
    assert _run(capsys, "generate", "--committees", 5, "--sites", 3, fresh)[0] == 0
    assert _run(capsys, "generate", "--committees", 6, "--sites", 3, "--seed", 2, fresh)[0] == 0  # its own


def test_runs_export_over_a_foreign_folder_is_refused(tiny_dir, tmp_path, capsys):
    store = tmp_path / "runs.sqlite"
    assert _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", tmp_path / "a", "--store", store)[0] == 0
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "plan.json").write_text('{"mine": true}', encoding="utf-8")
    code, _, err = _run(capsys, "runs", "export", "1", "--out", foreign, "--store", store)
    assert code == 2, err
    assert json.loads((foreign / "plan.json").read_text(encoding="utf-8")) == {"mine": True}
    assert _run(capsys, "runs", "export", "1", "--out", tmp_path / "a", "--store", store)[0] == 0
    assert _run(capsys, "check", tmp_path / "a")[0] == 0


def test_report_out_over_a_foreign_file_or_an_input_is_refused(tiny_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(capsys, "solve", tiny_dir / "tiny.yaml", "--out", out, "--no-store")[0] == 0
    mine = tmp_path / "mine.html"
    mine.write_text("<p>my page</p>", encoding="utf-8")
    assert _run(capsys, "report", out, "--out", mine)[0] == 2
    assert mine.read_text(encoding="utf-8") == "<p>my page</p>"
    plan = (out / "plan.json").read_bytes()
    assert _run(capsys, "report", out, "--out", out / "plan.json", "--force")[0] == 2
    assert (out / "plan.json").read_bytes() == plan
    assert _run(capsys, "report", out)[0] == 0
    assert _run(capsys, "report", out)[0] == 0  # its own earlier report is replaced
    assert _run(capsys, "report", out, "--out", mine, "--force")[0] == 0


def test_compare_csv_over_a_table_is_refused_before_solving(tiny_dir, tmp_path, capsys):
    before = _digest(tiny_dir)
    for force in ((), ("--force",)):
        code, _, err = _run(capsys, "compare", tiny_dir / "tiny.yaml", tiny_dir / "tiny.yaml",
                            "--csv", tiny_dir / "committees.csv", *force)
        assert code == 2, err
        assert _digest(tiny_dir) == before


def test_sweep_out_an_existing_file_fails_before_any_point(tiny_dir, tmp_path, capsys):
    f = tmp_path / "taken"
    f.write_text("x", encoding="utf-8")
    store = tmp_path / "runs.sqlite"
    code, _, err = _run(capsys, "sweep", tiny_dir / "tiny.yaml", "--vary", "budget.capex=1e7,2e7",
                        "--out", f, "--store", store, "--executor", "local", "--workers", 1)
    assert code == 3 and "is a file" in err, err
    assert f.read_text(encoding="utf-8") == "x"


# item 4: nothing temporary outlives the command ---------------------------------------------------

@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temp dir of our own, so leftovers of this test are visible (and other runs' are not)."""
    d = tmp_path / "systmp"
    d.mkdir()
    monkeypatch.setenv("TMPDIR", str(d))
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


def test_a_sweep_point_leaves_no_bundle_folder(tiny_dir, private_tmp):
    from siteplan.analysis.sweep_exec import solve_point
    from siteplan.runs.runrecord import bundle
    from siteplan.scenario.load import load_scenario

    b = bundle(load_scenario(tiny_dir / "tiny.yaml"))
    res = solve_point(b, {"key": "k", "overrides": {}, "options": {"time_limit": 30}, "backend": "highs"})
    assert res["record"]["status"] == "optimal"
    assert os.listdir(private_tmp) == []


def test_compare_and_a_pooled_sweep_leave_no_temp_folders(tiny_dir, tmp_path, private_tmp, capsys):
    store = tmp_path / "runs.sqlite"
    assert _run(capsys, "compare", tiny_dir / "tiny.yaml", tiny_dir / "tiny.yaml", "--store", store)[0] == 0
    code, _, err = _run(capsys, "sweep", tiny_dir / "tiny.yaml", "--vary", "budget.capex=2e7,3e7",
                        "--out", tmp_path / "sw", "--store", store, "--workers", 2)
    assert code == 0, err
    assert os.listdir(private_tmp) == []
    _no_staging_left(tmp_path)


def test_a_worker_process_keeps_its_temp_files_below_the_parents(tiny_dir, private_tmp, monkeypatch):
    """A solver in a worker (CBC writes its model and solution to temp files) is given a
    TMPDIR inside the parent's own temp folder, which the parent removes even when it has to
    kill the worker; so a killed worker leaks nothing either."""
    import subprocess

    from siteplan.backends.base import SolveOptions
    from siteplan.pipeline import solve_scenario

    seen = []
    real = subprocess.Popen

    def spy(args, **kw):
        if "siteplan.backends.worker" in list(map(str, args)):
            seen.append((kw.get("env") or {}).get("TMPDIR"))
        return real(args, **kw)

    monkeypatch.setattr(subprocess, "Popen", spy)
    out = solve_scenario(tiny_dir / "tiny.yaml", backend="pulp-cbc",
                         options=SolveOptions(time_limit=30, isolation="process"))
    assert out.status == "optimal"
    assert seen and all(t and Path(t).parent == private_tmp for t in seen), seen
    assert os.listdir(private_tmp) == []
