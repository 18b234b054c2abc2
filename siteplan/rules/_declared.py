"""Shared by the rules on facts the scenario declares (opening hours, shares): the checker's
row for a fact the scenario never states is "not declared", never met by default."""

from __future__ import annotations

from siteplan.rules.base import NOT_DECLARED


def undeclared(chk, rule, scope, required, note):
    chk.add(rule, scope, required, None, None, enforced=False, status=NOT_DECLARED, note=note)


def declared_share(chk, ctx, rule: str, scope: str) -> None:
    """A share the bureau declares under `facilities:`, against the preset's value."""
    required, value = getattr(ctx.st, rule), getattr(ctx.spec.facilities, rule)
    if rule in ctx.declared:
        chk.add(rule, scope, required, value, value >= required, enforced=False, note="declared by the scenario")
    else:
        undeclared(chk, rule, scope, required, f"not declared by the scenario (set facilities.{rule})")


NOTES_ZH = {r"declared by the scenario": lambda m: "由情景声明",
            r"not declared by the scenario \(set (facilities\.\w+)\)": lambda m: f"情景未声明（可设置 {m[1]}）"}
