"""What the plan map draws beyond points, as plain coordinate arrays: the streets of a
`network` scenario, and the plan's assignments and walksheds as the GIS layers build them.

Why a module of its own: svg.py draws arrays and knows neither tables nor shapely; the GIS
layers (report/gis.py) are the one place that says what an assignment or a walkshed looks
like, so the map draws those same geometries, whatever their shape (straight lines or walks
along the streets; circles or buffered streets), and plan.gpkg and the report never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from siteplan import distance

#: road segments kept beyond the map's box, as a share of its span (a street leaving the
#: box is drawn to the edge, not cut at its last node inside)
CLIP_MARGIN = 0.05


@dataclass
class MapShapes:
    """Polylines and polygon rings, each an (n, 2) array in the scenario's coordinates."""

    streets: list[np.ndarray] = field(default_factory=list)
    paths: list[np.ndarray] = field(default_factory=list)  # one per served committee
    #: per open facility: (site id, the rings of its walkshed: exteriors and holes)
    sheds: list[tuple[str, list[np.ndarray]]] = field(default_factory=list)
    #: rivers and rail lines beside the streets (`siteplan.io.roads.BARRIERS`): (kind, polyline)
    barriers: list[tuple[str, np.ndarray]] = field(default_factory=list)


def lines_of(geom) -> list[np.ndarray]:
    """The coordinate arrays of a (Multi)LineString or of the lines in a collection."""
    import shapely

    out = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "LineString" and not part.is_empty:
            out.append(np.asarray(part.coords, dtype=float)[:, :2])
        elif part.geom_type not in ("Point", "Polygon"):  # a nested collection
            out += lines_of(part)
    return out


def rings_of(geom) -> list[np.ndarray]:
    """The exterior and interior rings of a (Multi)Polygon or of the polygons in a collection."""
    import shapely

    out = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon" and not part.is_empty:
            out += [np.asarray(r.coords, dtype=float)[:, :2] for r in (part.exterior, *part.interiors)]
        elif part.geom_type not in ("Point", "LineString"):
            out += rings_of(part)
    return out


def street_chains(u: np.ndarray, v: np.ndarray, a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """Segments (node ids u -> v, coordinates a -> b) joined into polylines that run on
    through junctions while an undrawn segment leaves them: each segment once, few chains,
    a small SVG. Chains start at nodes of odd degree (as an Euler trail must), then at what
    is left (loops)."""
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    _, first = np.unique(np.column_stack([lo, hi]), axis=0, return_index=True)  # one per street piece
    first.sort()
    where: dict[int, tuple[float, float]] = {}
    edges: dict[int, list[int]] = defaultdict(list)
    for e in first.tolist():
        x, y = int(u[e]), int(v[e])
        if x == y:
            continue
        where[x], where[y] = (float(a[e, 0]), float(a[e, 1])), (float(b[e, 0]), float(b[e, 1]))
        edges[x].append(e)
        edges[y].append(e)
    used: set[int] = set()
    chains = []
    starts = [n for n, es in edges.items() if len(es) % 2] + list(edges)
    for start in starts:
        while any(e not in used for e in edges[start]):
            node, pts = start, [where[start]]
            while True:
                e = next((e for e in edges[node] if e not in used), None)
                if e is None:
                    break
                used.add(e)
                node = int(v[e]) if int(u[e]) == node else int(u[e])
                pts.append(where[node])
            chains.append(np.array(pts))
    return chains


def _clip(roads, box: np.ndarray):
    """The road segments with an end inside `box` ((xmin, ymin), (xmax, ymax)) widened by
    CLIP_MARGIN: a district's map never draws the rest of a city-size extract."""
    from siteplan.distance.network import ROAD_COLUMNS

    u, v, ux, uy, vx, vy = (roads[c].to_numpy() for c in ROAD_COLUMNS)
    pad = (box[1] - box[0]) * CLIP_MARGIN
    lo, hi = box[0] - pad, box[1] + pad

    def inside(x, y):
        return (x >= lo[0]) & (x <= hi[0]) & (y >= lo[1]) & (y <= hi[1])

    keep = inside(ux.astype(float), uy.astype(float)) | inside(vx.astype(float), vy.astype(float))
    a = np.column_stack([ux[keep], uy[keep]]).astype(float)
    b = np.column_stack([vx[keep], vy[keep]]).astype(float)
    return u[keep].astype(np.int64), v[keep].astype(np.int64), a, b


def map_shapes(scn, doc: dict, points: np.ndarray) -> MapShapes | None:
    """The streets and the GIS layers' assignment and walkshed geometries, for kinds that
    reach no circle (`network`); None for the others, whose map draws straight lines and
    reach circles. `points` are the map's committees and sites, to clip the streets to."""
    from siteplan.report import gis

    if distance.get(scn.spec.distance_spec.method).draws_circles or not gis.has_layers(scn):
        return None
    layers = gis.build_layers(scn, doc)
    shapes = MapShapes(paths=[_joined(lines_of(g)) for g in layers["assignments"][0]])
    for g, rec in zip(*layers["walksheds"]):
        shapes.sheds.append((str(rec["site_id"]), rings_of(g)))
    roads = scn.tables.extra.get("roads")
    if roads is not None and len(roads):
        every = [points, *shapes.paths, *(r for _, rings in shapes.sheds for r in rings)]
        xy = np.concatenate([p for p in every if len(p)])
        box = np.array([np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)])
        shapes.streets = street_chains(*_clip(roads, box))
        from siteplan.io.roads import BARRIERS

        shapes.barriers = list(roads.attrs.get(BARRIERS, []))
    return shapes


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """A line's parts as one array, NaN rows between them (svg.py starts a sub-path at each)."""
    if not parts:
        return np.zeros((0, 2))
    gap = np.full((1, 2), np.nan)
    return np.concatenate([x for p in parts for x in (p, gap)][:-1])
