"""Model side of the `network` kind: the walking graph, snapping to its edges, and the graph
with the snapped points spliced in, so one bounded scipy Dijkstra finds every walk.

The snap (one definition, written again independently by the checker in `walkcheck`):

- a street segment (edge) runs straight in lon/lat from its lower-OSM-id end A to the other
  end B; its length w is the haversine length of A-B;
- a point P is projected onto A-B in a local equirectangular plane centred at P (x = dlon *
  cos(lat_P), y = dlat, both scaled to metres on the mean sphere); the foot F = A + t (B - A)
  is interpolated linearly in lon/lat, t clamped to [0, 1];
- the snap length is the haversine length P-F; the foot sits `along` = haversine(A, F)
  (clamped to [0, w]) from A, so the edge splits into pieces of `along` and w - along;
- P snaps to the edge of the shortest snap; edges within `TIE_M` of it tie, and the one with
  the lowest (lower id, higher id) pair wins, so both sides pick the same edge at a node
  that several edges share or at two OSM nodes at one spot (a bridge over a street).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from siteplan.distance.haversine import EARTH_RADIUS_M, metres, unit_vectors

MIN_EDGE_M = 1e-9  # two OSM nodes at one spot: an edge of (almost) zero length, kept an edge
BATCH_CELLS = 8_000_000  # Dijkstra rows x nodes per batch (64 MB of float64)
TIE_M = 1e-6  # snaps this close are one snap (the two sides round differently)
SAMPLE_M = 40.0  # spacing of the points along each edge that the snap's KD-tree holds
SNAP_CHUNK = 2048  # points snapped at a time
DEG_M = EARTH_RADIUS_M * math.pi / 180.0  # metres per degree of latitude on the sphere


class Snap(NamedTuple):
    """Each point's edge (index into Graph.edges), its foot's `along` metres from the edge's
    lower-id end, the snap length in metres, and the foot's lon/lat."""

    edge: np.ndarray
    along: np.ndarray
    metres: np.ndarray
    foot: np.ndarray


def project(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(t, foot lon/lat) of points p on segments a-b, row by row (see the module docstring)."""
    kx = np.cos(np.radians(p[:, 1]))
    ax, ay = (a[:, 0] - p[:, 0]) * kx, a[:, 1] - p[:, 1]
    dx, dy = (b[:, 0] - a[:, 0]) * kx, b[:, 1] - a[:, 1]
    den = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(den > 0, -(ax * dx + ay * dy) / np.where(den > 0, den, 1.0), 0.0)
    t = np.clip(t, 0.0, 1.0)
    return t, a + t[:, None] * (b - a)


class Graph:
    """The walking network as a symmetric scipy CSR matrix over node positions 0..n-1 (in
    OSM id order), with each node's lon/lat, the deduplicated edges (lo < hi positions,
    length w) and a KD-tree of points along the edges for snapping."""

    def __init__(self, roads: pd.DataFrame):
        from scipy.sparse import coo_matrix

        ids, inv = np.unique(np.concatenate([roads["u"].to_numpy(np.int64),
                                             roads["v"].to_numpy(np.int64)]), return_inverse=True)
        m = len(roads)
        iu, iv = inv[:m], inv[m:]
        a = roads[["u_lon", "u_lat"]].to_numpy(float)
        b = roads[["v_lon", "v_lat"]].to_numpy(float)
        self.lonlat = np.zeros((len(ids), 2))
        self.lonlat[iu], self.lonlat[iv] = a, b
        w = np.maximum(metres(a, b), MIN_EDGE_M)
        # parallel segments: keep the shortest (a CSR build would add them up)
        lo, hi = np.minimum(iu, iv), np.maximum(iu, iv)
        order = np.lexsort((w, hi, lo))
        lo, hi, w = lo[order], hi[order], w[order]
        first = np.ones(len(lo), dtype=bool)
        first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
        self.lo, self.hi, self.w = lo[first], hi[first], w[first]
        n = len(ids)
        self.csr = coo_matrix((np.concatenate([self.w, self.w]),
                               (np.concatenate([self.lo, self.hi]), np.concatenate([self.hi, self.lo]))),
                              shape=(n, n)).tocsr()
        self.ids = ids
        self.n_nodes, self.n_edges = n, len(self.w)
        self._tree = None
        self._labels: np.ndarray | None = None

    # ---------------------------------------------------------------- snapping
    def _samples(self):
        """A KD-tree (unit sphere) of points every <= SAMPLE_M along each edge, and their edge."""
        if self._tree is None:
            from scipy.spatial import cKDTree

            k = np.maximum(np.ceil(self.w / SAMPLE_M).astype(np.int64), 1)  # pieces per edge
            edge = np.repeat(np.arange(self.n_edges), k + 1)
            t = np.arange(len(edge)) - np.repeat(np.cumsum(k + 1) - (k + 1), k + 1)
            t = t / np.repeat(k, k + 1)
            a, b = self.lonlat[self.lo[edge]], self.lonlat[self.hi[edge]]
            self._tree = (cKDTree(unit_vectors(a + t[:, None] * (b - a))), edge)
        return self._tree

    def snap(self, lonlat: np.ndarray) -> Snap:
        """Each point's nearest edge (see the module docstring), in chunks of SNAP_CHUNK
        points so the candidate (point, edge) lists stay bounded."""
        lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        parts = [self._snap(lonlat[i:i + SNAP_CHUNK]) for i in range(0, len(lonlat), SNAP_CHUNK)]
        if not parts:
            return Snap(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros((0, 2)))
        return Snap(*(np.concatenate(f) for f in zip(*parts)))

    def _snap(self, lonlat: np.ndarray) -> Snap:
        n = len(lonlat)
        tree, sample_edge = self._samples()
        u = unit_vectors(lonlat)
        chord, _ = tree.query(u)
        d0 = 2 * EARTH_RADIUS_M * np.arcsin(np.clip(chord / 2, 0, 1))  # to the nearest sample
        # an edge nearer than d0 has a sample within d0 + SAMPLE_M / 2 (a margin for rounding)
        r = (d0 + 0.5 * SAMPLE_M) * 1.01 + 1.0
        found = tree.query_ball_point(u, 2 * np.sin(np.minimum(r / EARTH_RADIUS_M, np.pi) / 2))
        counts = np.fromiter((len(f) for f in found), dtype=np.int64, count=n)
        point = np.repeat(np.arange(n), counts)
        edge = sample_edge[np.concatenate([np.asarray(f, dtype=np.int64) for f in found])]
        pair = np.unique(point * self.n_edges + edge)  # each (point, edge) once
        point, edge = pair // self.n_edges, pair % self.n_edges
        a, b = self.lonlat[self.lo[edge]], self.lonlat[self.hi[edge]]
        _, foot = project(lonlat[point], a, b)
        dist = metres(lonlat[point], foot)
        best = np.full(n, np.inf)
        np.minimum.at(best, point, dist)
        tied = dist <= best[point] + TIE_M
        point, edge, dist, foot, a = point[tied], edge[tied], dist[tied], foot[tied], a[tied]
        order = np.lexsort((self.hi[edge], self.lo[edge], point))  # lowest (lo, hi) per point
        first = order[np.r_[True, point[order][1:] != point[order][:-1]]]
        e = edge[first]
        along = np.clip(metres(a[first], foot[first]), 0.0, self.w[e])
        return Snap(e, along, dist[first], foot[first])

    def components(self) -> np.ndarray:
        """Each node's connected component (label)."""
        if self._labels is None:
            from scipy.sparse.csgraph import connected_components

            self._labels = connected_components(self.csr, directed=False)[1]
        return self._labels


class Walks:
    """The graph with every snapped point's foot spliced in as a node (several feet on one
    edge chained in order along it), so a walk from a committee's foot to a site's foot is
    one shortest path, the direct walk along a shared edge included."""

    def __init__(self, g: Graph, points: np.ndarray):
        from scipy.sparse import coo_matrix

        self.graph = g
        self.snap = g.snap(points)
        key = np.unique(np.column_stack([self.snap.edge, self.snap.along]), axis=0, return_inverse=True)
        feet, where = key[0], np.asarray(key[1]).ravel()
        n, k = g.n_nodes, len(feet)
        self.node = n + where  # each point's foot node
        edge, along = feet[:, 0].astype(np.int64), feet[:, 1]  # sorted by edge, then along
        foot_ll = np.zeros((k, 2))
        foot_ll[where] = self.snap.foot
        self.lonlat = np.vstack([g.lonlat, foot_ll])
        first = np.r_[True, edge[1:] != edge[:-1]]
        last = np.r_[edge[1:] != edge[:-1], True]
        prev = np.where(first, g.lo[edge], n + np.arange(k) - 1)
        step = np.where(first, along, along - np.r_[0.0, along[:-1]])
        split = np.zeros(g.n_edges, dtype=bool)
        split[edge] = True
        u = np.concatenate([g.lo[~split], prev, n + np.flatnonzero(last)])
        v = np.concatenate([g.hi[~split], n + np.arange(k), g.hi[edge[last]]])
        w = np.concatenate([g.w[~split], step, g.w[edge[last]] - along[last]])
        w = np.maximum(w, MIN_EDGE_M)
        self.n_nodes = n + k
        self.csr = coo_matrix((np.concatenate([w, w]), (np.concatenate([u, v]), np.concatenate([v, u]))),
                              shape=(self.n_nodes, self.n_nodes)).tocsr()

    def from_nodes(self, sources: np.ndarray, limit: float = np.inf, predecessors: bool = False):
        """Yield (first row, path metres from sources[first:first+k] to every node[, and the
        predecessor of each node]), the Dijkstra run in batches so memory stays bounded."""
        from scipy.sparse.csgraph import dijkstra

        step = max(1, BATCH_CELLS // max(self.n_nodes, 1))
        for first in range(0, len(sources), step):
            got = dijkstra(self.csr, directed=False, indices=sources[first:first + step], limit=limit,
                           return_predecessors=predecessors)
            yield (first, *got) if predecessors else (first, got)
