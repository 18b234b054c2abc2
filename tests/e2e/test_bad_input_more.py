"""More bad input: solver limits on the command line, absurd numbers, non-regular files, bad
output and store paths, and plan.json fields of the wrong type. Each gets one clear message
(file, line or key, fix) and the right exit code, found before any solving."""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from badinput import edit, expect, write

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny"








def _ok(run_cli, *args):
    code, _, err = run_cli(*args)
    assert code == 0, err


def _limit_memory():
    """The child may not take more than 2 GiB: without the fix it would read /dev/zero forever."""
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def _expect_subprocess(args, code, *needles, cwd=None):
    """Run the CLI in a child with a time and memory limit, so a hang or a runaway read fails the
    test instead of stopping the test run or the machine."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        proc = subprocess.run([sys.executable, "-m", "siteplan.cli", *map(str, args)], capture_output=True,
                              check=False, text=True, timeout=60, env=env, cwd=cwd, preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"siteplan {' '.join(map(str, args))} did not finish within 60 s")
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in proc.stderr, (needle, proc.stderr)


def _runs_in(store: Path) -> int:
    if not store.exists():
        return 0
    with sqlite3.connect(store) as con:
        return con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]


@pytest.fixture(scope="module")
def solved_tiny(tmp_path_factory) -> Path:
    """One solve of the tiny scenario (no store), copied by the tests that edit it."""
    from siteplan.cli import main

    out = tmp_path_factory.mktemp("solved") / "tiny"
    assert main(["solve", str(TINY / "tiny.yaml"), "--out", str(out), "--no-store", "--quiet"]) == 0
    return out


@pytest.fixture
def plan_dir(solved_tiny, tmp_path) -> Path:
    dst = tmp_path / "solved"
    shutil.copytree(solved_tiny, dst)
    return dst


# --- 11: solver limits on the command line ------------------------------------------------

_SCN = "missing.yaml"  # options are checked before the scenario is read: nothing is solved
_LIMIT_CASES = [
    (cmd, opt, value)
    for cmd in (["solve", _SCN], ["compare", _SCN, _SCN], ["sweep", _SCN, "--vary", "budget.capex=1,2"])
    for opt, value in (("--time-limit", "-5"), ("--time-limit", "0"), ("--time-limit", "nan"),
                       ("--mip-gap", "-1"), ("--mip-gap", "2"), ("--threads", "-3"), ("--threads", "0"))
] + [
    (["classic", "pmedian", "missing.txt"], "--time-limit", "-5"),
    (["classic", "uflp", "missing.txt"], "--threads", "-3"),
    (["bench", "orlib-pmed", "--data", "no-such-folder"], "--time-limit", "0"),
    (["bench", "orlib-pmed", "--data", "no-such-folder"], "--threads", "-3"),
    (["explain", _SCN], "--time-budget", "nan"),
]


@pytest.mark.parametrize("cmd,opt,value", _LIMIT_CASES, ids=lambda v: v[0] if isinstance(v, list) else v)
def test_solver_limits_out_of_range_are_usage_errors(run_cli, tmp_path, monkeypatch, cmd, opt, value):
    monkeypatch.chdir(tmp_path)
    expect(run_cli, [*cmd, f"{opt}={value}"], 2, f"Invalid value for '{opt}'")


# --- 12: exit 1 ("internal error") on things a user can write -----------------------------

@pytest.mark.parametrize("col,value", [("x", "1e300"), ("y", "-1e9")])
def test_absurd_coordinates_are_input_errors(tiny_dir, run_cli, col, value):
    edit(tiny_dir / "committees.csv", "A,east,0,0,", f"A,east,{value if col == 'x' else 0},"
          f"{value if col == 'y' else 0},")
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 3, "committees.csv, line 2", f"column '{col}'")


def test_sweep_out_that_is_a_file_fails_before_solving(tiny_dir, run_cli, tmp_path):
    blocker = write(tmp_path / "taken", "x")
    store = tmp_path / "s.sqlite"
    expect(run_cli, ["sweep", tiny_dir / "tiny.yaml", "--vary", "budget.capex=9e6,1e7", "--out", blocker,
                      "--store", store, "--quiet"], 3, "taken", "not a folder")
    assert _runs_in(store) == 0  # nothing was solved


def test_compare_csv_that_is_a_folder_fails_before_solving(tiny_dir, run_cli, tmp_path):
    store = tmp_path / "s.sqlite"
    expect(run_cli, ["compare", tiny_dir / "tiny.yaml", tiny_dir / "tiny.yaml", "--csv", tmp_path,
                      "--store", store, "--quiet"], 3, "is a folder", "--csv")
    assert _runs_in(store) == 0  # nothing was solved


def test_report_out_that_is_a_folder_is_refused(plan_dir, run_cli, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    expect(run_cli, ["report", plan_dir, "--out", folder], 3, "reports", "is a folder", "report.html")
    assert not any(folder.iterdir())


def _edit_plan(folder: Path, change) -> None:
    doc = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    change(doc)
    (folder / "plan.json").write_text(json.dumps(doc), encoding="utf-8")


_PLAN_EDITS = {
    "workers": (lambda d: d["committees"][0].update(workers="eleven"), "workers"),
    "workers_fraction": (lambda d: d["committees"][0].update(workers=2.5), "workers"),
    "area": (lambda d: d["facilities"][0].update(area_m2=-5), "area_m2"),
    "windows": (lambda d: d["facilities"][0].update(windows=1.5), "windows"),
    "committee_id": (lambda d: d["committees"][0].update(committee_id=7), "committee_id"),
    "site_id": (lambda d: d["committees"][0].update(site_id=["S1"]), "site_id"),
    "totals": (lambda d: d["totals"].update(capex="lots"), "totals.capex"),
    "committees": (lambda d: d.update(committees={"A": 1}), "committees"),
}


@pytest.mark.parametrize("case", sorted(_PLAN_EDITS))
def test_check_names_a_plan_json_field_of_the_wrong_type(plan_dir, run_cli, case):
    change, field = _PLAN_EDITS[case]
    _edit_plan(plan_dir, change)
    expect(run_cli, ["check", plan_dir], 3, "plan.json", field)


# --- 13: only regular files are read, and only so many bytes ------------------------------

def test_dev_zero_as_a_table_or_a_parent_is_refused(tiny_dir):
    write(tiny_dir / "zero.yaml", (tiny_dir / "tiny.yaml").read_text().replace(
        "committees: committees.csv", "committees: /dev/zero"))
    _expect_subprocess(["validate", tiny_dir / "zero.yaml"], 3, "/dev/zero", "not a regular file")
    write(tiny_dir / "child.yaml", "extends: /dev/zero\nname: child\n")
    _expect_subprocess(["validate", tiny_dir / "child.yaml"], 3, "/dev/zero", "not a regular file")
    _expect_subprocess(["validate", "/dev/zero"], 3, "/dev/zero", "not a regular file")
    _expect_subprocess(["classic", "pmedian", "/dev/zero", "--format", "orlib-pmed"], 3, "not a regular file")


def test_fifo_inputs_do_not_hang(tiny_dir, plan_dir):
    os.mkfifo(tiny_dir / "pipe.csv")
    write(tiny_dir / "fifo.yaml", (tiny_dir / "tiny.yaml").read_text().replace(
        "sites: sites.csv", "sites: pipe.csv"))
    _expect_subprocess(["validate", tiny_dir / "fifo.yaml"], 3, "pipe.csv", "not a regular file")
    os.mkfifo(tiny_dir / "scenario-pipe.yaml")
    _expect_subprocess(["validate", tiny_dir / "scenario-pipe.yaml"], 3, "not a regular file")
    (plan_dir / "plan.json").unlink()
    os.mkfifo(plan_dir / "plan.json")
    _expect_subprocess(["check", plan_dir], 3, "plan.json", "not a regular file")


def test_oversized_scenario_is_refused_by_bytes_read(tiny_dir, monkeypatch):
    from siteplan.errors import InputError
    from siteplan.scenario import load

    monkeypatch.setattr(load, "MAX_YAML_BYTES", 64)
    with pytest.raises(InputError, match="more than 64 bytes"):
        load.load_scenario(tiny_dir / "tiny.yaml")


def test_read_bounded_reads_at_most_limit_plus_one_bytes(tmp_path):
    from siteplan.errors import InputError
    from siteplan.fileio import read_bounded

    assert read_bounded(write(tmp_path / "a.txt", "abc"), 3, "test file") == b"abc"
    with pytest.raises(InputError, match="more than 2 bytes"):
        read_bounded(tmp_path / "a.txt", 2, "test file")
    with pytest.raises(InputError, match="not a regular file"):
        read_bounded(tmp_path, 10, "test file")
    with pytest.raises(InputError, match="not found"):
        read_bounded(tmp_path / "nope", 10, "test file")


# --- 14: absurd numbers, overlapping bands, --set edge cases, physical line numbers ---------

@pytest.mark.parametrize("old,new,col", [
    ("A,east,0,0,1000,2600,", "A,east,0,0,1e30,2600,", "households"),
    ("A,east,0,0,1000,2600,", "A,east,0,0,1000,6e6,", "residents"),
])
def test_absurd_committee_counts_are_refused(tiny_dir, run_cli, old, new, col):
    edit(tiny_dir / "committees.csv", old, new)
    err = expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 3, "committees.csv, line 2", f"column '{col}'")
    assert "-9223372036854775808" not in err


@pytest.mark.parametrize("col,value", [("fixed_cost", "1e300"), ("cost_per_m2", "1e200"),
                                       ("opex_per_m2_year", "1e200"), ("max_area_m2", "1e300")])
def test_absurd_site_numbers_are_refused(tiny_dir, run_cli, col, value):
    header = (tiny_dir / "sites.csv").read_text().splitlines()[0].split(",")
    old = "S1,east,400,0,urban,500000,4000,200,1000"
    row = old.split(",")
    row[header.index(col)] = value
    edit(tiny_dir / "sites.csv", old, ",".join(row))
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 3, "sites.csv, line 2", f"column '{col}'")


@pytest.mark.parametrize("value", ["abc", "25", "-1"])
def test_open_hours_that_are_not_hours_are_refused(tiny_dir, run_cli, value):
    lines = (tiny_dir / "sites.csv").read_text().splitlines()
    lines = [lines[0] + ",open_hours_per_day", lines[1] + ",", lines[2] + f",{value}", lines[3] + ",8"]
    write(tiny_dir / "sites.csv", "\n".join(lines) + "\n")
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 3, "sites.csv, line 3", "column 'open_hours_per_day'")


_BANDS = "standards.committee_workers=[{households: [0, 999], min: 2, max: 6}, " \
         "{households: [500, 2000], min: 4, max: 11}, {households: [2001, null], min: 11, max: 20}]"


def test_overlapping_worker_bands_are_refused(tiny_dir, run_cli):
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml", "--set", _BANDS], 3, "standards.committee_workers",
            "[0, 999]", "[500, 2000]", "overlap")


def test_worker_bands_of_different_kinds_may_overlap(tiny_dir, run_cli):
    bands = ("standards.committee_workers=[{households: [0, 999], min: 2, max: 6, kind: urban}, "
             "{households: [0, 2000], min: 2, max: 11, kind: rural}, "
             "{households: [1000, null], min: 4, max: 20, kind: urban}]")
    _ok(run_cli, "validate", tiny_dir / "tiny.yaml", "--set", bands)


def test_set_with_an_empty_value_is_refused(tiny_dir, run_cli):
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml", "--set", "budget.capex="], 3,
            "--set budget.capex= has no value", "budget.capex=null")
    _ok(run_cli, "validate", tiny_dir / "tiny.yaml", "--set", "budget.capex=null")


def test_set_reach_switches_between_metres_and_minutes(tiny_dir, run_cli):
    text = (tiny_dir / "tiny.yaml").read_text().replace("reach: {walk_m: 1000}",
                                                        "reach: {minutes: 15, speed_m_per_min: 70}")
    scn = write(tiny_dir / "minutes.yaml", text)
    _ok(run_cli, "validate", scn, "--set", "reach.walk_m=1000")
    _ok(run_cli, "validate", tiny_dir / "tiny.yaml", "--set", "reach.minutes=15", "--set", "reach.speed_m_per_min=70")
    from siteplan.scenario.load import load_scenario

    assert load_scenario(scn, {"reach.walk_m": 900}).spec.reach.metres() == 900


def test_csv_errors_name_the_physical_line(tiny_dir, run_cli):
    write(tiny_dir / "committees.csv",
           "id,street,x,y,households,residents,kind,name\n"
           "\n"
           'A,east,0,0,1000,2600,urban,"Committee A\nnorth gate"\n'
           "\n"
           "B,east,800,0,500,1300,urban,B\n"
           "C,hill,3000,0,many,1200,rural,C\n")
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 3, "committees.csv, line 7", "households")


def test_duplicate_id_names_both_physical_lines(tiny_dir, run_cli):
    write(tiny_dir / "sites.csv",
           "id,street,x,y,kind,fixed_cost,cost_per_m2,opex_per_m2_year,max_area_m2,name\n"
           'S1,east,400,0,urban,500000,4000,200,1000,"two\nlines"\n'
           "\n"
           "S1,east,0,300,urban,100000,5000,200,600,again\n")
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 3, "sites.csv, line 5", "first on line 2")


@pytest.mark.parametrize("item,needle", [
    ("nonsense.key=1", "unknown key 'nonsense'"),
    ("budget.capx=1", "did you mean 'capex'"),
    ("=5", "no key"),
    ("budget.capex=lots", "budget.capex"),
])
def test_set_with_nonsense_is_a_clear_error(tiny_dir, run_cli, item, needle):
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml", "--set", item], 3, needle)


@pytest.mark.parametrize("args,code,needle", [
    (["--committees", "0", "--sites", "3"], 2, "--committees"),
    (["--committees", "3", "--sites", "3", "--rural-share", "2"], 2, "--rural-share"),
    (["--committees", "3", "--sites", "3", "--preset", "nope"], 3, "unknown preset"),
])
def test_generate_with_bad_arguments(run_cli, tmp_path, args, code, needle):
    expect(run_cli, ["generate", *args, tmp_path / "city"], code, needle)


def test_generate_into_a_file_is_refused(run_cli, tmp_path):
    blocker = write(tmp_path / "taken", "x")
    expect(run_cli, ["generate", "--committees", "3", "--sites", "3", blocker], 3, "taken")


# --- 15: a bad run store is found before solving ------------------------------------------

def _bad_stores(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    return {"folder": folder, "not-sqlite": write(tmp_path / "notes.sqlite", "hello, not a database\n" * 100),
            "under-a-file": write(tmp_path / "plain", "x") / "runs.sqlite"}


@pytest.mark.parametrize("kind", ["folder", "not-sqlite", "under-a-file"])
def test_solve_checks_the_store_before_solving(tiny_dir, run_cli, tmp_path, kind):
    store = _bad_stores(tmp_path)[kind]
    expect(run_cli, ["solve", tiny_dir / "tiny.yaml", "--out", tmp_path / "o", "--store", store, "--quiet"],
            3, "run store")
    assert not (tmp_path / "o").exists()  # nothing solved, nothing written


@pytest.mark.parametrize("kind", ["folder", "not-sqlite"])
def test_compare_and_sweep_check_the_store_before_solving(tiny_dir, run_cli, tmp_path, kind):
    store = _bad_stores(tmp_path)[kind]
    expect(run_cli, ["compare", tiny_dir / "tiny.yaml", tiny_dir / "tiny.yaml", "--store", store, "--quiet"],
            3, "run store")
    expect(run_cli, ["sweep", tiny_dir / "tiny.yaml", "--vary", "budget.capex=9e6,1e7", "--store", store,
                      "--out", tmp_path / "sw", "--quiet"], 3, "run store")
    assert not (tmp_path / "sw").exists()


def test_an_unknown_backend_in_the_scenario_is_an_input_error(tiny_dir, run_cli):
    text = (tiny_dir / "tiny.yaml").read_text(encoding="utf-8").replace(
        "solver: {time_limit: 30", "solver: {backend: higs, time_limit: 30")
    (tiny_dir / "t.yaml").write_text(text, encoding="utf-8")
    expect(run_cli, ["solve", tiny_dir / "t.yaml", "--no-store", "--out", tiny_dir.parent / "o"], 3,
            "solver.backend", "higs", "highs")


def test_an_id_with_a_control_character_is_refused(tiny_dir, run_cli):
    path = tiny_dir / "committees.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("\nA,", "\nA\x00,", 1), encoding="utf-8")
    expect(run_cli, ["validate", tiny_dir / "tiny.yaml"], 3, "committees.csv", "control character")
