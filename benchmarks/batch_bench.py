"""Batch throughput: a generated province solved by `siteplan batch` on the local pool and on a
local Ray cluster (districts per minute, CPU per district, peak memory of all processes).

Every district is a generated city (`siteplan generate`: 300 committees, 150 candidate sites,
seed = its number, preset national, min_cost); each mode solves all of them from an empty run
store (its own file), one solver thread per district, two workers on this 2-core machine.
Wall time covers the whole batch: loading each district on the driver, shipping it, solving,
the independent check and committing it to the store. The Ray cluster is started before
the clock (a batch joins an existing cluster); its start-up is reported apart. Peak memory is
the largest sum of resident memory over the driver and every process under it (pool or Ray
workers, Ray's own daemons), sampled every 0.2 s.

    python benchmarks/batch_bench.py                # 200 districts of 300 committees, pool and ray
    python benchmarks/batch_bench.py --quick        # 20 districts

Writes benchmarks/results/batch_bench[_quick].{json,md}.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


class PeakMemory:
    """Largest total RSS of this process and all its descendants while the block runs."""

    def __init__(self, every: float = 0.2):
        import psutil

        self.psutil, self.every, self.peak = psutil, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        me = self.psutil.Process()
        total = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except (self.psutil.NoSuchProcess, self.psutil.AccessDenied):
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def make_province(root: Path, n: int, committees: int, sites: int) -> Path:
    from siteplan.generate import CityShape, write_city

    for i in range(1, n + 1):
        write_city(root / f"d{i:04d}", CityShape(committees, sites, i, 0.2, 1000), name=f"district-{i:04d}")
    return root


def one(mode: str, province: Path, tmp: Path, limits: dict) -> dict:
    from siteplan.runs.batch import BatchRequest, run_batch

    load = round(os.getloadavg()[0], 2)
    kw: dict = {"executor": "local", "workers": 2}
    startup = 0.0
    if mode == "ray":
        import ray

        t0 = time.perf_counter()
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        startup = time.perf_counter() - t0
        kw = {"executor": "ray"}
    try:
        with PeakMemory() as mem:
            t0, c0 = time.perf_counter(), time.process_time()
            run, _ = run_batch(BatchRequest((str(province),), store_path=tmp / f"runs-{mode}.sqlite",
                                            limits=limits, **kw),
                               progress=lambda m: print("  ", m, flush=True) if "/" in m[:8] else None)
            wall, driver_cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        if mode == "ray":
            ray.shutdown()
    secs = sorted(d.seconds for d in run.districts if d.seconds is not None)
    planned = sum(d.planned for d in run.districts)
    return {"mode": {"pool": "local pool (2 processes)", "ray": "local Ray (2 CPUs)"}[mode],
            "districts": len(run.districts), "planned": planned, "failed": len(run.districts) - planned,
            "wall_seconds": round(wall, 1), "districts_per_minute": round(60 * len(run.districts) / wall, 2),
            "cpu_seconds_per_district": round(run.cpu_seconds / max(run.solved, 1), 2),
            "driver_cpu_seconds_per_district": round(driver_cpu / max(len(run.districts), 1), 3),
            "district_seconds_median": round(statistics.median(secs), 2) if secs else None,
            "district_seconds_p95": round(secs[int(0.95 * (len(secs) - 1))], 2) if secs else None,
            "peak_memory_mb": round(mem.peak / 2**20), "cluster_startup_seconds": round(startup, 1),
            "load_average_before": load}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--districts", type=int, default=200)
    ap.add_argument("--committees", type=int, default=300)
    ap.add_argument("--sites", type=int, default=150)
    ap.add_argument("--quick", action="store_true", help="20 districts")
    ap.add_argument("--modes", default="pool,ray", help="comma list of pool, ray")
    ap.add_argument("--threads", type=int, default=1, help="solver threads per district")
    ap.add_argument("--mip-gap", type=float, default=0.005,
                    help="relative gap on the facility part (the generated scenarios ask 0.001, which a "
                         "300-committee district does not reach within its 120 s limit on a loaded machine)")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()
    n = 20 if args.quick else args.districts

    tmp = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    t0 = time.perf_counter()
    province = make_province(tmp / "province", n, args.committees, args.sites)
    gen = time.perf_counter() - t0
    print(f"generated {n} districts in {gen:.1f} s", flush=True)
    rows = []
    for mode in args.modes.split(","):
        rows.append(one(mode, province, tmp, {"threads": args.threads, "mip_gap": args.mip_gap}))
        print(rows[-1], flush=True)
    result = {"benchmark": "batch_bench", "districts": n,
              "district": f"generated, {args.committees} committees, {args.sites} sites, seed = district number",
              "solver_threads": args.threads, "mip_gap": args.mip_gap, "generate_seconds": round(gen, 1),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()},
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "rows": rows}
    from siteplan.fileio import write_json_atomic, write_text_atomic

    stem = "batch_bench_quick" if args.quick else "batch_bench"
    args.out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(args.out / f"{stem}.json", result)
    md = [("| mode | districts | planned | wall s | districts/min | CPU s per district | driver CPU s per district "
           "| median / p95 district s "
           "| peak memory MB | cluster start s | load avg before |"), "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
    md += [f"| {r['mode']} | {r['districts']} | {r['planned']} | {r['wall_seconds']} | {r['districts_per_minute']} "
           f"| {r['cpu_seconds_per_district']} | {r['driver_cpu_seconds_per_district']} | {r['district_seconds_median']} / {r['district_seconds_p95']} "
           f"| {r['peak_memory_mb']} | {r['cluster_startup_seconds'] or ''} | {r['load_average_before']} |"
           for r in rows]
    write_text_atomic(args.out / f"{stem}.md", "\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
