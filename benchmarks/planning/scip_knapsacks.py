"""Does SCIP see the plots as knapsacks? Its constraint and separator statistics on one city.

siteplan writes a plot's capacity through the floor-area column (rows `area`:
a_s >= sum need_c x_p, and `maxarea`: a_s <= K_s y_s), so no single row is a knapsack over
binaries. This script solves the generated city with SCIP for a while in three forms and
prints how many rows SCIP holds as knapsack constraints, how many knapsack-cover cuts its
separators found, and the root bound:

  plain    the model as siteplan writes it
  knap     plus sum need_c x_p - K_s y_s <= 0 per site (fractional needs: SCIP keeps it linear)
  knap10   the same row times 10 with K_s rounded down (integral: SCIP upgrades it to a knapsack)

    python benchmarks/planning/scip_knapsacks.py --committees 1000 --seconds 60
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path

import numpy as np
from city_benchmark import SEEDS  # the same cities as the speed benchmark


def model_of(n: int, tmp: Path):
    from siteplan.generate import CityShape, write_city
    from siteplan.instance import build_instance
    from siteplan.model.build import build_planning_model
    from siteplan.pipeline import fix_workers
    from siteplan.scenario.load import load_scenario

    path = write_city(tmp / "city", CityShape(n, int(0.4 * n), seed=SEEDS.get(n, 1), reach_m=1000))
    scn = load_scenario(path)
    inst = build_instance(scn)
    model, pm = build_planning_model(inst, scn.spec.objective, scn.standards.area_scope, scn.spec.budget.capex,
                                     scn.spec.budget.opex_per_year, scenario=scn)
    return fix_workers(scn, inst, model, pm), pm


def with_knapsacks(model, pm, scale: float | None):
    from siteplan.model.covers import plot_knapsacks, with_rows

    knap = plot_knapsacks(model, pm)
    assert knap is not None  # facility scope
    pair_s, need, cap = knap
    if scale:  # integral rows: needs are multiples of 1/scale m2; rounding K down only relaxes
        need, cap = np.round(scale * need), np.floor(scale * cap + 1e-9)
    n = len(cap)
    return with_rows(model, [*pair_s.tolist(), *range(n)], [*pm.x.tolist(), *pm.y.tolist()],
                     [*need.tolist(), *(-cap).tolist()], n, block="plot_knapsack")


def stats(model, seconds: float, tmp: Path) -> dict:
    import pyscipopt

    from siteplan.backends.mps import write_mps

    write_mps(model, str(tmp / "m.mps"))
    s = pyscipopt.Model()
    s.hideOutput()
    s.readProblem(str(tmp / "m.mps"))
    s.setParam("limits/time", float(seconds))
    s.optimize()
    s.writeStatistics(str(tmp / "stats.txt"))
    text = (tmp / "stats.txt").read_text()

    def tokens(name: str, section: str = "Separators") -> list[str]:
        after = text[text.index(section + " "):] if section + " " in text else ""
        m = re.search(rf"^\s*{re.escape(name)}\s*:(.*)$", after, re.MULTILINE)
        return m.group(1).split() if m else []

    cover = tokens("> knapsackcover")  # separator columns: ... ViaPoolAdd (8th) DirectAdd Applied (10th)
    k = tokens("knapsack", "Constraints        :     Number")  # Number ... Cuts (12th) Applied (13th)
    return {"knapsack_conss": int(k[0]) if k else 0,
            "knapsack_handler_cuts": int(k[11]) if len(k) > 12 else 0,
            "knapsack_handler_applied": int(k[12]) if len(k) > 12 else 0,
            "knapsackcover_cuts": int(cover[7]) if len(cover) > 9 else 0,
            "knapsackcover_applied": int(cover[9]) if len(cover) > 9 else 0,
            "root_bound_M": round((s.getDualboundRoot() + model.offset) / 1e6, 3),
            "load_avg": [round(v, 2) for v in os.getloadavg()]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--committees", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model, pm = model_of(args.committees, Path(tmp))
        for form, scale in (("plain", None), ("knap", 0.0), ("knap10", 10.0)):
            m = model if scale is None else with_knapsacks(model, pm, scale)
            print(form, stats(m, args.seconds, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
