"""Regenerate the README screenshots: docs/report-city.png and docs/report-sweep.png.

    python docs/screenshots.py            (needs Debian's chromium and fonts-noto-cjk)

A synthetic Shanghai-preset city (60 committees, seed 7) is solved, its what-binds table
computed, and its report captured; then a national-preset city is swept over the capex
budget with the max_coverage objective and the sweep report captured. Takes about a
minute; everything is written under a temporary folder except the two PNGs.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent


def run(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "siteplan.cli", *args], check=True)


def main() -> None:
    from siteplan.report.browser import Chromium

    with tempfile.TemporaryDirectory(prefix="siteplan-shots-") as tmp:
        t = Path(tmp)
        run("generate", "--committees", "60", "--sites", "36", "--seed", "7", "--preset", "shanghai",
            "--name", "示例城区", str(t / "city"))
        run("solve", str(t / "city" / "scenario.yaml"), "--out", str(t / "plan"), "--quiet")
        run("explain", "--binding", str(t / "plan"))
        run("report", str(t / "plan"), "--out", str(t / "city.html"))
        run("generate", "--committees", "40", "--sites", "25", "--seed", "1", str(t / "sweepcity"))
        run("sweep", str(t / "sweepcity" / "scenario.yaml"), "--set", "objective=max_coverage",
            "--vary", "budget.capex=10e6:45e6:8", "--out", str(t / "sweep"), "--store", str(t / "runs.sqlite"),
            "--quiet")
        run("report", str(t / "sweep"), "--out", str(t / "sweep.html"), "--lang", "en")
        with Chromium() as c:
            c.open((t / "city.html").as_uri(), width=1200, screenshot=DOCS / "report-city.png")
            c.open((t / "sweep.html").as_uri(), width=1100, screenshot=DOCS / "report-sweep.png")
    print(f"wrote {DOCS / 'report-city.png'} and {DOCS / 'report-sweep.png'}")


if __name__ == "__main__":
    main()
