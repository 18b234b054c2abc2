"""Report labels in Chinese and English.

Why a table and not gettext: the report has a few dozen labels, and planners in the
Shanghai, Shenyang and Panzhihua bureaus read Chinese while the national preset's users
are as often foreign analysts; one dict keeps both side by side and easy to review.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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
    # the KPI card's "+12 / ↑3": new sites and existing sites expanded
    "sites_new_n": ("新建", "new"),
    "sites_expanded_n": ("扩建", "expanded"),
    "sites_signs": ("+ 新建设施，↑ 既有设施扩建", "+ new site, ↑ existing site expanded"),
    "obj_min_cost": ("最低成本", "minimum cost"),
    "obj_max_coverage": ("预算内最大覆盖", "most residents covered within budget"),
    "obj_min_distance": ("最短步行距离", "shortest walks"),
    "status_optimal": ("最优", "optimal"),
    "status_feasible": ("可行（达到求解限制，未证明最优）", "feasible (a solver limit was hit)"),
    "status_infeasible": ("不可行", "infeasible"),
    "status_no_solution_found": ("未找到方案", "no solution found"),
    "status_unbounded": ("无界", "unbounded"),
    "status_error": ("求解出错", "solver error"),
    "fs_new": ("新建", "new"),
    "fs_expanded": ("扩建", "expanded"),
    "fs_existing": ("既有", "existing"),
    "op_in": ("属于", "in"),
    "k_urban": ("城镇", "urban"),
    "k_rural": ("农村", "rural"),
    "k_centre": ("中心", "centre"),
    "preset_national": ("全国\"十四五\"城乡社区服务体系建设规划", "National 14th Five-Year community services plan"),
    "preset_shanghai": ("上海市\"十四五\"时期社区服务体系建设规划", "Shanghai 14th Five-Year community services plan"),
    "preset_shenyang": ("沈阳市\"十四五\"城乡社区服务体系建设规划", "Shenyang 14th Five-Year community services plan"),
    "preset_panzhihua": ("攀枝花市\"十三五\"城乡社区服务体系建设规划", "Panzhihua 13th Five-Year community services plan"),
}

#: rule id -> (zh, en) name. The Chinese name a preset gives a rule wins in Chinese reports
#: (it is that document's own wording); checker-only rules get theirs from here.
RULE_NAMES: dict[str, tuple[str, str]] = {
    "area_per_100_households": ("每百户居民拥有社区综合服务设施面积", "Facility floor area per 100 households"),
    "area_scope": ("面积核算范围", "Where floor area is counted"),
    "min_facility_area_m2": ("单个设施最小建筑面积", "Minimum floor area of one facility"),
    "coverage": ("社区综合服务设施覆盖率", "Committees with a facility within reach"),
    "workers_per_10k_urban": ("每万城镇常住人口拥有社区工作者数", "Community workers per 10,000 urban residents"),
    "committee_workers": ("居委会社区工作者配备", "Community workers per committee"),
    "windows": ("综合服务窗口", "Service windows"),
    "open_hours_per_day": ("社区服务设施开放时间", "Facility opening hours a day"),
    "activity_share": ("居民活动区域面积占比", "Residents' activity space share of floor area"),
    "certified_share": ("社区工作者持证比例", "Share of workers with a social-work certificate"),
    "commercial_share": ("社区商业和综合服务设施面积占比", "Commercial and service space share of community floor area"),
    "outdoor_square_per_resident": ("室外活动广场", "Outdoor activity square per resident"),
    "walking_reach": ("步行可达距离", "Walking reach"),
    "every_committee_served": ("每个居委会都有服务设施", "Every committee served"),
    "budget_capex": ("建设投资预算", "Capital budget"),
    "budget_opex": ("年运营预算", "Operating budget a year"),
    "plan_integrity": ("方案数据完整性", "Plan integrity"),
    "served_by_open_site": ("由开放设施服务", "Served by an open site"),
    "max_area": ("地块面积上限", "Plot area limit"),
    "existing_kept": ("既有面积不减少", "Existing floor area kept"),
    "site_excluded": ("排除地块不开放", "Excluded site stays closed"),
    "must_stay_open": ("既有和指定设施保持开放", "Existing and required sites open"),
    "stated_totals": ("方案汇总数与重算一致", "Stated totals match the plan"),
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

    def word(self, prefix: str, value) -> str:
        """The label `prefix_value` (objective, status, site type, ...), else the value itself."""
        key = f"{prefix}_{value}"
        return self(key) if key in LABELS else ("" if value is None else str(value))

    def rule_name(self, row: dict) -> str:
        """A compliance row's rule name in this language."""
        rule = str(row.get("rule") or "")
        title = row.get("title")
        if self.lang == "zh" and title and title != rule:
            return str(title)
        pair = RULE_NAMES.get(rule)
        return pair[self._i] if pair else (str(title) if self.lang == "zh" and title else rule)

    def scope(self, scope) -> str:
        """A compliance scope ("all 87 facilities", "city:urban", "street:X") in this language."""
        text = "" if scope is None else str(scope)
        if self.lang == "en":
            return text
        for pattern, repl in SCOPES_ZH:
            m = pattern.fullmatch(text)
            if m:
                return repl(m)
        return text

    def note(self, note) -> str:
        """A checker note in this language (the checker writes English; known notes are rebuilt)."""
        text = "" if note is None else str(note)
        if self.lang == "en":
            return text
        for pattern, repl in NOTES_ZH:
            m = pattern.fullmatch(text)
            if m:
                return repl(m)
        return text


_KIND_ZH = {"urban": "城镇", "rural": "农村"}
_ENTITY_ZH = {"facilities": "处设施", "committees": "个居委会", "served committees": "个已覆盖居委会"}


def _n(text: str) -> str:
    return f"{int(text):,}" if text.isdigit() else text


SCOPES_ZH: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"all (\d+) (facilities|committees|served committees)"),
     lambda m: f"全部{_n(m[1])}{_ENTITY_ZH[m[2]]}"),
    (re.compile(r"all facilities"), lambda m: "全部设施"),
    (re.compile(r"city"), lambda m: "全市"),
    (re.compile(r"city:(urban|rural)"), lambda m: f"全市{_KIND_ZH[m[1]]}"),
    (re.compile(r"facility:(.+)"), lambda m: f"设施 {m[1]}"),
    (re.compile(r"committee:(.+)"), lambda m: f"居委会 {m[1]}"),
    (re.compile(r"street:(.+)"), lambda m: f"街道 {m[1]}"),
]

NOTES_ZH: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"achieved = worst distance / reach"), lambda m: "实现值 = 最远步行距离 / 可达范围"),
    (re.compile(r"achieved = city m² per 100 covered households"), lambda m: "实现值 = 全市每百户（已覆盖）设施面积"),
    (re.compile(r"([\d,]+) workers for ([\d,]+) urban residents"),
     lambda m: f"城镇常住人口{_n(m[2])}人，社区工作者{_n(m[1])}名"),
    (re.compile(r"share of (urban|rural) committees served within reach"),
     lambda m: f"步行范围内有设施的{_KIND_ZH[m[1]]}居委会比例"),
    (re.compile(r"declared by the scenario"), lambda m: "由情景声明"),
    (re.compile(r"not declared by the scenario \((\d+) of (\d+) facilities without hours; .*\)"),
     lambda m: f"情景未声明（{m[2]}处设施中{m[1]}处未声明开放时间；可设置 facilities.open_hours_per_day 或地块表列）"),
    (re.compile(r"not declared by the scenario \(set (facilities\.\w+)\)"),
     lambda m: f"情景未声明（可设置 {m[1]}）"),
    (re.compile(r"not assessed by siteplan"), lambda m: "siteplan 不评估此项"),
    (re.compile(r"(\d+) (facilities|committees|served committees) fail"),
     lambda m: f"{_n(m[1])}{_ENTITY_ZH[m[2]]}不符合"),
    (re.compile(r"served by (.+)"), lambda m: f"由 {m[1]} 服务"),
    (re.compile(r"serves ([\d,]+) households"), lambda m: f"服务{_n(m[1])}户"),
    (re.compile(r"([\d,]+) residents served"), lambda m: f"服务居民{_n(m[1])}人"),
    (re.compile(r"existing area may not shrink"), lambda m: "既有面积不得减少"),
    (re.compile(r"existing facilities stay open; required sites must open"),
     lambda m: "既有设施保持开放，指定地块必须开放"),
    (re.compile(r"m² of facilities in the street vs its households' need"),
     lambda m: "街道内设施面积与其住户所需面积对比"),
    (re.compile(r"uncovered: (.+)"), lambda m: f"未覆盖：{m[1]}"),
    (re.compile(r"plan.json states a figure that the plan does not produce"),
     lambda m: "plan.json 中的汇总数与方案重算结果不一致"),
]

#: requirement texts the checker writes in words
REQUIRED_ZH: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"band by households"), lambda m: "按户数分档"),
    (re.compile(r"1 per (\d+) residents, staff N\+(\d+)"),
     lambda m: f"每{_n(m[1])}名居民1个窗口，人员N+{m[2]}"),
]
