import sys, time, json
from dataclasses import replace
sys.path.insert(0, "/work/main/benchmarks")
import numpy as np
from spopt_compare import instance
from siteplan.backends import SolveOptions, solver_for
from siteplan.classic import cover_reduce
from siteplan.classic.models import core_model, covering_options
from siteplan.result import Termination

def with_restarts(model, route, opts, first=4.0, total=300.0):
    t0 = time.process_time(); cut = first; k = 0; ws = model.warm_start; log = []
    while True:
        left = total - (time.process_time() - t0)
        last = cut * 2 > left
        o = replace(opts, time_limit=left if last else cut, seed=(opts.seed or 0) + k)
        res = route(model.replace(warm_start=ws), o)
        log.append((k, round(time.process_time() - t0, 2), res.status.value, res.objective))
        if res.status == Termination.OPTIMAL or last or res.limit != "time":
            return res, log
        if res.x is not None: ws = res.x
        cut *= 2; k += 1

mode = sys.argv[1]; insts = [int(t) for t in sys.argv[2].split(",")]
route = solver_for("highs")
for inst in insts:
    d, _ = instance(1000, inst)
    A = cover_reduce.coverage(d, 100.0); f = np.ones(1000)
    core = cover_reduce.reduce(A, f)
    model = core_model(core, f, start=cover_reduce.greedy(core.A, f[core.cols]))
    opts = covering_options(route, SolveOptions(time_limit=300, threads=1, seed=0))
    t = time.process_time()
    if mode == "default":
        res = route(model, opts); log = []
    else:
        res, log = with_restarts(model, route, opts, first=float(mode))
    print(json.dumps(dict(mode=mode, inst=inst, status=res.status.value, obj=res.objective + core.fixed.size, cpu=round(time.process_time() - t, 2), log=log)), flush=True)
