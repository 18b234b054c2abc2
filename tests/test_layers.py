"""Layers point one way: model code below the backends, the report below the run store,
and no backend named outside `siteplan/backends/` (callers ask capabilities instead)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from siteplan.backends.registry import ROUTES

ROOT = Path(__file__).resolve().parents[1] / "siteplan"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


@pytest.mark.parametrize("module", ["siteplan.classic.models", "siteplan.classic.pmedian_benders",
                                    "siteplan.classic.pmedian_reduce", "siteplan.model.ir"])
def test_model_code_imports_no_backend(module):
    code = (f"import sys, {module}\n"
            "print(sorted(m for m in sys.modules if m.startswith('siteplan.backends')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.strip() == "[]", proc.stdout


def test_model_package_never_mentions_the_backends():
    for path in (ROOT / "model").glob("*.py"):
        assert not any(m.startswith("siteplan.backends") for m in _imports(path)), path.name


def test_runrecord_does_not_import_the_report():
    """report/outputs uses runrecord (bundles); the other way round would be a circle."""
    assert not any(m.startswith("siteplan.report") for m in _imports(ROOT / "runs" / "runrecord.py"))


def test_report_renders_what_it_is_given():
    """The HTML report opens no run store: the command looks a run id up."""
    for path in (ROOT / "report").glob("*.py"):
        banned = ("siteplan.runs.store",) if path.name == "outputs.py" else ("siteplan.runs.store", "siteplan.runs.runrecord")
        assert not any(m.startswith(banned) for m in _imports(path)), path.name


def test_no_backend_name_outside_the_backends():
    """A route name as a string outside siteplan/backends/ is a special case waiting to go
    stale: use `registry.DEFAULT_BACKEND`, a capability (`Backend.solves_lp`) or a helper."""
    hits = []
    for path in ROOT.rglob("*.py"):
        if path.is_relative_to(ROOT / "backends"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ROUTES:
                hits.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert not hits, hits
