"""stdout belongs to siteplan, and Ctrl-C stops a run within seconds.

Both are about what native code does behind Python's back, so every test runs the real CLI
in a subprocess (or on a pseudo-terminal): a solver library writes to file descriptor 1
directly, which in-process capture never sees, and a signal's effect depends on which
process and thread receive it.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from processes import process_cmdlines

from siteplan.backends.registry import ROUTES, get_backend

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny" / "tiny.yaml"
#: text a solver library prints when it is let at stdout (banners, log headers)
BANNERS = ("Running HiGHS", "Copyright", "Welcome to the CBC", "CBC MILP", "SCIP version",
           "presolving:", "Solving MIP", "Coin0")


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def siteplan(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "siteplan.cli", *map(str, args)], capture_output=True,
                          text=True, env=_env(), cwd=ROOT, timeout=timeout, stdin=subprocess.DEVNULL,
                          check=False)


def available(name: str) -> bool:
    return get_backend(name).available()[0]


BACKENDS = [pytest.param(b, marks=pytest.mark.skipif(not available(b), reason=f"{b} unavailable"))
            for b in ROUTES]


def assert_pure_json(stdout: str) -> dict:
    for banner in BANNERS:
        assert banner not in stdout, f"solver output on stdout: {stdout[:300]!r}"
    return json.loads(stdout)  # nothing but the document


def profile(tmp_path: Path, **keys) -> Path:
    path = tmp_path / f"profile-{'-'.join(f'{k}-{v}' for k, v in keys.items())}.yaml"
    path.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in keys.items()), encoding="utf-8")
    return path


# ---- item 5: no solver library writes to siteplan's stdout ------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_solve_json_stdout_is_only_json(backend, tmp_path):
    r = siteplan("solve", TINY, "--solver", backend, "--out", tmp_path / "out", "--no-store", "--json")
    assert r.returncode == 0, r.stderr
    doc = assert_pure_json(r.stdout)
    assert doc["status"] in ("optimal", "feasible") and doc["solver"]["backend"] == backend  # cpsat: gridded


@pytest.mark.parametrize("backend", BACKENDS)
def test_explain_json_stdout_is_only_json(backend, tmp_path):
    # 1.0M capex cannot buy the floor area tiny needs (see tests/unit/test_explain.py): exit 4
    r = siteplan("explain", TINY, "--set", "budget.capex=1e6", "--solver", backend, "--out", tmp_path / "out",
                 "--json")
    assert r.returncode == 4, r.stderr
    doc = assert_pure_json(r.stdout)
    assert doc["feasible"] is False and doc["shortfalls"]


@pytest.mark.parametrize("isolation", ["inline", "process"])
def test_solve_json_stays_clean_in_both_isolations(isolation, tmp_path):
    prof = profile(tmp_path, backend="highs", isolation=isolation)
    r = siteplan("solve", TINY, "--solver", prof, "--out", tmp_path / "out", "--no-store", "--json")
    assert r.returncode == 0, r.stderr
    assert assert_pure_json(r.stdout)["solver"]["isolation"] == isolation


@pytest.mark.parametrize("backend", [b for b in ("highs", "scip", "ortools-scip") if available(b)])
def test_asked_for_solver_log_goes_to_stderr(backend, tmp_path):
    prof = profile(tmp_path, backend=backend, log=True)
    r = siteplan("solve", TINY, "--solver", prof, "--out", tmp_path / "out", "--no-store", "--json")
    assert r.returncode == 0, r.stderr
    assert_pure_json(r.stdout)
    assert len(r.stderr.splitlines()) > 5, "the solver log was asked for: it belongs on stderr"


@pytest.mark.parametrize("backend", BACKENDS)
def test_classic_json_stdout_is_only_json(backend, tmp_path):
    pos = np.array([0.0, 1.0, 10.0, 11.0])
    f = tmp_path / "line.csv"
    np.savetxt(f, np.abs(pos[:, None] - pos[None]), delimiter=",")
    r = siteplan("classic", "pmedian", f, "--p", "2", "--json", "--solver", backend)
    assert r.returncode == 0, r.stderr
    assert assert_pure_json(r.stdout)["objective"] == pytest.approx(2)


# ---- item 16: Ctrl-C stops within seconds, saves nothing, leaves the store whole -------------

#: seconds from SIGINT to exit that count as "within a few seconds"
PROMPT = 5.0


@pytest.fixture(scope="module")
def big_city(tmp_path_factory) -> Path:
    """3,000 committees: HiGHS needs well over a minute, so the solve is running when Ctrl-C comes."""
    out = tmp_path_factory.mktemp("city") / "city"
    r = siteplan("generate", "--committees", 3000, "--sites", 1200, "--seed", 3, out)
    assert r.returncode == 0, r.stderr
    return out / "scenario.yaml"


def assert_nothing_saved(out_dir: Path, store: Path) -> None:
    left = sorted(p.name for p in out_dir.rglob("*")) if out_dir.exists() else []
    assert left == [], f"an interrupted solve left files behind: {left}"
    if store.exists():  # created or not, the store must be a whole SQLite file
        with sqlite3.connect(store) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "runs" in tables:
                assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def interrupt_piped(args: list, wait: float, tmp: Path, sig: int = signal.SIGINT,
                    solver_process: bool = False) -> tuple[int, float, str, str]:
    """Start siteplan with pipes, send `sig` after `wait` s (and, with `solver_process`, once a
    solver process has started): (exit code, seconds to exit, out, err).
    Its temp files (CBC's model, a worker's job) go under `tmp`, to find what it leaves running."""
    proc = subprocess.Popen([sys.executable, "-m", "siteplan.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**_env(), "TMPDIR": str(tmp)}, cwd=ROOT,
                            stdin=subprocess.DEVNULL)
    time.sleep(wait)
    deadline = time.monotonic() + 120
    while solver_process and not left_running(tmp) and time.monotonic() < deadline:
        time.sleep(0.5)  # a loaded machine: wait until the solver process has started
    assert proc.poll() is None, proc.communicate()
    sent = time.monotonic()
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return proc.returncode, time.monotonic() - sent, out, err


def left_running(tmp: Path) -> list[str]:
    """Command lines of processes still using files under `tmp` (a CBC, a worker), after a moment."""
    time.sleep(0.5)
    return [cmd for cmd in process_cmdlines() if str(tmp) in cmd]


def assert_solve_stops_cleanly(args: list, tmp_path: Path, *, wait: float, sig: int = signal.SIGINT,
                               solver_process: bool = False) -> None:
    """`siteplan solve ARGS --json` with a store, stopped by `sig` after `wait` s: exit 130
    within PROMPT seconds, nothing on stdout, nothing saved, no solver process left running."""
    out_dir, store, tmp = tmp_path / "out", tmp_path / "runs.sqlite", tmp_path / "tmp"
    tmp.mkdir()
    code, took, out, err = interrupt_piped(["solve", *args, "--time-limit", 60, "--json", "--out", out_dir,
                                            "--store", store], wait=wait, tmp=tmp, sig=sig,
                                           solver_process=solver_process)
    assert code == 130, err
    assert took < PROMPT, f"{took:.1f} s from {signal.Signals(sig).name} to exit"
    assert "interrupted; nothing saved" in err and "failed" not in err
    assert out == ""
    assert_nothing_saved(out_dir, store)
    assert left_running(tmp) == [], "a solver process outlived the interrupted run"


@pytest.mark.slow
@pytest.mark.parametrize("backend,isolation,sig", [
    ("highs", "inline", signal.SIGINT), ("highs", "process", signal.SIGINT), ("pulp-cbc", "process", signal.SIGINT),
    # `kill`, `timeout` and job schedulers send SIGTERM: the same clean stop, no orphaned solver
    ("highs", "process", signal.SIGTERM), ("pulp-cbc", "process", signal.SIGTERM),
])
def test_signal_while_solving_piped_exits_130_at_once(backend, isolation, sig, big_city, tmp_path):
    if not available(backend):
        pytest.skip(f"{backend} unavailable")
    prof = profile(tmp_path, backend=backend, isolation=isolation)
    assert_solve_stops_cleanly([big_city, "--solver", prof], tmp_path, wait=4.0, sig=sig,
                               solver_process=isolation == "process")


@pytest.mark.slow
def test_ctrl_c_in_the_default_routes_scip_phase_exits_130_at_once(big_city, tmp_path):
    """The default route hands a tight max_coverage budget's coverage phase to SCIP (here from
    about 1 s to 20 s after start-up): Ctrl-C there stops as promptly and saves nothing."""
    if not available("scip"):
        pytest.skip("scip unavailable")
    assert_solve_stops_cleanly([big_city, "--set", "objective=max_coverage", "--set", "budget.capex=2e7"],
                               tmp_path, wait=6.0)


@pytest.mark.slow
def test_ctrl_c_on_a_terminal_exits_130_not_solver_error(big_city, tmp_path):
    """On a terminal, Ctrl-C reaches the whole foreground process group; HiGHS's progress
    callback used to turn it into "backend 'highs' failed: Solve error" (exit 7)."""
    out_dir, store = tmp_path / "out", tmp_path / "runs.sqlite"
    pid, fd = pty.fork()
    if pid == 0:  # the child: siteplan on the pseudo-terminal (progress lines on)
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "siteplan.cli", "solve", str(big_city), "--time-limit",
                                   "60", "--out", str(out_dir), "--store", str(store)], _env())
    seen, sent, t0 = b"", None, time.monotonic()
    while True:
        if sent is None and (b"nodes" in seen or time.monotonic() - t0 > 30):  # the MIP is running
            time.sleep(1.0)
            os.write(fd, b"\x03")  # Ctrl-C, as typed
            sent = time.monotonic()
        if sent is not None and time.monotonic() - sent > 60:
            os.kill(pid, signal.SIGKILL)
        if select.select([fd], [], [], 0.05)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal: it has exited
                break
            if not chunk:
                break
            seen += chunk
    _, status = os.waitpid(pid, 0)
    took = time.monotonic() - sent
    text = seen.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 130, text[-500:]
    assert took < PROMPT, f"{took:.1f} s from Ctrl-C to exit"
    assert "interrupted" in text and "failed" not in text
    assert_nothing_saved(out_dir, store)


@pytest.mark.slow
def test_sigint_stops_a_sweep_and_its_worker_pool(big_city, tmp_path):
    store, tmp = tmp_path / "runs.sqlite", tmp_path / "tmp"
    tmp.mkdir()
    code, took, _, err = interrupt_piped(["sweep", big_city, "--vary", "budget.capex=5e9,6e9", "--workers", 2,
                                          "--time-limit", 60, "--store", store, "--out", tmp_path / "sweep"],
                                         wait=5.0, tmp=tmp)
    assert code == 130, err
    assert took < PROMPT, f"{took:.1f} s from SIGINT to exit"
    assert "interrupted" in err and "run the same command" in err
    assert_nothing_saved(tmp_path / "sweep", store)
