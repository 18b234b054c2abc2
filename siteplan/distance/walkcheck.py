"""Checker side of the `network` kind: the walk of one (committee, site) pair, recomputed
with nothing of the model side but the parsed roads table.

Its own adjacency dict of OSM node ids, its own snap (every edge tried, by brute force, with
the definition in `siteplan.distance.walkgraph`'s docstring written out again here) and its
own heapq Dijkstra from the committee's foot, resumed, not restarted, for its next site.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

EARTH_R = 6_371_008.8  # the mean sphere every kind measures on
FLOOR_M = 1e-9  # a zero-length segment is still a segment
SAME_M = 1e-6  # two snaps this close are one; then the lowest (lower id, higher id) edge wins


def _arc(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle metres, one pair, with the math module."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_R * math.asin(min(1.0, math.sqrt(h)))


class NetworkChecker:
    """metres(committee id, site id): snap both, walk from the committee's foot to the site's."""

    def __init__(self, tables):
        roads = tables.extra["roads"]
        self.adj: dict[int, dict[int, float]] = {}
        where: dict[int, tuple[float, float]] = {}
        for u, v, a, b, c, d in roads[["u", "v", "u_lon", "u_lat", "v_lon", "v_lat"]].itertuples(index=False):
            u, v = int(u), int(v)
            if u == v:
                continue
            where[u], where[v] = (float(a), float(b)), (float(c), float(d))
            w = max(_arc(a, b, c, d), FLOOR_M)
            for x, y in ((u, v), (v, u)):
                nb = self.adj.setdefault(x, {})
                if w < nb.get(y, math.inf):
                    nb[y] = w
        self.where = where
        pairs = sorted({(min(x, y), max(x, y)) for x in self.adj for y in self.adj[x]})
        self.edges = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        self.ends = np.array([[*where[int(x)], *where[int(y)]] for x, y in pairs], dtype=float).reshape(-1, 4)
        cx, cy = tables.coords
        self.c = {str(i): (float(x), float(y)) for i, x, y in
                  zip(tables.committees["id"], tables.committees[cx], tables.committees[cy])}
        self.s = {str(i): (float(x), float(y)) for i, x, y in
                  zip(tables.sites["id"], tables.sites[cx], tables.sites[cy])}
        self._snaps: dict[tuple[float, float], tuple[int, int, float, float]] = {}
        self._runs: dict[tuple[float, float], tuple[dict[int, float], list[tuple[float, int]]]] = {}

    def snap(self, point: tuple[float, float]) -> tuple[int, int, float, float]:
        """(lower id, higher id, metres from the lower-id end to the foot, snap metres)."""
        if point not in self._snaps:
            lon, lat = point
            k = math.cos(math.radians(lat))
            e = self.ends
            ax, ay = (e[:, 0] - lon) * k, e[:, 1] - lat
            bx, by = (e[:, 2] - lon) * k, e[:, 3] - lat
            ux, uy = bx - ax, by - ay
            length2 = ux * ux + uy * uy
            t = np.clip(-(ax * ux + ay * uy) / np.where(length2 > 0, length2, 1.0), 0.0, 1.0)
            t[length2 <= 0] = 0.0
            flon = e[:, 0] + t * (e[:, 2] - e[:, 0])
            flat = e[:, 1] + t * (e[:, 3] - e[:, 1])
            p1, p2 = math.radians(lat), np.radians(flat)
            h = np.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(np.radians(flon - lon) / 2) ** 2
            d = 2 * EARTH_R * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
            close = np.flatnonzero(d <= d.min() + SAME_M)
            i = int(close[np.lexsort((self.edges[close, 1], self.edges[close, 0]))[0]])
            lo, hi = int(self.edges[i, 0]), int(self.edges[i, 1])
            along = min(_arc(e[i, 0], e[i, 1], float(flon[i]), float(flat[i])), self.adj[lo][hi])
            self._snaps[point] = lo, hi, along, float(d[i])
        return self._snaps[point]

    def _settle(self, start: tuple[float, float], targets: tuple[int, int]) -> dict[int, float]:
        """Walk from the foot of `start` until both target nodes are settled (or all is)."""
        lo, hi, along, _ = self.snap(start)
        done, heap = self._runs.setdefault(start, ({}, [(along, lo), (self.adj[lo][hi] - along, hi)]))
        while heap and not all(t in done for t in targets):
            d, x = heapq.heappop(heap)
            if x in done:
                continue
            done[x] = d
            for y, w in self.adj[x].items():
                if y not in done:
                    heapq.heappush(heap, (d + w, y))
        return done

    def __call__(self, committee: str, site: str) -> float:
        c, s = self.c[committee], self.s[site]
        clo, chi, calong, csnap = self.snap(c)
        slo, shi, salong, ssnap = self.snap(s)
        done = self._settle(c, (slo, shi))
        w = self.adj[slo][shi]
        walk = min(done.get(slo, math.inf) + max(salong, FLOOR_M),
                   done.get(shi, math.inf) + max(w - salong, FLOOR_M))
        if (clo, chi) == (slo, shi):  # both on one street segment: straight along it
            walk = min(walk, abs(calong - salong))
        return csnap + walk + ssnap
