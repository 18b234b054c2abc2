"""Walking distance on a street network: `data.roads` names an OpenStreetMap `.osm.pbf`, or a
GIS line layer of streets (.gpkg, .geojson, .shp: `siteplan.io.roads`, same roads table).

The 15-minute life circle is a walk on streets: across a river, a rail line or a walled
compound the straight line is a lie. This kind walks the streets instead.

Coordinates: committees and sites carry `lon`, `lat` in degrees (WGS 84, EPSG:4326), the
CRS OpenStreetMap is in, so the points and the streets need no reprojection. (Chinese web
maps publish GCJ-02 or BD-09 coordinates, offset by up to ~500 m: convert them to WGS 84
first.) Every length is a great-circle (haversine) length on the mean Earth sphere, from
the OSM node coordinates, so no projection error enters, and a walk is never shorter than
the straight line between its ends.

A walk from a committee to a site is: the straight line from the committee to its nearest
street node (its snap), the shortest path along the walking network (pyrosm's
`network_type="walking"`, every street segment walkable both ways) to the site's nearest
node, and the site's snap. A point more than `MAX_SNAP_M` from any street is an input error
(wrong coordinates, or an extract that does not cover it). Points on network components
that do not connect (islands) have no distance (inf).

Model side: a scipy sparse graph, a KD-tree snap, a bounded multi-source Dijkstra
(`scipy.sparse.csgraph.dijkstra(indices=committee nodes, limit=reach)`), in batches so the
memory is bounded. Checker side (`NetworkChecker`): its own adjacency dict, its own snap (a
brute-force nearest node) and its own heapq Dijkstra, sharing only the parsed roads table
(the OSM segments and their node coordinates, as the CSV reader is shared by every kind).

Needs the `geo` extra (`pip install 'siteplan[geo]'`, which brings pyrosm).
"""

from __future__ import annotations

import hashlib
import heapq
import math
import os
from typing import ClassVar

import numpy as np
import pandas as pd

from siteplan.distance import DistanceKind, coordinates, register, sort_pairs
from siteplan.distance.haversine import EARTH_RADIUS_M, equirectangular, metres, unit_vectors
from siteplan.errors import InputError

MAX_ROADS_BYTES = 200 << 20  # a district's extract is a few MB; a country is gigabytes
MAX_SNAP_M = 500.0  # a committee or site this far from any street is misplaced
MIN_EDGE_M = 1e-9  # two OSM nodes at one spot: an edge of (almost) zero length, kept an edge
BATCH_CELLS = 8_000_000  # Dijkstra rows x nodes per batch (64 MB of float64)
ROAD_COLUMNS = ("u", "v", "u_lon", "u_lat", "v_lon", "v_lat")
CLIP_FIX = ("clip the extract to the district and a walk around it, e.g. "
            "`osmium extract -b LON1,LAT1,LON2,LAT2 city.osm.pbf -o district.osm.pbf`")


# ------------------------------------------------------------------ reading the roads file
def _looks_like_pbf(head: bytes) -> bool:
    """An OSM PBF file opens with a 4-byte big-endian BlobHeader length and a BlobHeader
    whose type is "OSMHeader"."""
    if len(head) < 4:
        return False
    n = int.from_bytes(head[:4], "big")
    return 0 < n < 64 * 1024 and b"OSMHeader" in head[4:4 + n]


def read_roads(path: str) -> tuple[pd.DataFrame, bytes]:
    """The walkable segments of an OSM .pbf as a table (u, v: OSM node ids; u_lon .. v_lat:
    their coordinates) and the file's sha256 (for the scenario fingerprint). Bounded: a
    regular file, at most MAX_ROADS_BYTES, that opens as an OSM PBF."""
    from siteplan.fileio import check_regular

    what = "roads file (data.roads)"
    check_regular(path, what, fix="check data.roads in the scenario (paths are relative to the YAML file)")
    from siteplan.io.roads import is_line_layer, read_line_roads

    if is_line_layer(path):  # a GIS line layer of streets (.gpkg, .geojson, .shp)
        return read_line_roads(path, MAX_ROADS_BYTES)
    if not str(path).endswith(".pbf"):  # pyrosm opens only *.pbf
        raise InputError(f"{what} must be an OpenStreetMap .osm.pbf file or a line layer", where=path,
                         fix="give an .osm.pbf extract (named *.osm.pbf), or streets as a GeoPackage, "
                             "GeoJSON or Shapefile line layer")
    size = os.stat(path).st_size
    if size > MAX_ROADS_BYTES:
        raise InputError(f"{what} is {size / (1 << 20):,.0f} MiB; the limit is "
                         f"{MAX_ROADS_BYTES >> 20} MiB", where=path, fix=CLIP_FIX)
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024 + 4)
        digest.update(head)
        read = len(head)
        while chunk := fh.read(1 << 20):
            read += len(chunk)
            if read > MAX_ROADS_BYTES:  # it grew since the stat
                raise InputError(f"{what} is more than {MAX_ROADS_BYTES >> 20} MiB", where=path,
                                 fix=CLIP_FIX)
            digest.update(chunk)
    if not _looks_like_pbf(head):
        raise InputError(f"{what} is not an OpenStreetMap .pbf file", where=path,
                         fix="give an .osm.pbf extract (e.g. from Geofabrik, clipped with osmium); "
                             ".osm XML and other formats are not read")
    try:
        import pyrosm
    except ImportError:
        raise InputError("distance: network needs pyrosm to read the roads file", where=path,
                         fix="pip install 'siteplan[geo]'") from None
    try:
        got = pyrosm.OSM(str(path)).get_network(network_type="walking", nodes=True)
    except Exception as exc:  # noqa: BLE001 - a damaged file fails deep in pyrosm's decoder, any type
        raise InputError(f"{what} could not be read as an OpenStreetMap .pbf: {exc}", where=path,
                         fix="re-export the extract; check it with `osmium fileinfo`") from None
    if got is None or got[0] is None or got[1] is None or len(got[1]) == 0:
        raise InputError(f"{what} holds no walkable streets", where=path,
                         fix="give an extract that covers the committees and sites")
    nodes, edges = got
    where_n = pd.Series(np.arange(len(nodes)), index=nodes["id"].to_numpy(np.int64))
    where_n = where_n[~where_n.index.duplicated()]
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    known = np.isin(u, where_n.index) & np.isin(v, where_n.index) & (u != v)
    u, v = u[known], v[known]
    iu, iv = where_n.loc[u].to_numpy(), where_n.loc[v].to_numpy()
    lon, lat = nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float)
    roads = pd.DataFrame({"u": u, "v": v, "u_lon": lon[iu], "u_lat": lat[iu],
                          "v_lon": lon[iv], "v_lat": lat[iv]})
    return roads, digest.digest()


# ------------------------------------------------------------------ model side
class Graph:
    """The walking network as a symmetric scipy CSR matrix over node positions 0..n-1, with
    each node's lon/lat and a KD-tree for snapping."""

    def __init__(self, roads: pd.DataFrame):
        from scipy.sparse import coo_matrix
        from scipy.spatial import cKDTree

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
        lo, hi, w = lo[first], hi[first], w[first]
        n = len(ids)
        self.csr = coo_matrix((np.concatenate([w, w]), (np.concatenate([lo, hi]), np.concatenate([hi, lo]))),
                              shape=(n, n)).tocsr()
        self.ids = ids
        self.n_nodes, self.n_edges = n, len(w)
        self.tree = cKDTree(unit_vectors(self.lonlat))

    def snap(self, lonlat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(node position, metres to it) of each point's nearest street node; of nodes at one
        spot (OSM has some: a bridge over a street), the lowest OSM id, as the checker."""
        if not len(lonlat):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        k = min(4, self.n_nodes)
        chord, near = self.tree.query(unit_vectors(lonlat), k=k)
        chord, near = chord.reshape(len(lonlat), k), near.reshape(len(lonlat), k)
        tied = chord == chord[:, :1]  # positions follow sorted OSM ids: the lowest id wins
        node = np.where(tied, near, np.iinfo(np.int64).max).min(axis=1).astype(np.int64)
        return node, metres(lonlat, self.lonlat[node])

    def from_nodes(self, sources: np.ndarray, limit: float = np.inf):
        """Yield (first row, path metres from sources[first:first+k] to every node), the
        Dijkstra run in batches so memory stays at BATCH_CELLS floats."""
        from scipy.sparse.csgraph import dijkstra

        step = max(1, BATCH_CELLS // max(self.n_nodes, 1))
        for first in range(0, len(sources), step):
            yield first, dijkstra(self.csr, directed=False, indices=sources[first:first + step],
                                  limit=limit)


_GRAPHS: list[tuple[pd.DataFrame, Graph]] = []  # the last few graphs, by their roads table


def graph_of(tables) -> Graph:
    roads = tables.extra["roads"]
    for df, g in _GRAPHS:
        if df is roads:
            return g
    g = Graph(roads)
    _GRAPHS.insert(0, (roads, g))
    del _GRAPHS[2:]
    return g


def _snapped(tables, which: str, rows: np.ndarray | None = None):
    g = graph_of(tables)
    xy = coordinates(tables, which)
    return g.snap(xy if rows is None else xy[rows])


class Network(DistanceKind):
    name = "network"
    columns = ("lon", "lat")
    bounds = ((-180.0, 180.0), (-90.0, 90.0))
    needs: ClassVar[dict[str, str]] = {"roads": "an OpenStreetMap .osm.pbf or a line layer of the "
                                                "district's streets"}
    draws_circles = False  # a walk on streets reaches no circle

    def read_table(self, key, path, committees, sites):
        roads, digest = read_roads(path)
        g = Graph(roads)
        for what, df in (("committee", committees), ("site", sites)):
            _, snap = g.snap(df[list(self.columns)].to_numpy(float))
            far = snap > MAX_SNAP_M
            if far.any():
                i = int(np.argmax(far))
                more = f" ({int(far.sum()) - 1} more like it)" if far.sum() > 1 else ""
                raise InputError(
                    f"{what} {df['id'].iloc[i]!r} at lon {df['lon'].iloc[i]:.6f}, lat "
                    f"{df['lat'].iloc[i]:.6f} is {snap[i]:,.0f} m from the nearest walkable street "
                    f"(the limit is {MAX_SNAP_M:,.0f} m){more}", where=path,
                    fix="check its lon/lat (WGS 84, lon first), or use a roads extract that covers it")
        _GRAPHS.insert(0, (roads, g))
        del _GRAPHS[2:]
        return roads, digest

    def pairs(self, tables, reach, circuity):
        g = graph_of(tables)
        cnode, csnap = _snapped(tables, "committees")
        snode, ssnap = _snapped(tables, "sites")
        if not len(cnode) or not len(snode):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        limit = float(np.max(reach)) / circuity * (1 + 1e-12) + 1e-9
        sources, row = np.unique(cnode, return_inverse=True)
        order = np.argsort(row, kind="stable")  # committees grouped by their street node
        starts = np.searchsorted(row[order], np.arange(len(sources) + 1))
        out_c, out_s, out_d = [], [], []
        for first, dist in g.from_nodes(sources, limit):
            at_sites = dist[:, snode]  # batch x sites, inf beyond the limit
            r, j = np.nonzero(np.isfinite(at_sites))
            base = at_sites[r, j] + ssnap[j]
            lo, hi = starts[first + r], starts[first + r + 1]
            rep = np.repeat(np.arange(len(r)), hi - lo)  # each (source, site) once per committee
            offset = np.arange(len(rep)) - np.repeat(np.cumsum(hi - lo) - (hi - lo), hi - lo)
            c = order[lo[rep] + offset]
            d = (csnap[c] + base[rep]) * circuity
            ok = d <= reach[c] + 1e-9
            out_c.append(c[ok].astype(np.int64))
            out_s.append(j[rep][ok].astype(np.int64))
            out_d.append(d[ok])
        return sort_pairs(np.concatenate(out_c), np.concatenate(out_s), np.concatenate(out_d), reach)

    def between(self, tables, committees, sites):
        g = graph_of(tables)
        committees, sites = np.asarray(committees, dtype=np.int64), np.asarray(sites, dtype=np.int64)
        cnode, csnap = _snapped(tables, "committees", committees)
        snode, ssnap = _snapped(tables, "sites", sites)
        out = np.full(len(committees), np.inf)
        if not len(out):
            return out
        sources, row = np.unique(cnode, return_inverse=True)
        for first, dist in g.from_nodes(sources):
            mine = (row >= first) & (row < first + dist.shape[0])
            k = np.flatnonzero(mine)
            out[k] = csnap[k] + dist[row[k] - first, snode[k]] + ssnap[k]
        return out

    def nearest(self, tables, committees, sites, circuity):
        g = graph_of(tables)
        cnode, csnap = _snapped(tables, "committees", np.asarray(committees, dtype=np.int64))
        snode, ssnap = _snapped(tables, "sites", np.asarray(sites, dtype=np.int64))
        idx = np.full(len(cnode), -1, dtype=np.int64)
        best = np.full(len(cnode), np.inf)
        if not len(cnode) or not len(snode):
            return idx, best
        sources, row = np.unique(cnode, return_inverse=True)
        for first, dist in g.from_nodes(sources):
            for k in np.flatnonzero((row >= first) & (row < first + dist.shape[0])):
                d = csnap[k] + dist[row[k] - first, snode] + ssnap
                j = int(np.argmin(d))
                if np.isfinite(d[j]):
                    idx[k], best[k] = j, d[j] * circuity
        return idx, best

    def planar(self, xy):
        return equirectangular(xy)

    def checker(self, tables):
        return NetworkChecker(tables)


# ------------------------------------------------------------------ checker side
def _arc(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle metres, one pair, with the math module."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class NetworkChecker:
    """Checker side: an adjacency dict of OSM node ids, the nearest node by brute force, and a
    heapq Dijkstra per committee that runs only as far as the sites asked for need (resumed,
    not restarted, for the committee's next site)."""

    def __init__(self, tables):
        self.adj: dict[int, dict[int, float]] = {}
        self.where: dict[int, tuple[float, float]] = {}
        for u, v, a, b, c, d in tables.extra["roads"][list(ROAD_COLUMNS)].itertuples(index=False):
            u, v = int(u), int(v)
            self.where[u], self.where[v] = (a, b), (c, d)
            w = max(_arc(a, b, c, d), MIN_EDGE_M)
            for x, y in ((u, v), (v, u)):
                nb = self.adj.setdefault(x, {})
                if w < nb.get(y, math.inf):
                    nb[y] = w
        self.node_ids = np.fromiter(self.where, dtype=np.int64)
        pos = np.array([self.where[int(n)] for n in self.node_ids], dtype=float)
        self.node_lon, self.node_lat = np.radians(pos[:, 0]), np.radians(pos[:, 1])
        cx, cy = tables.coords
        self.c = {str(i): (float(x), float(y)) for i, x, y in
                  zip(tables.committees["id"], tables.committees[cx], tables.committees[cy])}
        self.s = {str(i): (float(x), float(y)) for i, x, y in
                  zip(tables.sites["id"], tables.sites[cx], tables.sites[cy])}
        self._snaps: dict[tuple[float, float], tuple[int, float]] = {}
        self._runs: dict[int, tuple[dict[int, float], list[tuple[float, int]]]] = {}

    def _snap(self, point: tuple[float, float]) -> tuple[int, float]:
        if point not in self._snaps:
            lon, lat = math.radians(point[0]), math.radians(point[1])
            h = (np.sin((self.node_lat - lat) / 2) ** 2
                 + math.cos(lat) * np.cos(self.node_lat) * np.sin((self.node_lon - lon) / 2) ** 2)
            node = int(self.node_ids[h == h.min()].min())  # nodes at one spot: the lowest id
            self._snaps[point] = node, _arc(point[0], point[1], *self.where[node])
        return self._snaps[point]

    def _path(self, source: int, target: int) -> float:
        done, heap = self._runs.setdefault(source, ({}, [(0.0, source)]))
        while target not in done and heap:
            d, x = heapq.heappop(heap)
            if x in done:
                continue
            done[x] = d
            for y, w in self.adj.get(x, {}).items():
                if y not in done:
                    heapq.heappush(heap, (d + w, y))
        return done.get(target, math.inf)

    def __call__(self, committee: str, site: str) -> float:
        cn, cs = self._snap(self.c[committee])
        sn, ss = self._snap(self.s[site])
        return cs + self._path(cn, sn) + ss


register(Network())
