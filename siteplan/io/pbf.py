"""OpenStreetMap .pbf files: a street network (`data.roads`, distance: network), not a table.

Registered so that a run bundle keeps the file's extension (`inputs/roads.pbf`: pyrosm opens
only files named *.pbf); the network kind reads it (`siteplan.distance.network.read_roads`)."""

from __future__ import annotations

from siteplan.errors import InputError
from siteplan.io import RawTable

NAME = "osm-pbf"
SUFFIXES = (".pbf",)


def read(path: str, what: str, limit: int, fix: str = "check the path") -> RawTable:
    raise InputError(f"{what} is an OpenStreetMap .pbf (a street network), not a table", where=path,
                     fix="give committees and sites as CSV; a .pbf goes under data.roads with "
                         "distance: network")
