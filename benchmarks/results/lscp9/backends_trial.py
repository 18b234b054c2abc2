"""LSCP n = 1,000 (instances 1-5 of spopt_compare) with other backends than HiGHS, through
SetCover.solve (reduce, then the core MIP): python benchmarks/results/lscp9/backends_trial.py scip 60 1
(run from the project root; args: backends, time limit, threads)."""
import json
import os
import sys
import time

sys.path.insert(0, "benchmarks")  # spopt_compare.instance
from spopt_compare import instance

from siteplan.backends import SolveOptions, solver_for
from siteplan.classic.models import SetCover

for backend in sys.argv[1].split(","):
    for inst in (1, 2, 3, 4, 5):
        d, _ = instance(1000, inst)
        load = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        r = SetCover.from_cost_matrix(d, radius=100).solve(solver_for(backend), SolveOptions(time_limit=float(sys.argv[2]), threads=int(sys.argv[3])))
        print(json.dumps({"backend": backend, "instance": inst, "status": r.status.value, "objective": r.objective, "bound": r.bound,
                          "wall_s": round(time.perf_counter()-t0, 2), "cpu_s_parent": round(time.process_time()-c0, 2), "load": round(load, 2), "check": r.check.ok}), flush=True)
