"""The infeasibility diagnosis in Chinese, from the numbers `siteplan.analysis.explain` records.

Why rebuild sentences instead of translating text: the English sentences are composed from
`Shortfall.facts`; composing Chinese ones from the same numbers keeps both exact, and uses
the units bureaus read (万元 for money, 平方米 for area). Each rule writes its own sentence
(`Rule.describe_zh` in siteplan/rules); this module holds the shared pieces.
"""

from __future__ import annotations

from siteplan.analysis.explain import SAID_PLOT_M2

# keyed by a shortfall's kind, which a stored shortfall may lack (None: shown as is)
KIND_ZH: dict[str | None, str] = {"binding": "约束性", "expected": "预期性", "standard": "规范性",
                                  "default": "默认假设", "capacity": "用地", "resource": "预算"}


def wan(v: float) -> str:
    return f"{float(v) / 1e4:,.1f}万元"


def _ids(items: list[str], limit: int = 6) -> str:
    head = "、".join(items[:limit])
    return head + (f"等{len(items)}个" if len(items) > limit else "")


def _prefix(f: dict) -> str:
    parts = [("建设投资预算" if name == "capex" else "年运营预算") + wan(b) for name, b in f.get("limited_by", [])]
    if parts:
        return "在" + "和".join(parts) + "的限制下，"
    if f.get("band_most") is not None:
        return f"在居委会社区工作者配备上限（合计最多{f['band_most']:,}名城镇社区工作者）的限制下，"
    return ""


def _price(p: dict | None) -> str:
    if p is None:
        return ""
    if not p.get("possible"):
        return "；仅增加预算无法满足" if p.get("exact", True) else "；在时间限制内未求得所需预算"
    parts = []
    if p.get("capex", 0) > 1:
        parts.append(f"建设投资{wan(p['capex'])}")
    if p.get("opex_per_year", 0) > 1:
        parts.append(f"每年运营费用{wan(p['opex_per_year'])}")
    if p.get("plot_m2", 0) >= SAID_PLOT_M2:
        parts.append(f"用地面积{p['plot_m2']:,.0f}平方米")
    if not parts:
        return "；在现有预算内即可满足"
    upper = ""
    if not p.get("exact", True):
        within = f"，最少值与之相差不超过{100 * p['gap']:.1f}%" if p.get("gap") is not None else ""
        upper = f"（为上限：求解在证明其最少之前停止{within}）"
    return "；再增加" + "和".join(parts) + "即可满足" + upper


def shortfall_zh(s: dict) -> str:
    """One shortfall as a Chinese sentence; the English text when its facts are missing."""
    f, g = s.get("facts") or {}, str(s.get("group") or "")  # rules compare the group by name
    try:
        text = _sentence(g, f, s)
    except (KeyError, TypeError, ValueError, IndexError):
        return str(s.get("text", ""))
    if text is None:
        return str(s.get("text", ""))
    if isinstance(f.get("year"), int):  # a timeline's failing year (siteplan.analysis.explain_timeline)
        text = f"{f['year']}年，{text}"
    text += _price(s.get("price"))
    if s.get("tier") not in ("resource", "capacity"):
        text += f"［{s.get('title', s.get('rule'))}，{KIND_ZH.get(s.get('kind'), s.get('kind'))}］"
    return text


def _sentence(g: str, f: dict, s: dict) -> str | None:
    """The owning rule's Chinese sentence (siteplan/rules: `Rule.describe_zh`)."""
    from siteplan.rules import owner

    rule = owner(str(s.get("rule") or ""))
    if rule is None:
        return None
    return rule.describe_zh(g, f, s, _prefix(f))
