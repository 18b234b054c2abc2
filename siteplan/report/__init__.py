"""Outputs: plan.json and CSV tables, the terminal summary, and the HTML report."""
