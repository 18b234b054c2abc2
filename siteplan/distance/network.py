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

A walk from a committee to a site is: the straight line from the committee to the nearest
point of the nearest street segment (its snap, defined exactly in `walkgraph`), the shortest
path along the walking network (pyrosm's `network_type="walking"`, every street segment
walkable both ways; a committee and a site on one segment walk straight along it) to the
site's foot, and the site's snap. A point more than `network.snap_max_m` (default
`MAX_SNAP_M`) from any street is an input error naming it (wrong coordinates, or an extract
that does not cover it). Points on network components that do not connect (islands) have no
distance (inf) and are reported by id (`islands`).

Model side (`walkgraph`): a scipy sparse graph with every snapped foot spliced in as a
node, a KD-tree snap, a bounded multi-source Dijkstra (`scipy.sparse.csgraph.dijkstra(
indices=committee feet, limit=reach)`), in batches so the memory is bounded. Checker side
(`walkcheck.NetworkChecker`): its own adjacency dict, its own snap (every edge, brute force)
and its own heapq Dijkstra, sharing only the parsed roads table (the OSM segments and their
node coordinates, as the CSV reader is shared by every kind).

Needs the `geo` extra (`pip install 'siteplan[geo]'`, which brings pyrosm).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from typing import ClassVar

import numpy as np
import pandas as pd

from siteplan.distance import DistanceKind, coordinates, register, sort_pairs, walkshapes
from siteplan.distance.haversine import equirectangular
from siteplan.distance.walkcheck import NetworkChecker
from siteplan.distance.walkgraph import BATCH_CELLS, MIN_EDGE_M, Graph, Walks
from siteplan.errors import InputError, SiteplanWarning

#: a district's extract is a few MB, a city's tens; reading costs ~58 MB of memory and ~3.5 s per MB
#: of .pbf (benchmarks/network/pbf_bench.py), so 64 MiB is ~4 GB and ~4 minutes: clip beyond
MAX_ROADS_BYTES = 64 << 20
MAX_SNAP_M = 500.0  # default network.snap_max_m: a point this far from any street is misplaced
SHOW_IDS = 5  # ids named in a message (then a count)
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
__all__ = ["BATCH_CELLS", "MIN_EDGE_M", "ROAD_COLUMNS", "Graph", "Network", "NetworkChecker", "Walks",
           "read_roads"]
_GRAPHS: list[tuple[pd.DataFrame, Graph]] = []  # the last few graphs, by their roads table
_WALKS: list[tuple[tuple, Walks]] = []  # the last few spliced graphs, by their tables


def graph_of(tables) -> Graph:
    return _graph(tables.extra["roads"])


def _graph(roads: pd.DataFrame) -> Graph:
    for df, g in _GRAPHS:
        if df is roads:
            return g
    g = Graph(roads)
    _GRAPHS.insert(0, (roads, g))
    del _GRAPHS[2:]
    return g


def walks_of(tables) -> Walks:
    """The graph with the committees' feet (nodes[:n committees]) and then the sites' spliced
    in, built once per tables."""
    key = (tables.extra["roads"], tables.committees, tables.sites)
    for k, wk in _WALKS:
        if all(a is b for a, b in zip(k, key)):
            return wk
    points = np.vstack([coordinates(tables, "committees"), coordinates(tables, "sites")])
    wk = Walks(graph_of(tables), points)
    _WALKS.insert(0, (key, wk))
    del _WALKS[2:]
    return wk


def _ends(tables, which: str, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(foot node, snap metres) of the committees or sites (`rows` of them)."""
    wk = walks_of(tables)
    nc = len(tables.committees)
    part = slice(0, nc) if which == "committees" else slice(nc, None)
    node, snap = wk.node[part], wk.snap.metres[part]
    return (node, snap) if rows is None else (node[rows], snap[rows])


def _listed(ids, metres=None) -> str:
    shown = [f"{i!r}" + ("" if metres is None else f" ({m:,.0f} m)") for i, m in
             zip(list(ids)[:SHOW_IDS], [None] * SHOW_IDS if metres is None else list(metres)[:SHOW_IDS])]
    more = f" and {len(ids) - SHOW_IDS} more" if len(ids) > SHOW_IDS else ""
    return ", ".join(shown) + more


def check_snaps(tables, snap_max_m: float, files: dict[str, str]) -> None:
    """Every committee and site within `snap_max_m` of a street, else an InputError naming
    them (the first few, with their distances, and how many)."""
    nc = len(tables.committees)
    snap = walks_of(tables).snap.metres
    for what, df, m in (("committee", tables.committees, snap[:nc]), ("site", tables.sites, snap[nc:])):
        k = np.flatnonzero(m > snap_max_m)
        if len(k):
            raise InputError(
                f"{len(k)} {what}{'s are' if len(k) > 1 else ' is'} more than {snap_max_m:,.0f} m from "
                f"the nearest walkable street: {_listed(df['id'].to_numpy()[k], m[k])}",
                where=f"{files[what]} (roads: {files['roads']})",
                fix="check their lon/lat (WGS 84, lon first), use a roads extract that covers them, "
                    "or raise network.snap_max_m in the scenario")


def islands(tables) -> dict:
    """What the snapped points see of the network: its size, the snaps, and the street
    islands (components) where committees have no candidate site or sites no committee."""
    wk = walks_of(tables)
    g = wk.graph
    label = g.components()
    nc = len(tables.committees)
    on = label[g.lo[wk.snap.edge]]
    com_on, site_on = on[:nc], on[nc:]
    candidate = ~tables.sites["excluded"].to_numpy(bool) if "excluded" in tables.sites else np.ones(len(site_on), bool)
    cids, sids = tables.committees["id"].astype(str).to_numpy(), tables.sites["id"].astype(str).to_numpy()
    stuck = ~np.isin(com_on, site_on[candidate])
    idle = candidate & ~np.isin(site_on, com_on)
    sizes = np.bincount(label)
    out = []
    for comp in np.unique(np.concatenate([com_on[stuck], site_on[idle]])):
        out.append({"component": int(comp), "nodes": int(sizes[comp]),
                    "committees": [str(i) for i in cids[stuck & (com_on == comp)]],
                    "sites": [str(i) for i in sids[idle & (site_on == comp)]]})
    snap = wk.snap.metres

    def stats(m: np.ndarray) -> dict:
        return {"count": len(m), "median_m": round(float(np.median(m)), 3) if len(m) else None,
                "max_m": round(float(np.max(m)), 3) if len(m) else None}

    return {"nodes": int(g.n_nodes), "edges": int(g.n_edges), "components": len(sizes),
            "snapped": {"committees": stats(snap[:nc]), "sites": stats(snap[nc:]),
                        "edges_split": len(np.unique(wk.snap.edge))},
            "islands": out,
            "unreachable_committees": [str(i) for i in cids[stuck]],
            "useless_sites": [str(i) for i in sids[idle]]}


def warn_islands(found: dict, where: str) -> None:
    """A SiteplanWarning per kind of island point (never dropped silently)."""
    stuck, idle = found["unreachable_committees"], found["useless_sites"]
    if stuck:
        warnings.warn(f"{where}: {len(stuck)} committee{'s' if len(stuck) > 1 else ''} on street islands "
                      f"with no candidate site can never be served on foot: {_listed(stuck)}",
                      SiteplanWarning, stacklevel=3)
    if idle:
        warnings.warn(f"{where}: {len(idle)} candidate site{'s' if len(idle) > 1 else ''} on street islands "
                      f"with no committee can serve no one: {_listed(idle)}", SiteplanWarning, stacklevel=3)


def _reachable(wk: Walks, src: np.ndarray, src_snap: np.ndarray, dst: np.ndarray, dst_snap: np.ndarray,
               limit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(source index, destination index, walk metres) of every pair with walk <= limit: one
    bounded Dijkstra per distinct source foot, batched."""
    sources, row = np.unique(src, return_inverse=True)
    order = np.argsort(row, kind="stable")  # points grouped by their foot
    starts = np.searchsorted(row[order], np.arange(len(sources) + 1))
    out_a, out_b, out_d = [], [], []
    for first, dist in wk.from_nodes(sources, limit):
        at = dist[:, dst]  # batch x destinations, inf beyond the limit
        r, j = np.nonzero(np.isfinite(at))
        base = at[r, j] + dst_snap[j]
        lo, hi = starts[first + r], starts[first + r + 1]
        rep = np.repeat(np.arange(len(r)), hi - lo)  # each (foot, destination) once per point
        offset = np.arange(len(rep)) - np.repeat(np.cumsum(hi - lo) - (hi - lo), hi - lo)
        a = order[lo[rep] + offset]
        d = src_snap[a] + base[rep]
        ok = d <= limit
        out_a.append(a[ok].astype(np.int64))
        out_b.append(j[rep][ok].astype(np.int64))
        out_d.append(d[ok])
    return np.concatenate(out_a), np.concatenate(out_b), np.concatenate(out_d)


class Network(DistanceKind):
    name = "network"
    columns = ("lon", "lat")
    bounds = ((-180.0, 180.0), (-90.0, 90.0))
    needs: ClassVar[dict[str, str]] = {"roads": "an OpenStreetMap .osm.pbf or a line layer of the "
                                                "district's streets"}
    draws_circles = False  # a walk on streets reaches no circle

    def read_table(self, key, path, committees, sites):
        roads, digest = read_roads(path)
        _graph(roads)  # built once, here, for the checks and the pairs that follow
        return roads, digest

    def check_tables(self, tables, spec, where):
        snap_max = spec.network.snap_max_m
        check_snaps(tables, snap_max, {"committee": spec.data.committees, "site": spec.data.sites,
                                       "roads": str(spec.data.roads)})
        warn_islands(islands(tables), where)

    def describe(self, tables):
        return islands(tables)

    def pairs(self, tables, reach, circuity):
        wk = walks_of(tables)
        cnode, csnap = _ends(tables, "committees")
        snode, ssnap = _ends(tables, "sites")
        if not len(cnode) or not len(snode):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        limit = float(np.max(reach)) / circuity * (1 + 1e-12) + 1e-9
        # a walk is the same both ways: run Dijkstra from whichever side has fewer feet
        if len(np.unique(snode)) < len(np.unique(cnode)):
            s, c, d = _reachable(wk, snode, ssnap, cnode, csnap, limit)
        else:
            c, s, d = _reachable(wk, cnode, csnap, snode, ssnap, limit)
        return sort_pairs(c, s, d * circuity, reach)

    def between(self, tables, committees, sites):
        wk = walks_of(tables)
        committees, sites = np.asarray(committees, dtype=np.int64), np.asarray(sites, dtype=np.int64)
        cnode, csnap = _ends(tables, "committees", committees)
        snode, ssnap = _ends(tables, "sites", sites)
        out = np.full(len(committees), np.inf)
        if not len(out):
            return out
        sources, row = np.unique(cnode, return_inverse=True)
        for first, dist in wk.from_nodes(sources):
            k = np.flatnonzero((row >= first) & (row < first + dist.shape[0]))
            out[k] = csnap[k] + dist[row[k] - first, snode[k]] + ssnap[k]
        return out

    def nearest(self, tables, committees, sites, circuity):
        wk = walks_of(tables)
        cnode, csnap = _ends(tables, "committees", np.asarray(committees, dtype=np.int64))
        snode, ssnap = _ends(tables, "sites", np.asarray(sites, dtype=np.int64))
        idx = np.full(len(cnode), -1, dtype=np.int64)
        best = np.full(len(cnode), np.inf)
        if not len(cnode) or not len(snode):
            return idx, best
        sources, row = np.unique(cnode, return_inverse=True)
        for first, dist in wk.from_nodes(sources):
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

    # ---------------------------------------------------------------- shapes, for the outputs
    def walk_paths(self, tables, committees, sites, limit: float = np.inf) -> list[np.ndarray]:
        """The walk of each (committees[k], sites[k]): its lon/lat vertices, committee first,
        snap legs included (empty when no walk of at most `limit` metres joins them)."""
        committees, sites = np.asarray(committees, dtype=np.int64), np.asarray(sites, dtype=np.int64)
        cnode, _ = _ends(tables, "committees", committees)
        snode, _ = _ends(tables, "sites", sites)
        return walkshapes.paths(walks_of(tables), cnode, coordinates(tables, "committees")[committees],
                                snode, coordinates(tables, "sites")[sites], limit)

    def walkshed(self, tables, site: int, reach_m: float):
        """The streets site `site` reaches within a walk of `reach_m` metres (before circuity),
        buffered by `walkshapes.WALKSHED_WIDTH_M`: a shapely polygon in lon/lat."""
        node, snap = _ends(tables, "sites", np.array([site]))
        return walkshapes.walkshed(walks_of(tables), int(node[0]), coordinates(tables, "sites")[site],
                                   float(snap[0]), reach_m)


register(Network())
