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
    "map_note_network": (("圆点为居委会/村委会，方块为开放设施（面积与建筑面积成正比），灰色细线为步行路网，"
                          "深色线为服务关系，浅色区域为各设施的步行可达范围。"),
                         ("Dots are residents' committees, squares are open sites (area proportional to floor "
                          "area), thin grey lines are the walking network, dark lines join each committee to "
                          "its site, shaded areas are each site's walkshed.")),
    "legend_street": ("步行路网", "walking network"),
    "legend_walkshed": ("步行可达范围", "walkshed"),
    "legend_river": ("河流", "river"),
    "legend_rail": ("铁路", "rail line"),
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
    "types": ("设施类型", "Facility types"),
    "type_facilities": ("各类设施（养老、托育、食堂、卫生等）", "Facilities by type (elderly care, childcare, canteen, health...)"),
    "facility_type": ("设施类型", "Type"),
    "served_committees": ("服务社区", "Committees served"),
    "co_located": ("同址/毗邻建设", "Shares its plot"),
    "capex_types": ("其他类型设施（扣除同址节省）", "other facility types (less co-location saving)"),
    "co_location_saving": ("同址建设节省", "Co-location saving"),
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
    # the timeline section (siteplan.report.yearly)
    "tl_title": ("分年度建设计划", "Year by year"),
    "tl_schedule": ("建设进度（甘特图）", "Build schedule"),
    "tl_schedule_note": ("每行一个设施点：浅色带为设施开放以来的年份，红色为当年新建，橙色为当年扩建（新增面积 · 当年投资）。",
                         ("One row per site: the pale band shows the years it stands, red marks the year it opens, "
                          "orange a year it grows (floor added · that year's capital cost).")),
    "tl_more_sites": ("仅显示投资最大的设施点，完整进度见 schedule.csv", "largest sites shown; every site is in schedule.csv"),
    "tl_nothing_built": ("规划期内无新建或扩建。", "Nothing is built or expanded over the timeline."),
    "tl_costs": ("分年度投资与运营费用", "Spending by year"),
    "tl_capex_spent": ("当年建设投资", "capital spent"),
    "tl_opex": ("当年运营费用", "operating cost"),
    "tl_budget": ("年度预算", "budget"),
    "tl_year": ("年份", "Year"),
    "tl_capex_budget": ("建设投资预算", "Capex budget"),
    "tl_opex_budget": ("运营费用预算", "Opex budget"),
    "tl_discounted_cost": ("折现成本", "Discounted cost"),
    "tl_sites_open": ("开放设施", "Sites open"),
    "tl_floor_area_m2": ("建筑面积（m²）", "Floor area (m²)"),
    "tl_workers": ("社区工作者", "Workers"),
    "tl_residents_covered": ("覆盖居民", "Residents served"),
    "tl_myopic": ("逐年短视方案（每年只看当年）的总成本", "Total cost of the myopic plan (each year on its own)"),
    "tl_joint_saves": ("统筹方案节省", "the joint plan saves"),
    "tl_maps": ("分年度设施布局", "Sites open in each year"),
    "tl_maps_note": ("每年一幅：方块为当年开放的设施（红色为当年新开），圆点为居委会（蓝色已覆盖，橙色未覆盖）；图下数字为开放设施数。",
                     ("One map per year: squares are the sites open that year (red: opened that year), dots are "
                      "committees (blue: served, orange: not yet); the number is the sites open.")),
    "tl_whole": ("整个规划期", "Whole timeline"),
    "tl_total": ("规划期总成本（分年折现）", "Total over the timeline (each year's spending, discounted)"),
    "tl_rate": ("折现率", "discount rate"),
    "tl_last_year_bars": ("图中为末年在用设施的累计投资与当年运营费用",
                          "the bars are the capital cost of all that stands in the last year, and that year's operating cost"),
    "preset_national": ("全国\"十四五\"城乡社区服务体系建设规划", "National 14th Five-Year community services plan"),
    "preset_shanghai": ("上海市\"十四五\"时期社区服务体系建设规划", "Shanghai 14th Five-Year community services plan"),
    "preset_shenyang": ("沈阳市\"十四五\"城乡社区服务体系建设规划", "Shenyang 14th Five-Year community services plan"),
    "preset_panzhihua": ("攀枝花市\"十三五\"城乡社区服务体系建设规划", "Panzhihua 13th Five-Year community services plan"),
}

def _from_rules():
    """Rule names, nudge labels, facility column headers and Chinese notes that each rule
    module carries."""
    from siteplan.rules import registered, rule_names

    labels, notes = {}, []
    for r in registered():
        labels.update({f"nudge_{k}": v for k, v in r.nudge_labels.items()})
        labels.update({f"field_{k}": v for k, v in r.field_labels.items()})
        notes += [(re.compile(pattern), repl) for pattern, repl in r.notes_zh.items()]
    return rule_names(), labels, notes


#: rule id -> (zh, en) name, from the rule modules (siteplan/rules). The Chinese name a
#: preset gives a rule wins in Chinese reports (it is that document's own wording).
RULE_NAMES, _NUDGE_LABELS, _RULE_NOTES_ZH = _from_rules()
LABELS.update(_NUDGE_LABELS)


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

#: notes the checker itself writes (`_Compliance.summary`); each rule carries its own
NOTES_ZH: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"(\d+) (facilities|committees|served committees) fail"),
     lambda m: f"{_n(m[1])}{_ENTITY_ZH[m[2]]}不符合"),
    *_RULE_NOTES_ZH,
]

#: requirement texts the checker writes in words
REQUIRED_ZH: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"band by households"), lambda m: "按户数分档"),
    (re.compile(r"1 per (\d+) residents, staff N\+(\d+)"),
     lambda m: f"每{_n(m[1])}名居民1个窗口，人员N+{m[2]}"),
]
