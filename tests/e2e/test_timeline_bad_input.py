"""Bad timeline input: a clear input error naming the file and the key, and nothing written."""

from __future__ import annotations

import pytest

BASE = """extends: tiny.yaml
name: tiny-timeline-bad
"""

CASES = {
    "out_of_order": ("years: [2025, 2024]\n", ["years are out of order", "years"]),
    "gap": ("years: [2023, 2025]\n", ["years have a gap", "years"]),
    "budget_year_outside": ("years: [2024, 2025]\nbudget: {capex: {2024: 1.0e6, 2025: 1.0e6, 2030: 1.0e6}}\n",
                            ["budget.capex.2030", "not a year of the timeline"]),
    "budget_year_missing": ("years: [2024, 2025]\nbudget: {capex: {2024: 1.0e6}}\n",
                            ["budget.capex", "no budget for 2025"]),
    "growth_below_minus_one": ("years: [2024, 2025]\ntimeline: {growth: -1.5}\n", ["timeline.growth", "(-1, 1]"]),
    "growth_empties_a_committee": ("timeline: {start: 2024, end: 2026, growth: -0.999}\n",
                                   ["households in 2025", "timeline.growth"]),
    "unknown_rule_milestone": ("years: [2024, 2025]\nstandards: {workers_per_10k: {2025: 18}}\n",
                               ["standards.workers_per_10k", "did you mean 'workers_per_10k_urban'"]),
    "milestone_year_outside": ("years: [2024, 2025]\nstandards: {workers_per_10k_urban: {2027: 18}}\n",
                               ["standards.workers_per_10k_urban.2027"]),
    "per_year_without_timeline": ("budget: {capex: {2024: 1.0e6}}\n", ["budget.capex", "no timeline"]),
    "unknown_timeline_key": ("timeline: {start: 2024, end: 2025, reasign: true}\n",
                             ["timeline.reasign", "did you mean 'reassign'"]),
    "end_before_start": ("timeline: {start: 2025, end: 2024}\n", ["timeline.end", "before its start"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_timeline_input_is_a_clear_error_and_writes_nothing(case, tiny_dir, tmp_path, run_cli):
    text, words = CASES[case]
    path = tiny_dir / "bad.yaml"
    path.write_text(BASE + text, encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, err = run_cli("solve", path, "--out", out, "--quiet", "--no-store")
    assert code == 3, err
    assert str(path) in err and "Traceback" not in err
    for w in words:
        assert w in err, (w, err)
    assert not out.exists()
    assert stdout == ""
