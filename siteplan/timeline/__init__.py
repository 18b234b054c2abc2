"""The five-year plan as a plan: several years, yearly budgets, milestones, growing demand.

A timeline scenario (`years:` or `timeline: {start, end}`) is, for every year, an ordinary
single-period scenario (that year's households, that year's milestone values, that year's
opex budget), plus what links the years: a site that opens stays open, floor area only
grows, a served committee stays served (by the same site unless `reassign: true`), and
capex is paid year by year within each year's budget (with carry-over when allowed).

    load     siteplan.timeline.load: the timeline keys, checked, and one Scenario per year
    model    siteplan.timeline.model: the per-year models side by side plus the linking rows
    solve    siteplan.timeline.solve: joint (and myopic) solves, decoded into a plan per year
    check    siteplan.timeline.check: the independent checker of every year and the links
    outputs  siteplan.timeline.outputs: plan.json's `timeline` block and the yearly tables
"""
