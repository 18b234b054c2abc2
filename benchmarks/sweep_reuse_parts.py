"""What a kept solver instance saves per sweep point, part by part, on the generated city of
`sweep_throughput.py` (max_coverage, capex swept): handing the model to a new Highs object
against comparing it with the kept one and passing the changed bounds, and the coverage
phase's LP relaxation solved fresh against re-solved from the kept basis. CPU seconds
(`time.process_time`), so other load on the machine matters little.

    python benchmarks/sweep_reuse_parts.py
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--committees", type=int, default=1000)
    ap.add_argument("--sites", type=int, default=420)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()

    import highspy

    from siteplan.backends import SolveOptions, solve
    from siteplan.backends.highs import pass_model
    from siteplan.backends.session import SolverSession
    from siteplan.generate import CityShape, write_city
    from siteplan.instance import build_instance
    from siteplan.model.build import build_planning_model
    from siteplan.scenario.load import load_scenario

    city = write_city(Path(tempfile.mkdtemp(prefix="sweep-parts-")) / "city",
                      CityShape(args.committees, args.sites, args.seed, 0.2, 1000))

    def model(capex: float):
        scn = load_scenario(city, {"objective": "max_coverage", "budget.capex": capex})
        inst = build_instance(scn)
        return build_planning_model(inst, scn.spec.objective, scn.standards.area_scope, capex, None,
                                    scenario=scn)[0]

    caps = [2e7, 5e7, 8e7, 1.1e8]
    models = [model(c) for c in caps]
    m = models[0]
    print(f"model: {m.n_vars:,} columns, {m.n_rows:,} rows, {m.A.nnz:,} nonzeros")
    c0 = time.process_time()
    for i in range(args.repeat):
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        pass_model(h, models[i % len(models)])
    fresh = (time.process_time() - c0) / args.repeat
    s = SolverSession()
    lp = [mm.replace(integer=np.zeros_like(mm.integer)) for mm in models]
    s.solve(lp[0], "highs", SolveOptions(threads=1))
    kept_inst = s.kept[0][1]
    c0 = time.process_time()
    for i in range(args.repeat):
        mm = lp[(i + 1) % len(lp)]
        assert kept_inst.fits(mm)
        kept_inst._update(mm)  # type: ignore[attr-defined]
    kept = (time.process_time() - c0) / args.repeat
    print(f"hand a model to HiGHS: new Highs + passModel {1000 * fresh:.1f} ms CPU; "
          f"compare with the kept one + pass the changes {1000 * kept:.2f} ms CPU")
    s.close()
    for cap, mm in zip(caps, lp, strict=True):
        c0 = time.process_time()
        r1 = solve(mm, "highs", SolveOptions(threads=1))
        c1 = time.process_time()
        r2 = s.solve(mm, "highs", SolveOptions(threads=1))
        c2 = time.process_time()
        assert r1.objective is not None and r2.objective is not None
        assert abs(r1.objective - r2.objective) <= 1e-6 * abs(r1.objective)
        print(f"LP relaxation, capex {cap / 1e6:g}M: fresh {c1 - c0:.3f} CPU s, "
              f"{r2.extra['model_reuse']} instance {c2 - c1:.3f} CPU s (same optimum {-r1.objective:,.0f})")


if __name__ == "__main__":
    main()
