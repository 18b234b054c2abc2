"""Solver profiles: every shipped profile loads; bad ones fail with file, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from siteplan.backends.registry import ROUTES
from siteplan.errors import InputError
from siteplan.solver_profiles import load_profile

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "solvers").glob("*.yaml"))


def test_one_profile_per_backend_is_shipped():
    names = {p.stem for p in SHIPPED}
    assert set(ROUTES) <= names
    assert "highs-fast" in names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_profiles_load(path):
    backend, opts = load_profile(path)
    assert backend in ROUTES
    assert opts.time_limit is None or opts.time_limit > 0
    assert isinstance(opts.extra, dict)


def test_name_and_route_lookup():
    assert load_profile("highs-fast")[0] == "highs"
    assert load_profile(str(REPO / "solvers" / "scip.yaml"))[1].time_limit == 600


def write(tmp_path, text: str) -> Path:
    p = tmp_path / "profile.yaml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "text, words",
    [
        ("backend: highs\ntime_limt: 5\n", ["time_limt", "did you mean 'time_limit'"]),
        ("backend: gurobi\n", ["backend", "highs"]),
        ("backend: highs\ntime_limit: -1\n", ["time_limit", "positive"]),
        ("backend: highs\nthreads: two\n", ["threads", "integer"]),
        ("backend: highs\nlog: yes please\n", ["log", "true or false"]),
        ("backend: highs\nisolation: thread\n", ["isolation", "process"]),
        ("backend: highs\nextra: [1, 2]\n", ["extra", "mapping"]),
        ("backend: highs\nextra: {presolve: [on]}\n", ["presolve", "single value"]),
        ("- backend: highs\n", ["mapping"]),
        ("backend: highs\ntime_limit: [5\n", ["YAML", "line"]),
        ("backend: !!python/object:os.system ls\n", ["YAML"]),
    ],
)
def test_bad_profiles_are_input_errors(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_profile(path)
    rendered = info.value.render()
    assert str(path) in rendered  # names the file
    assert "fix:" in rendered
    for w in words:
        assert w in rendered


def test_unknown_name_lists_choices():
    with pytest.raises(InputError) as info:
        load_profile("no-such-profile")
    assert "highs-fast" in info.value.render()
