"""Scenarios: the strict schema, the YAML loader (with `extends:`), tables and policy presets."""

from siteplan.scenario.load import Scenario, load_scenario

__all__ = ["Scenario", "load_scenario"]
