"""Regenerate the README screenshots: docs/report-city.png, docs/report-sweep.png and
docs/report-network.png.

    python docs/screenshots.py            (needs Debian's chromium and fonts-noto-cjk)
    python docs/screenshots.py network    (only the one(s) named: city, sweep, network)

A synthetic Shanghai-preset city (60 committees, seed 7) is solved, its what-binds table
computed, and its report captured; then a national-preset city is swept over the capex
budget with the max_coverage objective and the sweep report captured; then the shipped
street-network scenario (scenarios/helsinki) is solved and the map of its report captured.
Takes about a minute; everything is written under a temporary folder except the PNGs.
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
SCENARIOS = DOCS.parent / "scenarios"
SHOTS = ("city", "sweep", "network")
#: the map section's height in CSS pixels, then scrolled to the top of the viewport
MAP_SECTION = "(() => { const s = document.getElementById('map'); s.scrollIntoView(); " \
              "return s.getBoundingClientRect().height; })()"


def run(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "siteplan.cli", *args], check=True)


def shoot_map(c, html: Path, png: Path, width: int) -> None:
    """Only the report's map section: measured in a first load, captured in a viewport of
    its height in a second."""
    height = c.open(html.as_uri(), width=width, expression=MAP_SECTION).evaluated
    c.open(html.as_uri(), width=width, height=math.ceil(height) + 8, expression=MAP_SECTION,
           screenshot=png, full_page=False)


def main(which: tuple[str, ...]) -> None:
    from siteplan.report.browser import Chromium

    with tempfile.TemporaryDirectory(prefix="siteplan-shots-") as tmp:
        t = Path(tmp)
        if "city" in which:
            run("generate", "--committees", "60", "--sites", "36", "--seed", "7", "--preset", "shanghai",
                "--name", "示例城区", str(t / "city"))
            run("solve", str(t / "city" / "scenario.yaml"), "--out", str(t / "plan"), "--quiet")
            run("explain", "--binding", str(t / "plan"))
            run("report", str(t / "plan"), "--out", str(t / "city.html"))
        if "sweep" in which:
            run("generate", "--committees", "40", "--sites", "25", "--seed", "1", str(t / "sweepcity"))
            run("sweep", str(t / "sweepcity" / "scenario.yaml"), "--set", "objective=max_coverage",
                "--vary", "budget.capex=10e6:45e6:8", "--out", str(t / "sweep"), "--store",
                str(t / "runs.sqlite"), "--quiet")
            run("report", str(t / "sweep"), "--out", str(t / "sweep.html"), "--lang", "en")
        if "network" in which:
            run("solve", str(SCENARIOS / "helsinki" / "helsinki.yaml"), "--out", str(t / "walk"),
                "--no-store", "--quiet")
            run("report", str(t / "walk"), "--out", str(t / "walk.html"), "--lang", "en")
        with Chromium() as c:
            if "city" in which:
                c.open((t / "city.html").as_uri(), width=1200, screenshot=DOCS / "report-city.png")
            if "sweep" in which:
                c.open((t / "sweep.html").as_uri(), width=1100, screenshot=DOCS / "report-sweep.png")
            if "network" in which:
                shoot_map(c, t / "walk.html", DOCS / "report-network.png", width=860)
    print("wrote " + ", ".join(str(DOCS / f"report-{w}.png") for w in which))


if __name__ == "__main__":
    asked = tuple(sys.argv[1:]) or SHOTS
    unknown = [a for a in asked if a not in SHOTS]
    if unknown:
        sys.exit(f"unknown screenshot {unknown[0]!r}; choose from {', '.join(SHOTS)}")
    main(asked)
