"""Mutation run for the independent checker: do the rule-by-rule tests bite?

For every mutant in tests/unit/test_checker_rules.py's MUTANTS (one per rule id that
`siteplan.plan.evaluate` emits, plus scope variants), run that test file with
SITEPLAN_MUTATE_RULE=<mutant>: an autouse fixture there patches the checker in memory so the
rule's failing rows read as passing (mode "pass") or are left out (mode "drop"). No source
file is edited. A mutant is "killed" when at least one test fails, "survived" otherwise.

    PYTHONPATH=$PWD python tests/checker_mutation.py [--mode pass|drop|both] [MUTANT ...]

Prints a table; exits 1 if a mutant survives, the unmutated run fails, or a literal rule id
in siteplan/plan.py or siteplan/rules/*.py has no mutant. Not collected by pytest (its name does not start with test_).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests" / "unit" / "test_checker_rules.py"
PLAN = ROOT / "siteplan" / "plan.py"
#: the checker's rule checks live in the rule modules (siteplan/rules/*.py), next to their rows
RULES = ROOT / "siteplan" / "rules"


def mutants() -> list[str]:
    sys.path[:0] = [str(ROOT), str(TESTS.parent)]
    from test_checker_rules import MUTANTS

    return list(MUTANTS)


def rule_ids_in_checker() -> set[str]:
    """Rule ids written as literals in `chk.add(...)` / `chk.summary(...)` calls of the checker
    (siteplan/plan.py) and of every rule module's `check` (siteplan/rules/*.py)."""
    ids: set[str] = set()
    for path in [PLAN, *sorted(RULES.glob("*.py"))]:
        text = path.read_text(encoding="utf-8")
        ids |= set(re.findall(r"chk\.(?:add|summary)\(\s*\"(\w+)\"", text))
    return ids


def run(mutant: str | None, mode: str) -> tuple[int, list[str], float]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    env.pop("SITEPLAN_MUTATE_RULE", None)
    if mutant:
        env["SITEPLAN_MUTATE_RULE"] = mutant
        env["SITEPLAN_MUTATE_MODE"] = mode
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", str(TESTS), "-q", "-p", "no:cacheprovider",
                           "--tb=no", "-rfE", "-o", "addopts="],
                          check=False, cwd=ROOT, env=env, capture_output=True, text=True)
    failed = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return proc.returncode, failed, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("pass", "drop", "both"), default="both")
    ap.add_argument("only", nargs="*", help="mutants to run (default: all)")
    args = ap.parse_args()
    names = mutants()
    bad = False
    uncovered = sorted(rule_ids_in_checker() - set(names))
    if uncovered:
        print(f"rule ids in the checker (siteplan/plan.py, siteplan/rules) without a mutant: {', '.join(uncovered)}")
        bad = True
    code, failed, secs = run(None, "pass")
    print(f"unmutated run: exit {code}, {len(failed)} failing tests ({secs:.1f} s)")
    if code != 0:
        print("the tests must pass before mutation means anything:", *failed, sep="\n  ")
        return 1
    modes = ("pass", "drop") if args.mode == "both" else (args.mode,)
    selected = args.only or names
    unknown = sorted(set(selected) - set(names))
    if unknown:
        print(f"unknown mutants: {', '.join(unknown)}")
        return 2
    width = max(len("mutant (rule blanked)"), *(len(n) for n in selected))
    print(f"\n{'mutant (rule blanked)':<{width}}  {'mode':<4}  {'verdict':<8}  {'failing':>7}  first failing test")
    survivors = []
    for name in selected:
        for mode in modes:
            code, failed, secs = run(name, mode)
            if code not in (0, 1):  # 2+ : interrupted, usage or collection error: no verdict
                verdict = f"error{code}"
                survivors.append((name, mode))
            else:
                verdict = "killed" if failed else "SURVIVED"
                if not failed:
                    survivors.append((name, mode))
            first = failed[0].split("::", 1)[-1] if failed else "-"
            print(f"{name:<{width}}  {mode:<4}  {verdict:<8}  {len(failed):>7}  {first}", flush=True)
    total = len(selected) * len(modes)
    print(f"\n{total - len(survivors)} of {total} mutants killed"
          + (f"; survived: {', '.join(f'{n} ({m})' for n, m in survivors)}" if survivors else ""))
    return 1 if survivors or bad else 0


if __name__ == "__main__":
    sys.exit(main())
