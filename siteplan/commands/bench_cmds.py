"""`siteplan bench SUITE`: run a benchmark suite over backends (see `siteplan.classic.bench`)."""

from __future__ import annotations

from pathlib import Path

import click

from siteplan.commands.options import THREADS, TIME_LIMIT


@click.command("bench")
@click.argument("suite", type=click.Choice(["orlib-pmed", "orlib-cap", "orlib-uncap", "ufllib",
                                            "tsplib-pmedian", "city"]))
@click.option("--solvers", default=None,
              help="Comma-separated backend routes, e.g. highs,pulp-cbc,scip (default: the default backend).")
@click.option("--time-limit", type=TIME_LIMIT, default=600.0, show_default=True,
              help="Seconds per solve (the worker is killed at 1.5x + 60 s).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: bench-results/SUITE).")
@click.option("--resume", is_flag=True, help="Skip rows already in OUT/results.jsonl.")
@click.option("--data", type=click.Path(file_okay=False), default=None,
              help="Benchmark data root (default: $SITEPLAN_BENCH_DATA or ../shared/bench).")
@click.option("--only", default=None, help="Comma-separated instance names (e.g. pmed1,pmed5).")
@click.option("--threads", type=THREADS, default=None, help="Solver threads.")
@click.option("--method", default="auto", show_default=True,
              help="Classic-model method (p-median: auto, bbc, benders, reduce, compact; CFLP: auto, benders).")
def bench_cmd(suite, solvers, time_limit, out, resume, data, only, threads, method):
    """Run SUITE on each backend: rows to JSONL/CSV, a summary table and charts.

    Rows whose plan fails the independent check, or whose "optimal" value differs from a
    proven published optimum, are flagged loudly (and the command exits with code 6).
    """
    from siteplan.backends.registry import DEFAULT_BACKEND, get_backend
    from siteplan.classic import bench
    from siteplan.errors import CheckFailedError, InputError

    names = [s.strip() for s in (solvers or DEFAULT_BACKEND).split(",") if s.strip()]
    if not names:
        raise InputError("no solver given", fix="e.g. --solvers highs,pulp-cbc")
    for n in names:
        ok, why = get_backend(n).available()
        if not ok:
            raise InputError(f"backend {n} is not available: {why}",
                             fix="install it or drop it from --solvers")
    root = Path(data) if data else bench.default_data_root()
    out_dir = Path(out) if out else Path("bench-results") / suite
    rows = bench.run_suite(suite, names, time_limit, out_dir, root, resume=resume,
                           only=[s.strip() for s in only.split(",")] if only else None,
                           threads=threads, method=method, echo=click.echo)
    click.echo("")
    click.echo(bench.summary_table(rows))
    click.echo(f"rows: {out_dir / 'results.jsonl'} and results.csv; chart: "
               f"{out_dir / 'chart.png'}")
    loud = [r for r in rows if bench.is_loud(r)]
    if loud:
        raise CheckFailedError(f"{len(loud)} FLAGGED rows (see summary.md)",
                               fix="investigate before trusting these numbers")
