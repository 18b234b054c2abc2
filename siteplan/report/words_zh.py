"""The infeasibility diagnosis in Chinese, from the numbers `siteplan.explain` records.

Why rebuild sentences instead of translating text: the English sentences are composed from
`Shortfall.facts`; composing Chinese ones from the same numbers keeps both exact, and uses
the units bureaus read (万元 for money, 平方米 for area).
"""

from __future__ import annotations

KIND_ZH = {"binding": "约束性", "expected": "预期性", "standard": "规范性", "default": "默认假设",
           "capacity": "用地", "resource": "预算"}


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
        return "；仅增加预算无法满足"
    parts = []
    if p.get("capex", 0) > 1:
        parts.append(f"建设投资{wan(p['capex'])}")
    if p.get("opex_per_year", 0) > 1:
        parts.append(f"每年运营费用{wan(p['opex_per_year'])}")
    if p.get("plot_m2", 0) > 1e-3:
        parts.append(f"用地面积{p['plot_m2']:,.0f}平方米")
    return ("；再增加" + "和".join(parts) + "即可满足") if parts else "；在现有预算内即可满足"


def shortfall_zh(s: dict) -> str:
    """One shortfall as a Chinese sentence; the English text when its facts are missing."""
    f, g = s.get("facts") or {}, s.get("group")
    try:
        text = _sentence(g, f, s)
    except (KeyError, TypeError, ValueError, IndexError):
        return str(s.get("text", ""))
    if text is None:
        return str(s.get("text", ""))
    text += _price(s.get("price"))
    if s.get("tier") not in ("resource", "capacity"):
        text += f"［{s.get('title', s.get('rule'))}，{KIND_ZH.get(s.get('kind'), s.get('kind'))}］"
    return text


def _sentence(g: str, f: dict, s: dict) -> str | None:
    pre = _prefix(f)
    if g == "uncovered":
        parts = []
        lonely = f.get("lonely") or []
        if lonely:
            reach = "/".join(f"{r:,.0f}" for r in f.get("reach_m", []))
            ids = _ids([c for c, _, _ in lonely])
            if len(lonely) == 1:
                near = f"最近的是{lonely[0][1]}，距离{lonely[0][2]:,.0f}米"
            else:
                near = "最近：" + "；".join(f"{c} → {sid} {d:,.0f}米" for c, sid, d in lonely[:6])
            parts.append(f"居委会{ids}在{reach}米步行范围内没有候选设施点；{near}")
        if f.get("other"):
            parts.append(f"居委会{_ids(f['other'])}虽在步行范围内有站点，但受预算或用地上限限制未能覆盖")
        return "；".join(parts)
    if g == "density":
        return (f"{pre}每万城镇常住人口社区工作者为{f['achieved']:.1f}名，未达到{f['required']:g}名"
                f"（需{f['need']:,}名，方案为{f['have']:,}名）")
    if g == "band_low":
        items = [f"{c} {w}名（应为{lo}–{hi}名）" for c, w, lo, hi in f["items"]]
        return f"{pre}{len(items)}个居委会的社区工作者少于配备下限：{_ids(items, 5)}；共缺{f['total']:,}名"
    if g == "band_high":
        return (f"居委会社区工作者配备上限合计最多{f['most']:,}名城镇社区工作者（每万人{f['per10k']:.1f}名），"
                f"达到每万人{f['rate']:g}名需要{f['need']:,}名：配备上限需再增加{round(s['amount']):,}名")
    if g == "area":
        f = dict(f, rate=str(f["rate"]).replace("urban", "城镇").replace("rural", "农村"))
        if f.get("scope") == "street":
            items = [f"{t}缺{v:,.0f}平方米" for t, v in f["items"]]
        else:
            items = [f"{sid} {have:,.0f}/{need:,.0f}平方米" for sid, have, need in f["items"]]
        text = (f"{pre}设施面积比每百户{f['rate']}平方米的要求少{f['total']:,.0f}平方米（{_ids(items, 5)}）")
        if f.get("per100") is not None and s.get("amount", 0) > 0 and f.get("city_short"):
            text += f"；全市每百户{f['per100']:.1f}平方米，未达到{f['rate']}"
        return text
    if g == "minarea":
        items = [f"{sid} {a:,.0f}平方米（最小{m:,.0f}）" for sid, a, m in f["items"]]
        return f"{pre}以下设施面积低于单个设施最小面积：{_ids(items, 5)}"
    if g == "plot_cap":
        items = [f"{sid}需要{need:,.0f}平方米，但地块最多{cap:,.0f}平方米" for sid, need, cap in f["items"]]
        return (f"用地上限（max_area_m2）不足：{_ids(items, 4)}；需再增加{f['total']:,.0f}平方米建筑面积，"
                "或改用更大地块、在附近增设站点")
    if g == "windows":
        return f"{pre}设施{_ids(f['sites'])}比每{f['per']:,}名居民一个综合服务窗口的要求少{f['windows']:.1f}个窗口"
    if g in ("capex", "opex"):
        what = "建设投资预算" if g == "capex" else "年运营预算"
        return (f"{what}{wan(f['budget'])}缺口{wan(f['short'])}：仅满足约束性指标就至少需要"
                f"{wan(f['budget'] + f['short'])}")
    return None
