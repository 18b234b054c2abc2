"""Policy rules, one module per rule (see docs/adding-a-rule.md).

Every module of this package whose name does not start with "_" (and is not `base`) is a
rule module: it defines `RULES`, a list of `Rule` instances. They are found here, in the
order of their `order`, and everything else loops over `registered()`: adding a rule is
one new module plus its preset lines.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from siteplan.rules.base import Rule

__all__ = ["Rule", "owner", "registered", "rule_names", "table_columns"]


@lru_cache(maxsize=1)
def registered() -> tuple[Rule, ...]:
    """Every rule, in registry order."""
    found: list[Rule] = []
    for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if m.name.startswith("_") or m.name == "base":
            continue
        mod = importlib.import_module(f"{__name__}.{m.name}")
        found += list(getattr(mod, "RULES", ()))
    ids = [r.id for r in found]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise RuntimeError(f"two rule modules claim the rule id(s) {sorted(dup)}")
    return tuple(sorted(found, key=lambda r: (r.order, r.id)))


def owner(rule_id: str) -> Rule | None:
    """The rule that owns a rule id (its own id, or a compliance id it writes)."""
    for r in registered():
        if r.id == rule_id or rule_id in r.names:
            return r
    return None


def rule_names() -> dict[str, tuple[str, str]]:
    """rule id -> (zh, en) name, over every registered rule."""
    out: dict[str, tuple[str, str]] = {}
    for r in registered():
        out.update(r.names)
    return out


def table_columns(table: str) -> dict[str, tuple[str, ...]]:
    """Optional columns the rules read from a table ("committees") -> allowed values."""
    out: dict[str, tuple[str, ...]] = {}
    for r in registered():
        if table == "committees":
            out.update(r.committee_columns)
    return out
