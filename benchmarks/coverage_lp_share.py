"""Share of residents the max_coverage LP relaxation covers at each budget.capex.

The fact a route rule for the coverage phase would read before the MIP (benchmarks/README.md,
"Anatomy of a HiGHS coverage point"): SCIP was faster wherever it is below about 40%.

    python benchmarks/coverage_lp_share.py scenarios/xinhe/coverage.yaml 1e8,1.5e8,2e8,2.5e8,3e8,3.5e8,4e8
    python benchmarks/coverage_lp_share.py /tmp/city/scenario.yaml 2e7,3.8e7,5.6e7,7.4e7,9.2e7,1.1e8,2e8,4e8,6e8
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("capex", help="comma list of budget.capex values")
    args = ap.parse_args()

    from siteplan.backends import SolveOptions, solve
    from siteplan.instance import build_instance
    from siteplan.pipeline import planning_model
    from siteplan.scenario.load import load_scenario

    for cap in (float(v) for v in args.capex.split(",")):
        scn = load_scenario(args.scenario, {"objective": "max_coverage", "budget.capex": cap})
        inst = build_instance(scn)
        model, _ = planning_model(scn, inst)
        c0 = time.process_time()
        res = solve(model.replace(integer=np.zeros_like(model.integer)), "highs", SolveOptions())
        cpu = time.process_time() - c0
        assert res.objective is not None
        share = -res.objective / float(inst.residents.sum())
        print(f"{args.scenario} {cap / 1e6:.0f}M LP share {share:.3f} ({cpu:.2f} CPU s)")


if __name__ == "__main__":
    main()
