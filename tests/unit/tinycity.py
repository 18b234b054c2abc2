"""Hand-made cities of a few committees, small enough that every number in a test can be
worked out on paper (used by the explain and binding tests)."""

from __future__ import annotations

from pathlib import Path

import yaml

COMMITTEE_HEAD = "id,street,kind,x,y,households,residents\n"
SITE_HEAD = ("id,street,x,y,kind,fixed_cost,cost_per_m2,opex_per_m2_year,max_area_m2,"
             "existing_area_m2\n")


def write_city(folder: Path, committees: list[tuple], sites: list[tuple], **scenario) -> Path:
    """committees: (id, street, kind, x, y, households, residents); sites: (id, street, x, y,
    kind, fixed_cost, cost_per_m2, opex_per_m2_year, max_area_m2, existing_area_m2)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "committees.csv").write_text(
        COMMITTEE_HEAD + "".join(",".join(map(str, r)) + "\n" for r in committees), encoding="utf-8")
    (folder / "sites.csv").write_text(
        SITE_HEAD + "".join(",".join(map(str, r)) + "\n" for r in sites), encoding="utf-8")
    doc = {"name": scenario.pop("name", "tiny"), "preset": scenario.pop("preset", "national"),
           "data": {"committees": "committees.csv", "sites": "sites.csv"},
           "reach": {"walk_m": 1000}, "costs": {"worker_per_year": 100_000, "horizon_years": 5},
           "solver": {"time_limit": 60, "mip_gap": 1e-6}}
    for key, value in scenario.items():
        doc[key] = value
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def four_committees(folder: Path, **scenario) -> Path:
    """Four urban committees of 1,000 households and 2,500 residents (10,000 urban residents:
    18 workers at 18 per 10k; bands 4-11 each, so at least 16), 300 m² of need each, two
    sites of up to 1,000 m² at 1,000 CNY/m² and no running cost, each near two committees."""
    committees = [(f"C{i + 1}", "东街道", "urban", x, 0, 1000, 2500)
                  for i, x in enumerate((0, 200, 1500, 1700))]
    sites = [("S1", "东街道", 100, 100, "urban", 0, 1000, 0, 1000, 0),
             ("S2", "东街道", 1600, 100, "urban", 0, 1000, 0, 1000, 0)]
    extra = scenario.pop("committees", [])
    extra_sites = scenario.pop("sites", [])
    return write_city(folder, committees + extra, sites + extra_sites, **scenario)
