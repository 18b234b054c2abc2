"""Report labels in Chinese and English.

Why a table and not gettext: the report has a few dozen labels, and planners in the
Shanghai, Shenyang and Panzhihua bureaus read Chinese while the national preset's users
are as often foreign analysts; one dict keeps both side by side and easy to review.
"""

from __future__ import annotations

LANGS = ("zh", "en")
#: presets whose reports default to Chinese (the national preset defaults to English)
ZH_PRESETS = ("shanghai", "shenyang", "panzhihua")

LABELS: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "title": ("社区服务设施与社区工作者配置方案", "Community service facilities and staffing plan"),
    "sweep_title": ("情景扫描：成本与覆盖前沿", "Scenario sweep: cost and coverage frontier"),
    "compare_title": ("方案对比", "Plan comparison"),
    "scenario": ("情景", "Scenario"),
    "preset": ("政策标准", "Policy preset"),
    "objective": ("目标", "Objective"),
    "status": ("求解状态", "Status"),
    "solver": ("求解器", "Solver"),
    "generated": ("生成", "Generated"),
    "kpis": ("主要指标", "Key figures"),
    "sites_open": ("开放设施", "Sites open"),
    "floor_area": ("建筑面积", "Floor area"),
    "per100": ("每百户面积", "m² per 100 households"),
    "coverage": ("覆盖居民", "Residents covered"),
    "workers": ("社区工作者", "Community workers"),
    "per10k": ("每万城镇常住人口社工数", "Workers per 10,000 urban residents"),
    "capex": ("建设投资", "Capital cost"),
    "opex": ("年运营费用", "Operating cost a year"),
    "total": ("规划期总成本", "Total over the horizon"),
    "mean_walk": ("平均步行距离", "Mean walk"),
    "map": ("设施布局图", "Map"),
    "map_note": ("圆点为居委会/村委会，方块为开放设施（面积与建筑面积成正比），细线为服务关系，虚线圆为步行可达范围。",
                 ("Dots are residents' committees, squares are open sites (area proportional to floor area), "
                 "lines join each committee to its site, dashed circles show the walking reach.")),
    "legend_committee": ("居委会（已覆盖）", "committee (served)"),
    "legend_uncovered": ("未覆盖", "not served"),
    "legend_site_new": ("新建设施", "new site"),
    "legend_site_existing": ("既有/扩建设施", "existing / expanded site"),
    "legend_candidate": ("未选用候选点", "unused candidate"),
    "legend_reach": ("步行可达范围", "walking reach"),
    "compliance": ("标准符合情况", "Compliance with the standards"),
    "rule": ("指标", "Rule"),
    "scope": ("范围", "Scope"),
    "required": ("要求", "Required"),
    "achieved": ("实现", "Achieved"),
    "ok": ("符合", "Met"),
    "kind": ("属性", "Kind"),
    "source": ("依据条款", "Source clause"),
    "note": ("说明", "Note"),
    "overridden": ("情景已修改此值", "value changed by the scenario"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "na": ("不评估", "not assessed"),
    "below": ("未达到", "below"),
    "not_declared": ("情景未声明", "not declared"),
    "kind_binding": ("约束性", "binding"),
    "kind_expected": ("预期性", "expected"),
    "kind_standard": ("规范性", "standard"),
    "kind_default": ("默认假设", "default"),
    "kind_model": ("模型", "model"),
    "costs": ("成本构成", "Cost breakdown"),
    "capex_new": ("新建设施投资", "new sites"),
    "capex_expanded": ("既有设施扩建投资", "expansions"),
    "opex_area": ("设施运营", "floor-area running cost"),
    "opex_workers": ("社区工作者薪酬", "community workers' pay"),
    "opex_windows": ("窗口人员薪酬", "window staff pay"),
    "per_year": ("每年", "a year"),
    "years": ("年", "years"),
    "facilities": ("设施清单", "Facilities"),
    "site": ("设施", "Site"),
    "street": ("街道/乡镇", "Street / town"),
    "facility_status": ("类型", "Type"),
    "area": ("面积 m²", "Area m²"),
    "served": ("服务居民", "Residents served"),
    "binding": ("约束分析：哪些标准和预算起作用", "What binds: tight standards and budgets"),
    "binding_note": ("每一行都将一个参数微调后重新求解，比较总成本。", "Each row re-solves with one value nudged and compares the total cost."),
    "binding_missing": ("尚未计算。运行 siteplan explain --binding 目录 后重新生成报告。",
                        "Not computed. Run `siteplan explain --binding DIR`, then rebuild this report."),
    "change": ("调整", "Change"),
    "delta_total": ("总成本变化", "Change in total cost"),
    "tight": ("是否紧约束", "Tight"),
    "diagnosis": ("不可行原因", "Why no plan meets every rule"),
    "diagnostic_banner": ("以下为诊断方案，不符合标准，仅用于说明需要放宽什么，不可据此建设。",
                          "DIAGNOSTIC PLAN, NOT COMPLIANT: it shows what must give, never what to build."),
    "infeasible": ("不可行", "infeasible"),
    "frontier": ("前沿曲线", "Frontier"),
    "frontier_table": ("扫描结果", "Sweep points"),
    "per_million": ("每增加一百万的边际效果", "per extra million"),
    "standards_bind": ("标准开始起作用的位置", "Where each standard binds"),
    "compare": ("方案对比", "Side by side"),
    "offline": ("本报告为单一文件，离线可读，不需要网络。", "This report is one self-contained file: it works offline."),
    "scale": ("比例尺", "scale"),
    "nudge_workers_per_10k_urban": ("每万城镇常住人口社区工作者 +1", "+1 worker per 10,000 urban residents"),
    "nudge_area_per_100_households": ("每百户设施面积 +1 m²", "+1 m² per 100 households"),
    "nudge_budget.capex": ("建设投资预算 +100万元", "+1M CNY capex budget"),
    "nudge_budget.opex_per_year": ("年运营预算 +100万元", "+1M CNY opex budget a year"),
    "nudge_reach.walk_m": ("步行可达范围 +100 m", "+100 m walking reach"),
    "no_plan": ("无可行方案", "no plan"),
    "capex_short": ("建设投资", "capex"),
    "opex_short": ("年运营", "opex a year"),
}


def default_lang(preset: str | None) -> str:
    return "zh" if preset in ZH_PRESETS else "en"


class Labels:
    """`L("key")` -> the label in the chosen language (English if a key lacks one)."""

    def __init__(self, lang: str):
        if lang not in LANGS:
            raise ValueError(lang)
        self.lang = lang
        self._i = 0 if lang == "zh" else 1

    def __call__(self, key: str) -> str:
        pair = LABELS.get(key)
        return pair[self._i] if pair else key

    def kind(self, kind: str | None) -> str:
        return self(f"kind_{kind}") if f"kind_{kind}" in LABELS else (kind or "")
