"""Given walking distances: a sparse `data.distances` table of committee, site, metres.

A pair missing from the table is out of reach. x, y columns are optional (only the map uses
them)."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from siteplan.distance import DistanceKind, register, sort_pairs


class Matrix(DistanceKind):
    name = "matrix"
    columns = ("x", "y")
    columns_required = False
    needs: ClassVar[dict[str, str]] = {"distances": "committee,site,metres"}
    # the map has always drawn the reach as a circle for matrix scenarios with x, y (a walk
    # within reach stays inside it); a street network kind would say False
    draws_circles = True

    def read_table(self, key, path, committees, sites):
        from siteplan.scenario.tables import read_distances

        return read_distances(path, committees["id"], sites["id"])

    def pairs(self, tables, reach, circuity):
        d = tables.distances
        cidx = {c: i for i, c in enumerate(tables.committees["id"])}
        sidx = {s: i for i, s in enumerate(tables.sites["id"])}
        ci = d["committee"].map(cidx).to_numpy(np.int64)
        si = d["site"].map(sidx).to_numpy(np.int64)
        return sort_pairs(ci, si, d["metres"].to_numpy(float) * circuity, reach)

    def between(self, tables, committees, sites):
        d = tables.distances
        cids = tables.committees["id"].to_numpy(str)
        sids = tables.sites["id"].to_numpy(str)
        known = {}
        for c, s, m in d[["committee", "site", "metres"]].itertuples(index=False):
            known.setdefault((c, s), float(m))  # as the pairs do: every row is a pair
        return np.array([known.get((cids[c], sids[s]), math.inf) for c, s in zip(committees, sites)],
                        dtype=float)

    def nearest(self, tables, committees, sites, circuity):
        d = tables.distances
        site_ids = tables.sites["id"].to_numpy(str)[sites]
        pos = {s: k for k, s in enumerate(site_ids)}
        idx = np.full(len(committees), -1, dtype=np.int64)
        dist = np.full(len(committees), math.inf)
        rows = d[d["site"].isin(pos)]
        if rows.empty:
            return idx, dist
        best = rows.loc[rows.groupby("committee", sort=False)["metres"].idxmin()]
        found = {c: (pos[s], float(m)) for c, s, m in best[["committee", "site", "metres"]].itertuples(index=False)}
        for k, cid in enumerate(tables.committees["id"].to_numpy(str)[committees]):
            if cid in found:
                idx[k], dist[k] = found[cid][0], found[cid][1] * circuity
        return idx, dist

    def checker(self, tables):
        table = {(str(c), str(s)): float(m) for c, s, m in
                 tables.distances[["committee", "site", "metres"]].itertuples(index=False)}

        def pair_metres(committee: str, site: str) -> float:
            return table.get((committee, site), math.inf)

        return pair_metres


register(Matrix())
