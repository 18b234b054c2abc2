#!/usr/bin/env bash
# A long fuzz run of `validate` and `solve` on random scenario YAML and CSV mutations
# (tests/e2e/test_fuzz.py; the default test run does 30 examples). Usage:
#   bash benchmarks/fuzz.sh [EXAMPLES] [SEED]      defaults: 2000 examples, a fresh random seed
set -euo pipefail
cd "$(dirname "$0")/.."
export SITEPLAN_FUZZ_EXAMPLES="${1:-2000}"
export SITEPLAN_FUZZ_SEED="${2:-$RANDOM}"
echo "fuzz: $SITEPLAN_FUZZ_EXAMPLES examples, seed $SITEPLAN_FUZZ_SEED"
exec .venv/bin/python -m pytest tests/e2e/test_fuzz.py -q -p no:cacheprovider -x
