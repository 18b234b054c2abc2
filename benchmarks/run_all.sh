#!/usr/bin/env bash
# Reproduce every number in benchmarks/README.md. Run from the repository root:
#     bash benchmarks/run_all.sh            # everything (hours on a 2-core machine)
#     bash benchmarks/run_all.sh pmed cap   # selected parts
# Data root: $SITEPLAN_BENCH_DATA, default ../shared/bench. Each part resumes (--resume).
set -u
SP=${SITEPLAN:-siteplan}
PY=${PYTHON:-python}
R=benchmarks/results
ALL="pmed pmed-bbc capabc-benders pmed-backends pmed-hard cap-small cpsat uncap capabc spopt tsplib ufllib city network"
PARTS=${*:-$ALL}
for part in $PARTS; do
  case $part in
    pmed)          # target: pmed1-40 proven optimal = published, total < 10 min
      $SP bench orlib-pmed --solvers highs --threads 1 --time-limit 600 --out $R/orlib-pmed-rerun --resume ;;
    pmed-bbc)      # issue 13: branch-and-Benders-cut on SCIP (auto), one run, one thread
      nice -n 10 $SP bench orlib-pmed --solvers highs --threads 1 --time-limit 600 --out $R/orlib-pmed-bbc --resume ;;
    capabc-benders) # issue 13: CFLP Lagrangian front end + Benders on the sites (60 s each, all 12)
      nice -n 5 $SP bench orlib-cap --only capa,capb,capc --solvers scip --method benders \
        --threads 1 --time-limit 60 --out $R/orlib-cap-abc-s6 --resume ;;
    pmed-backends) # default-backend evidence on the p-median (same method, 4 MIP backends)
      $SP bench orlib-pmed --solvers highs,pulp-cbc,scip,ortools-scip \
        --only pmed1,pmed2,pmed3,pmed4,pmed5,pmed6,pmed7,pmed8,pmed9,pmed10,pmed11,pmed12,pmed13,pmed14,pmed15 \
        --time-limit 300 --out $R/orlib-pmed-backends --resume ;;
    pmed-hard)     # the small-p instances on the other MIP backends (which master solver is best?)
      $SP bench orlib-pmed --solvers scip,pulp-cbc --only pmed16,pmed35 --time-limit 600 \
        --out $R/orlib-pmed-hard --resume ;;
    cap-small)     # target: cap41-134 all optimal in < 60 s together; 4 MIP backends
      # (ortools-cpsat grids continuous variables and timed out on cap41/42: see cpsat part)
      $SP bench orlib-cap --solvers highs,pulp-cbc,scip,ortools-scip \
        --only cap41,cap42,cap43,cap44,cap51,cap61,cap62,cap63,cap64,cap71,cap72,cap73,cap74,cap81,cap82,cap83,cap84,cap91,cap92,cap93,cap94,cap101,cap102,cap103,cap104,cap111,cap112,cap113,cap114,cap121,cap122,cap123,cap124,cap131,cap132,cap133,cap134 \
        --time-limit 120 --out $R/orlib-cap-small --resume ;;
    cpsat)         # CP-SAT on a few instances (continuous variables are gridded)
      $SP bench orlib-pmed --solvers ortools-cpsat --only pmed1,pmed2,pmed5 --time-limit 60 \
        --out $R/cpsat-pmed --resume
      $SP bench orlib-cap --solvers ortools-cpsat --only cap41,cap42 --time-limit 120 \
        --out $R/cpsat-cap --resume ;;
    uncap)
      $SP bench orlib-uncap --solvers highs,pulp-cbc,scip,ortools-scip --time-limit 300 \
        --out $R/orlib-uncap --resume ;;
    capabc)        # target: capa/capb/capc at all 12 capacities optimal
      $SP bench orlib-cap --solvers highs --only capa,capb,capc --time-limit 900 --threads 1 \
        --out $R/orlib-cap-abc --resume ;;
    spopt)         # peer comparison (needs: pip install -e .[spopt])
      $PY benchmarks/spopt_compare.py --n 500 --p 10 --radius 150 --seed 1 ;;
    tsplib)
      $SP bench tsplib-pmedian --solvers highs --only rl1304@p50,rl1304@p100,rl1304@p200,rl1304@p500,u1432@p500,vm1748@p200,fl1400@p50 \
        --time-limit 600 --out $R/tsplib-pmedian --resume ;;
    ufllib)
      $SP bench ufllib --solvers highs --time-limit 120 \
        --only Euclid/111EuclS.txt,Chess/334ChessS.txt,PCodes/334PCodesS.txt,Fpp11/1FPP_11S.txt,M/O/MO1,Uniform/123UnifS.txt,GapA/332GapAS.txt \
        --out $R/ufllib --resume ;;
    city)          # planning model scaling curve
      $SP bench city --solvers highs,pulp-cbc --only city100,city300,city1000,city3000 \
        --time-limit 300 --out $R/city --resume ;;
    network)       # street network (needs: pip install -e .[bench]): pairs, .pbf reading, planning on streets
      $PY benchmarks/network/pairs_bench.py && $PY benchmarks/network/pbf_bench.py &&
        $PY benchmarks/network/solve_bench.py ;;
    *) echo "unknown part $part (use: $ALL)"; exit 2 ;;
  esac
done
