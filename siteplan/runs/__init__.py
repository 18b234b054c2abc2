"""Runs as data: the SQLite run store and the portable record of a run (scenario bundle,
tables, solver summary, plan document) that workers send back and exports write out."""
