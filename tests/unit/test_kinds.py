"""Objective, solve phase and area scope are enums (siteplan.kinds), not strings: the schema
accepts exactly their values, outputs still hold the plain strings, and no comparison
against a bare string is left in siteplan/."""

from __future__ import annotations

import ast
import json
import typing
from pathlib import Path

import pytest
import yaml
from tinycity import four_committees

from siteplan.kinds import AreaScope, Objective, Phase
from siteplan.scenario.schema import ScenarioSpec, Standards

ROOT = Path(__file__).resolve().parents[2] / "siteplan"


def _accepted(annotation) -> set[str]:
    """The strings a schema field accepts (its enum's values; None aside)."""
    enums = [a for a in (annotation, *typing.get_args(annotation)) if isinstance(a, type) and issubclass(a, str)]
    assert len(enums) == 1, annotation
    return {m.value for m in enums[0]}


def test_enum_values_are_the_schemas_choices():
    assert _accepted(ScenarioSpec.model_fields["objective"].annotation) == {
        "min_cost", "max_coverage", "min_distance"} == set(Objective)
    assert _accepted(Standards.model_fields["area_scope"].annotation) == {"facility", "street"} == set(AreaScope)
    # every objective is a phase of its own name (the first phase solves the objective)
    assert {Phase(o) for o in Objective} < set(Phase)


@pytest.mark.parametrize("key, bad, choices", [("objective", "min_costs", ("'min_cost'", "'max_coverage'", "'min_distance'")),
                                               ("standards.area_scope", "district", ("'facility'", "'street'"))])
def test_a_bad_value_names_the_choices(tmp_path, key, bad, choices):
    from siteplan.errors import InputError
    from siteplan.scenario.load import load_scenario

    with pytest.raises(InputError) as err:
        load_scenario(four_committees(tmp_path), overrides={key: bad})
    msg = str(err.value)
    assert key in msg and repr(bad) in msg and all(c in msg for c in choices), msg


def test_plain_strings_everywhere_they_are_written():
    assert json.dumps({"o": Objective.MIN_COST, "s": AreaScope.STREET}) == '{"o": "min_cost", "s": "street"}'
    assert f"{Phase.MIN_COST_AT_MAX_COVERAGE}" == str(Phase.MIN_COST_AT_MAX_COVERAGE) == "min_cost_at_max_coverage"
    assert Objective("max_coverage") is Objective.MAX_COVERAGE and Objective.MAX_COVERAGE == "max_coverage"


@pytest.mark.slow
def test_solve_writes_plain_strings(tmp_path):
    """plan.json and the resolved scenario YAML beside it say "max_coverage", "street", ...
    exactly as before the enums (the enum type never leaks into an output)."""
    from siteplan.pipeline import solve_scenario
    from siteplan.report.outputs import write_outputs

    path = four_committees(tmp_path / "city", objective="max_coverage", budget={"capex": 2_000_000},
                           standards={"area_scope": "street"})
    out = solve_scenario(path)
    assert out.scenario.spec.objective is Objective.MAX_COVERAGE
    assert out.scenario.standards.area_scope is AreaScope.STREET
    folder = write_outputs(out, tmp_path / "out")
    text = (folder / "plan.json").read_text(encoding="utf-8")
    assert "Objective." not in text and "AreaScope." not in text and "Phase." not in text
    doc = json.loads(text)
    assert doc["scenario"]["objective"] == "max_coverage"
    assert [p["phase"] for p in doc["solver"]["phases"]] == ["max_coverage", "min_cost_at_max_coverage"]
    resolved = sorted(folder.glob("*.yaml"))  # scenario.resolved.yaml
    assert resolved
    for yml in resolved:
        raw = yaml.safe_load(yml.read_text(encoding="utf-8"))
        assert raw["objective"] == "max_coverage" and raw["standards"]["area_scope"] == "street"


#: the strings that name an objective or a solve phase (unambiguous anywhere in siteplan/)
PHASE_WORDS = {p.value for p in Phase} - {Phase.ELASTIC.value}
#: "facility" and "street" are also ordinary words (table columns, compliance scopes such
#: as "street:S1", a rule's preset scope): only a comparison with one is an area scope
SCOPE_WORDS = {a.value for a in AreaScope}


def _literal_uses(path: Path) -> list[str]:
    hits = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and node.value in PHASE_WORDS:
            hits.append(f"{node.lineno}: {node.value!r}")
        elif isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                elts = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                hits += [f"{e.lineno}: compared with {e.value!r}" for e in elts
                         if isinstance(e, ast.Constant) and e.value in SCOPE_WORDS]
        elif isinstance(node, ast.keyword) and "scope" in str(node.arg):
            if isinstance(node.value, ast.Constant) and node.value.value in SCOPE_WORDS:
                hits.append(f"{node.value.lineno}: {node.arg}={node.value.value!r}")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            named = list(zip(args.args[len(args.args) - len(args.defaults):], args.defaults))
            named += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
            hits += [f"{d.lineno}: default {a.arg}={d.value!r}" for a, d in named
                     if isinstance(d, ast.Constant) and d.value in SCOPE_WORDS]
    return hits


def test_no_objective_or_area_scope_string_outside_the_enums():
    hits = [f"{path.relative_to(ROOT)}:{h}" for path in sorted(ROOT.rglob("*.py"))
            if path != ROOT / "kinds.py" for h in _literal_uses(path)]
    assert not hits, hits


def test_the_literal_check_sees_what_it_should(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('def f(pm, area_scope="street"):\n'
                   '    if pm.objective == "min_cost" or pm.area_scope in ("facility",):\n'
                   '        g(area_scope="facility", scope="facility:S1")\n'
                   '        return "street:S1", {"street": 1, "scope": "facility"}\n', encoding="utf-8")
    assert sorted(_literal_uses(bad)) == ["1: default area_scope='street'", "2: 'min_cost'",
                                          "2: compared with 'facility'", "3: area_scope='facility'"]
