"""CBC, the binary that ships inside PuLP, fed an MPS file we write ourselves.

Why not build through PuLP's objects: one Python object per variable and per term is slow at
~100k columns, and `import pulp` also imports highspy (which then blocks OR-Tools in the same
process). We only locate PuLP's bundled `cbc` executable, write the model with vectorised
numpy (`backends.mps`), run the binary and read its solution file and log. CBC therefore loads
nothing into this process and clashes with no backend.

What CBC reports, and how it is read: the status is the text solution file's first line
(`STATUS_MAP`); the values come from CBC's binary `-saveSolution` file, in full double
precision (the text file prints 8 significant digits, enough to break a row by 1e-5); best
bound and node count come from the log (the bound is printed to ~6 digits); the objective is
recomputed from the values.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from siteplan.backends.base import Backend, SolveOptions
from siteplan.backends.common import FEASIBILITY_TOL, quiet_native, relative_violation
from siteplan.backends.mps import trivially_infeasible, write_mps
from siteplan.errors import SolverError
from siteplan.model.ir import Model
from siteplan.result import SolveResult, Termination, relative_gap

#: solution-file status (text before " - objective value") ->
#: (termination if a solution exists, termination if not, limit)
STATUS_MAP: dict[str, tuple[Termination, Termination, str | None]] = {
    "Optimal": (Termination.OPTIMAL, Termination.ERROR, None),
    # stopped at the requested mip_gap / abs_gap: optimal in siteplan's sense, as for HiGHS
    "Optimal (within gap tolerance)": (Termination.OPTIMAL, Termination.ERROR, None),
    "Infeasible": (Termination.INFEASIBLE, Termination.INFEASIBLE, None),
    "Integer infeasible": (Termination.INFEASIBLE, Termination.INFEASIBLE, None),
    "Unbounded": (Termination.UNBOUNDED, Termination.UNBOUNDED, None),
    "Stopped on time": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "time"),
    "Stopped on iterations": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "iterations"),
    "Stopped on solutions": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "solutions"),
    "Stopped on nodes": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "nodes"),
    "Stopped on ctrl-c": (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "interrupt"),
    "Stopped on difficulties": (Termination.ERROR, Termination.ERROR, None),
    "Status unknown": (Termination.ERROR, Termination.ERROR, None),
}

#: CBC checks its clock only between phases (root heuristics can overrun): past the limit by
#: max(INTERRUPT_GRACE, 10 %) it gets SIGINT, and KILL_GRACE seconds later it is killed
INTERRUPT_GRACE = 5.0
KILL_GRACE = 15.0


def cbc_path() -> Path | None:
    """PuLP's bundled CBC for this platform, found without importing pulp."""
    spec = importlib.util.find_spec("pulp")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations))) / "solverdir" / "cbc"
    system = {"Linux": "linux", "Darwin": "osx", "Windows": "win"}.get(platform.system())
    arch = "arm64" if platform.machine().lower() in ("arm64", "aarch64") else (
        "i64" if sys.maxsize > 2**32 else "i32")
    exe = "cbc.exe" if system == "win" else "cbc"
    candidate = root / str(system) / arch / exe
    return candidate if candidate.is_file() else None


def _parse_float(pattern: str, text: str) -> float | None:
    found = re.findall(pattern, text, flags=re.MULTILINE)
    if not found:
        return None
    try:
        return float(found[-1])
    except ValueError:
        return None


def _cap_memory(pid: int, mb: int) -> None:
    """Cap a child's address space after it starts (no preexec_fn: unsafe with threads)."""
    import resource

    if hasattr(resource, "prlimit"):
        cap = mb * 1024 * 1024
        try:
            resource.prlimit(pid, resource.RLIMIT_AS, (cap, cap))
        except (OSError, ValueError):  # the child already exited, or the cap is too low
            pass


def read_binary_solution(path: Path, order: np.ndarray) -> np.ndarray | None:
    """Column values from `-saveSolution`: int rows, int cols, objective, row activities,
    row duals, column activities, reduced costs (native-endian). None if absent or odd."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if len(raw) < 8:
        return None
    rows, cols = (int(v) for v in np.frombuffer(raw[:8], dtype=np.int32))
    data = np.frombuffer(raw[8:], dtype=np.float64)
    if cols != order.size or data.size != 1 + 2 * rows + 2 * cols:
        return None
    x = np.zeros(order.size)
    x[order] = data[1 + 2 * rows: 1 + 2 * rows + cols]
    return x


def read_solution(path: Path, n: int) -> tuple[str, np.ndarray]:
    """(status text, x) from a CBC solution file; columns are named C<j>."""
    x = np.zeros(n)
    with open(path, encoding="ascii", errors="replace") as fh:
        header = fh.readline().strip()
        for line in fh:
            parts = line.replace("**", " ").split()
            if len(parts) >= 3 and parts[1].startswith("C"):
                x[int(parts[1][1:])] = float(parts[2])
    return header.split(" - ")[0].strip(), x


class PulpCbcBackend(Backend):
    name = "pulp-cbc"
    module = "pulp"
    distribution = "pulp"
    clashes = ()  # a separate process: nothing shares our address space
    loads = ()
    supports_warm_start = True  # CBC's -mipstart
    description = "COIN-OR CBC (binary bundled with PuLP), fed a vectorised MPS file"
    #: "CBC-version (pulp version)", found once per process
    _version: str | None = None

    def available(self) -> tuple[bool, str]:
        ok, why = super().available()
        if not ok:
            return ok, why
        path = cbc_path()
        if path is None:
            return False, f"PuLP has no bundled CBC binary for {platform.system()}/{platform.machine()}"
        return True, ""

    def version(self) -> str:
        """CBC's own version with PuLP's, e.g. `2.10.3 (pulp 3.3.2)`; cached per process."""
        cached = PulpCbcBackend._version
        if cached:
            return cached
        pulp_v = super().version()
        cbc_v = "unknown"
        path = cbc_path()
        if path is not None:
            try:
                out = subprocess.run([str(path), "-quit"], capture_output=True, text=True,
                                     timeout=20, stdin=subprocess.DEVNULL, check=False).stdout
                m = re.search(r"Version:\s*(\S+)", out)
                cbc_v = m.group(1) if m else cbc_v
            except (OSError, subprocess.SubprocessError):
                pass
        version = PulpCbcBackend._version = f"{cbc_v} (pulp {pulp_v})"
        return version

    def _args(self, options: SolveOptions) -> list[str]:
        args: list[str] = []
        if options.time_limit is not None:  # CBC counts CPU seconds unless told otherwise
            args += ["-timeMode", "elapsed", "-sec", repr(float(options.time_limit))]
        if options.mip_gap is not None:
            args += ["-ratioGap", repr(float(options.mip_gap))]
        if options.abs_gap is not None:
            args += ["-allowableGap", repr(float(options.abs_gap))]
        if options.threads is not None:
            args += ["-threads", str(int(options.threads))]
        if options.seed is not None:
            args += ["-randomCbcSeed", str(int(options.seed)), "-randomSeed", str(int(options.seed))]
        for key, value in options.extra.items():  # {"cuts": "off", "preprocess": "sos", ...}
            args.append("-" + str(key).lstrip("-"))
            if value is not None and value is not True:
                args.append(str(value))
        return args

    @quiet_native
    def run(self, model: Model, options: SolveOptions) -> SolveResult:
        version = self.version()
        t0 = time.perf_counter()
        bad = trivially_infeasible(model)
        if bad:
            return SolveResult(backend=self.name, status=Termination.INFEASIBLE,
                               backend_version=version, message=bad)
        path = cbc_path()
        if path is None:
            raise SolverError("PuLP's bundled CBC binary was not found",
                              fix="reinstall pulp (pip install --force-reinstall pulp)")
        if not os.access(path, os.X_OK):
            try:  # some installers drop the executable bit
                os.chmod(path, 0o755)
            except OSError as exc:
                raise SolverError(f"PuLP's CBC binary {path} is not executable: {exc}",
                                  fix=f"chmod +x {path}") from exc
        with tempfile.TemporaryDirectory(prefix="siteplan-cbc-") as tmp:
            mps, sol, start = Path(tmp) / "model.mps", Path(tmp) / "model.sol", Path(tmp) / "start.sol"
            binsol = Path(tmp) / "model.bin"
            order = write_mps(model, str(mps))
            cmd = [str(path), str(mps), *self._args(options)]
            if model.warm_start is not None and model.integer.any():
                known = np.flatnonzero(~np.isnan(model.warm_start))
                if known.size:
                    with open(start, "w", encoding="ascii") as fh:
                        fh.write("Feasible - objective value 0\n")
                        fh.writelines(f"{k} C{j} {v!r} 0\n" for k, (j, v) in enumerate(
                            zip(known.tolist(), model.warm_start[known].tolist())))
                    cmd += ["-mipstart", str(start)]
            cmd += ["-solve", "-saveSolution", str(binsol),
                    "-printingOptions", "all", "-solution", str(sol)]
            build = time.perf_counter() - t0

            t1 = time.perf_counter()
            log, interrupted = self._execute(cmd, options)
            solve_s = time.perf_counter() - t1
            if not sol.exists():
                status = Termination.NO_SOLUTION_FOUND if interrupted else Termination.ERROR
                tail = " | ".join(log.strip().splitlines()[-3:])
                limit = "time" if interrupted else ("memory" if options.memory_limit_mb else None)
                return SolveResult(backend=self.name, status=status, limit=limit,
                                   build_seconds=build, solve_seconds=solve_s,
                                   backend_version=version,
                                   message=f"CBC wrote no solution: {tail}")
            key, x = read_solution(sol, model.n_vars)
            exact = read_binary_solution(binsol, order)
            if exact is not None:
                x = exact

        return self._interpret(model, options, key, x, log, interrupted, build, solve_s, version)

    def _execute(self, cmd: list[str], options: SolveOptions) -> tuple[str, bool]:
        """Run CBC, echoing its log if asked; interrupt it (SIGINT) well past the time limit."""
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, errors="replace")
        if options.memory_limit_mb:  # CBC is its own process: cap it (Linux prlimit)
            _cap_memory(proc.pid, int(options.memory_limit_mb))
        interrupted = threading.Event()
        timer = None
        if options.time_limit is not None:
            def stop() -> None:
                interrupted.set()
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(KILL_GRACE)
                except subprocess.TimeoutExpired:
                    proc.kill()
            timer = threading.Timer(
                options.time_limit + max(INTERRUPT_GRACE, 0.1 * options.time_limit), stop)
            timer.daemon = True
            timer.start()
        lines = []
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                lines.append(line)
                if options.log:
                    sys.stderr.write(line)
            proc.wait()
        except BaseException:  # Ctrl-C here: CBC must not run on to its time limit on its own
            proc.kill()
            proc.wait()
            raise
        finally:
            if timer is not None:
                timer.cancel()
        return "".join(lines), interrupted.is_set()

    def _interpret(self, model: Model, options: SolveOptions, key: str, x: np.ndarray | None, log: str,
                   interrupted: bool, build: float, solve_s: float, version: str) -> SolveResult:
        unknown = re.findall(r"^No match for (\S+)", log, flags=re.MULTILINE)
        if unknown:  # CBC ignores a misspelt option; a profile typo must not pass silently
            raise self.unknown_option(unknown[0].lstrip("-"),
                                      "use a CBC command-line option name such as 'cuts' or 'preprocess'"
                                      + (f" (also unknown: {', '.join(unknown[1:])})" if unknown[1:] else ""))
        with_sol, without, limit = STATUS_MAP.get(key, (Termination.ERROR, Termination.ERROR, None))
        if key not in STATUS_MAP and key.startswith("Stopped"):  # a stop we have not met yet
            with_sol, without, limit = Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND, "other"
        # an incumbent exists if CBC says optimal, or printed a final objective for a MIP stop
        final = re.search(r"^Result - .*$", log, flags=re.MULTILINE)
        has_sol = key.startswith("Optimal") or (
            key.startswith("Stopped") and final is not None
            and re.search(r"^Objective value:", log, flags=re.MULTILINE) is not None
            and "No feasible solution found" not in log)
        if key.startswith("Stopped") and (interrupted or (
                options.time_limit is not None and solve_s >= options.time_limit)):
            limit = "time"  # CBC calls an LP stopped by the clock "Stopped on iterations"
        note = ""
        if has_sol and x is not None and relative_violation(model, x) > FEASIBILITY_TOL:
            # seen when CBC stops in root heuristics: the file holds the LP point, not the
            # incumbent the log reports; never pass that off as a plan
            has_sol = False
            note = " (CBC reported an incumbent but wrote a point that violates the model)"
        status = with_sol if has_sol else without
        if not has_sol:
            x = None
        if x is not None and model.integer.any():
            xi = x[model.integer]
            near = np.abs(xi - np.round(xi)) <= 1e-6
            xi[near] = np.round(xi[near])
            x[model.integer] = xi
        objective = model.objective_value(x) if x is not None else None
        bound = _parse_float(r"^Lower bound:\s*(\S+)", log)
        if bound is None:
            bound = _parse_float(r"best possible ([-+0-9.eE]+)", log)
        if bound is not None:
            bound += model.offset
        if status == Termination.OPTIMAL and (bound is None or not model.integer.any()):
            bound = objective
        if bound is not None and objective is not None and status == Termination.OPTIMAL:
            bound = min(bound, objective)  # the log rounds the bound to 6 digits
        nodes = _parse_float(r"^Enumerated nodes:\s*(\d+)", log)
        extra = {}
        if "mipstart" in log.lower():
            extra["warm_start"] = ("ignored" if "No mipstart solution read" in log
                                   else "accepted")
        return SolveResult(
            backend=self.name, status=status, limit=limit if status != Termination.OPTIMAL else None,
            objective=objective, bound=bound, gap=relative_gap(objective, bound), x=x,
            build_seconds=build, solve_seconds=solve_s,
            nodes=int(nodes) if nodes is not None else (0 if not model.integer.any() else None),
            backend_version=version, message=key + note, extra=extra,
        )
