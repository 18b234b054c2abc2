"""Inline SVG drawn in Python: the plan map, bar charts and the sweep frontier.

Why SVG strings and not a charting library: the report must work offline in any browser
on a closed network, so it can carry no script bundle or CDN link; SVG renders natively,
prints sharply and gives tests countable elements (`data-role` on every marker). Every
text that comes from input files is escaped.
"""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING

import numpy as np

from siteplan import distance

if TYPE_CHECKING:
    from siteplan.report.mapshapes import MapShapes

PALETTE = ["#1f6fb2", "#e07b22", "#2c9a5a", "#b8406a", "#7a5cb8", "#8c6d31", "#3b9fb0", "#6b6b6b"]
SITE_NEW = "#c0392b"
SITE_OLD = "#6c3483"
SERVED = "#1f6fb2"
UNSERVED = "#e67e22"
STREET = "#b3b3b3"
SHED = "#1f6fb2"
#: a vertex closer than this many pixels to the last one drawn is left out (streets, walks)
THIN_PX = 1.0
STREETS_PER_PATH = 500


def _e(v) -> str:
    return escape(str(v), quote=True)


def _f(v: float) -> str:
    return f"{v:.1f}"


def project(xy: np.ndarray, method: str) -> np.ndarray:
    """Metres on a local plane, as the distance kind draws its coordinates (lon/lat become an
    equirectangular projection)."""
    return distance.get(method).planar(xy)


def nice_step(span: float) -> float:
    """A round number (1, 2, 5 x 10^k) near a fifth of `span`."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / 5
    k = 10 ** math.floor(math.log10(raw))
    return min((m * k for m in (1, 2, 5, 10)), key=lambda s: abs(s - raw))


def project_all(arrays: list[np.ndarray], method: str) -> list[np.ndarray]:
    """Several coordinate arrays projected as one (the drawing projection depends on the
    whole set), NaN rows (sub-path breaks) kept as NaN."""
    if not arrays:
        return []
    xy = np.concatenate([np.asarray(a, dtype=float).reshape(-1, 2) for a in arrays])
    ok = np.isfinite(xy).all(axis=1)
    out = np.full_like(xy, np.nan)
    if ok.any():
        out[ok] = project(xy[ok], method)
    return np.split(out, np.cumsum([len(a) for a in arrays])[:-1])


def simplified(arrays: list[np.ndarray], tol: float = THIN_PX / 2) -> list[np.ndarray]:
    """Each polyline (NaN rows between its parts) with the vertices that bend it by less than
    `tol` pixels left out (Douglas-Peucker, ends kept): a straight street of many OSM nodes
    is drawn as two points, in one vectorised pass over the whole map."""
    import shapely

    parts, owner = [], []
    for i, a in enumerate(arrays):
        for part in np.split(a, np.flatnonzero(~np.isfinite(a).all(axis=1))):
            part = part[np.isfinite(part).all(axis=1)]
            if len(part):
                parts.append(part)
                owner.append(i)
    if not parts:
        return [np.zeros((0, 2)) for _ in arrays]
    long = [k for k, p in enumerate(parts) if len(p) > 2]
    if long:
        lines = shapely.linestrings(np.concatenate([parts[k] for k in long]),
                                    indices=np.repeat(np.arange(len(long)), [len(parts[k]) for k in long]))
        xy, which = shapely.get_coordinates(shapely.simplify(lines, tol, preserve_topology=False),
                                            return_index=True)
        for j, piece in enumerate(np.split(xy, np.flatnonzero(np.diff(which)) + 1)):
            parts[long[j]] = piece
    out: list[list[np.ndarray]] = [[] for _ in arrays]
    gap = np.full((1, 2), np.nan)
    for i, part in zip(owner, parts):
        out[i] += [gap, part] if out[i] else [part]
    return [np.concatenate(o) if o else np.zeros((0, 2)) for o in out]


def path_d(px: np.ndarray, *, close: bool = False, min_extent: float = 0.0) -> str:
    """SVG path data of a polyline in pixels, NaN rows starting a new sub-path. Vertices
    closer than THIN_PX to the last one kept are left out (the ends are kept), and a part
    whose extent is under `min_extent` pixels is dropped: a city's streets stay a small file."""
    out = []
    breaks = np.flatnonzero(~np.isfinite(px).all(axis=1))
    for part in np.split(px, breaks):
        part = part[np.isfinite(part).all(axis=1)]
        if len(part) < 2 or np.ptp(part, axis=0).max() < min_extent:
            continue
        kept = [part[0]]
        for p in part[1:-1]:
            if abs(p[0] - kept[-1][0]) + abs(p[1] - kept[-1][1]) >= THIN_PX:
                kept.append(p)
        if len(kept) > 1 and abs(part[-1][0] - kept[-1][0]) + abs(part[-1][1] - kept[-1][1]) < THIN_PX:
            kept[-1] = part[-1]  # the end is where the next street starts: keep it exact
        else:
            kept.append(part[-1])
        if close and len(kept) < 3:
            continue
        # pairs after a moveto are implicit linetos: no "L" to write
        out.append("M" + " ".join(f"{_f(x)} {_f(y)}" for x, y in kept) + ("Z" if close else ""))
    return "".join(out)


def plan_map(committees: list[dict], facilities: list[dict], candidates: list[dict], reach_m: float,
             method: str, *, width: int = 960, scale_label: str = "scale",
             shapes: MapShapes | None = None) -> str:
    """Committees (dots), open sites (squares sized by floor area), assignments, reach circles.

    committees: {id, x, y, site_id, kind}; facilities: {site_id, x, y, area_m2, status};
    candidates: {id, x, y} of sites not opened. Coordinates in the scenario's own system.
    With `shapes` (a street network), the streets are drawn under the plan, the assignments
    and walksheds are its geometries (one path per served committee, per open site) and no
    circle is drawn.
    """
    all_xy = [(c["x"], c["y"]) for c in committees] + [(f["x"], f["y"]) for f in facilities] + \
        [(s["x"], s["y"]) for s in candidates]
    if not all_xy:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    extra = [] if shapes is None else [*shapes.streets, *shapes.paths,
                                       *(r for _, rings in shapes.sheds for r in rings),
                                       *(line for _, line in shapes.barriers)]
    P, *extra_P = project_all([np.array(all_xy, dtype=float), *extra], method)
    nc, nf = len(committees), len(facilities)
    cP, fP, sP = P[:nc], P[nc:nc + nf], P[nc + nf:]
    lo = P.min(axis=0) - 0.0
    hi = P.max(axis=0)
    if shapes is not None:  # the box holds the walksheds and walks; streets beyond are clipped
        n_st, n_pa, n_ba = len(shapes.streets), len(shapes.paths), len(shapes.barriers)
        streets_P, paths_P = extra_P[:n_st], extra_P[n_st:n_st + n_pa]
        rings_P = extra_P[n_st + n_pa:len(extra_P) - n_ba]
        barriers_P = extra_P[len(extra_P) - n_ba:]
        points_lo, points_hi = lo, hi
        for a in [*paths_P, *rings_P]:
            if np.isfinite(a).any():
                lo, hi = np.minimum(lo, np.nanmin(a, axis=0)), np.maximum(hi, np.nanmax(a, axis=0))
        if streets_P:  # nobody walks where no street is: a walkshed there is not framed
            st = np.concatenate(streets_P)
            lo = np.maximum(lo, np.minimum(np.nanmin(st, axis=0), points_lo))
            hi = np.minimum(hi, np.maximum(np.nanmax(st, axis=0), points_hi))
    elif nf:
        lo = np.minimum(lo, fP.min(axis=0) - reach_m)
        hi = np.maximum(hi, fP.max(axis=0) + reach_m)
    span = np.maximum(hi - lo, 1.0)
    pad = 24
    k = (width - 2 * pad) / max(span[0], span[1] * 0.75)
    height = int(span[1] * k + 2 * pad + 30)
    w_used = span[0] * k + 2 * pad

    def tx(p):
        return pad + (p[0] - lo[0]) * k, pad + (hi[1] - p[1]) * k

    def px(a: np.ndarray) -> np.ndarray:
        return np.column_stack([pad + (a[:, 0] - lo[0]) * k, pad + (hi[1] - a[:, 1]) * k])

    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="map" data-role="map" '
           f'viewBox="0 0 {_f(max(w_used, 200))} {height}" width="100%" role="img">'),
           f'<rect x="0" y="0" width="{_f(max(w_used, 200))}" height="{height}" fill="#fbfbf8"/>']
    fidx = {f["site_id"]: i for i, f in enumerate(facilities)}
    if shapes is not None:
        out.append(_barrier_layer(shapes, [px(a) for a in barriers_P]))
        out.append(_network_layers(shapes, [px(a) for a in streets_P], [px(a) for a in paths_P],
                                   [px(a) for a in rings_P]))
    out.append('<g data-role="reach-layer">')
    for f, p in zip(facilities, fP if distance.get(method).draws_circles and shapes is None else ()):
        x, y = tx(p)
        out.append(f'<circle data-role="reach" cx="{_f(x)}" cy="{_f(y)}" r="{_f(reach_m * k)}" fill="#1f6fb2" '
                   f'fill-opacity="0.04" stroke="#1f6fb2" stroke-opacity="0.35" stroke-dasharray="4 3"/>')
    out.append('</g><g data-role="assign-layer">')
    for c, p in zip(committees, cP if shapes is None else ()):
        i = fidx.get(c.get("site_id"))
        if i is None:
            continue
        x1, y1 = tx(p)
        x2, y2 = tx(fP[i])
        out.append(f'<line data-role="assign" x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" '
                   'stroke="#555" stroke-opacity="0.45" stroke-width="0.8"/>')
    out.append('</g><g data-role="candidate-layer">')
    for s, p in zip(candidates, sP):
        x, y = tx(p)
        out.append(f'<path data-role="candidate" d="M{_f(x - 3)} {_f(y - 3)}L{_f(x + 3)} {_f(y + 3)}'
                   f'M{_f(x - 3)} {_f(y + 3)}L{_f(x + 3)} {_f(y - 3)}" stroke="#aaa" stroke-width="1">'
                   f'<title>{_e(s["id"])}</title></path>')
    out.append('</g><g data-role="committee-layer">')
    for c, p in zip(committees, cP):
        x, y = tx(p)
        served = c.get("site_id") is not None
        tip = f'{c["id"]} → {c.get("site_id") or "—"}'
        out.append(f'<circle data-role="committee" data-id="{_e(c["id"])}" cx="{_f(x)}" cy="{_f(y)}" '
                   f'r="{3 if served else 4.5}" fill="{SERVED if served else UNSERVED}" stroke="#fff" '
                   f'stroke-width="0.8"><title>{_e(tip)}</title></circle>')
    out.append('</g><g data-role="site-layer">')
    amax = max([float(f["area_m2"]) for f in facilities] or [1.0]) or 1.0
    for f, p in zip(facilities, fP):
        x, y = tx(p)
        side = 6 + 18 * math.sqrt(max(float(f["area_m2"]), 0.0) / amax)
        color = SITE_NEW if f.get("status") == "new" else SITE_OLD
        tip = f'{f["site_id"]}: {float(f["area_m2"]):,.0f} m² ({f.get("status", "")})'
        out.append(f'<rect data-role="site" data-id="{_e(f["site_id"])}" x="{_f(x - side / 2)}" '
                   f'y="{_f(y - side / 2)}" width="{_f(side)}" height="{_f(side)}" fill="{color}" '
                   f'fill-opacity="0.85" stroke="#fff" stroke-width="1"><title>{_e(tip)}</title></rect>')
    out.append("</g>")
    step = nice_step(span[0])
    bar = step * k
    y0 = height - 14
    out.append(f'<g data-role="scalebar"><line x1="{pad}" y1="{y0}" x2="{_f(pad + bar)}" y2="{y0}" '
               f'stroke="#333" stroke-width="2"/><text x="{_f(pad + bar + 6)}" y="{y0 + 4}" font-size="11" '
               f'fill="#333">{_e(scale_label)} {step:,.0f} m</text></g>')
    out.append("</svg>")
    return "".join(out)


#: how a barrier beside the streets is drawn: kind -> SVG stroke attributes
BARRIER_STYLE = {"river": 'stroke="#8cc3e8" stroke-width="5" stroke-opacity="0.9"',
                 "rail": 'stroke="#555" stroke-width="1.6" stroke-dasharray="7 4"'}


def _barrier_layer(shapes: MapShapes, lines: list[np.ndarray]) -> str:
    """Rivers and rail lines under the streets: what the walks go around."""
    out = ['<g data-role="barrier-layer" fill="none" stroke-linecap="round" stroke-linejoin="round">']
    for (kind, _), a in zip(shapes.barriers, lines):
        d = path_d(a)
        if d:
            out.append(f'<path data-role="{_e(kind)}" d="{d}" {BARRIER_STYLE.get(kind, BARRIER_STYLE["rail"])}/>')
    out.append("</g>")
    return "".join(out)


def _network_layers(shapes: MapShapes, streets: list[np.ndarray], paths: list[np.ndarray],
                    rings: list[np.ndarray]) -> str:
    """Streets (thin grey, sub-pixel detail left out), walksheds (light fill, holes kept) and
    the assignments as drawn by the GIS layers, in pixels."""
    out = [(f'<g data-role="street-layer" fill="none" stroke="{STREET}" stroke-width="0.7" '
            'stroke-linecap="round" stroke-linejoin="round">')]
    streets, paths, rings = simplified(streets), simplified(paths), simplified(rings)
    drawn = [d for d in (path_d(a, min_extent=THIN_PX) for a in streets) if d]
    for i in range(0, len(drawn), STREETS_PER_PATH):  # sub-paths of one element: less markup
        out.append(f'<path data-role="street" d="{"".join(drawn[i:i + STREETS_PER_PATH])}"/>')
    out.append(f'</g><g data-role="walkshed-layer" fill="{SHED}" fill-opacity="0.045" fill-rule="evenodd" '
               f'stroke="{SHED}" stroke-opacity="0.4" stroke-width="0.6">')
    at = 0
    for sid, own in shapes.sheds:
        mine, at = rings[at:at + len(own)], at + len(own)
        d = "".join(path_d(r, close=True) for r in mine)
        if d:
            out.append(f'<path data-role="walkshed" d="{d}"><title>{_e(sid)}</title></path>')
    out.append('</g><g data-role="assign-layer" fill="none" stroke="#444" stroke-opacity="0.6" '
               'stroke-width="1.1" stroke-linejoin="round">')
    for a in paths:
        d = path_d(a)
        if d:
            out.append(f'<path data-role="assign" d="{d}"/>')
    out.append("</g>")
    return "".join(out)


def bar_chart(rows: list[tuple[str, list[tuple[str, float]]]], *, width: int = 720, unit: str = "",
              fmt=lambda v: f"{v / 1e6:,.1f}M") -> str:
    """Horizontal stacked bars: rows of (label, [(part label, value), ...])."""
    label_w, bar_h, gap = 170, 26, 34
    vmax = max([sum(max(v, 0) for _, v in parts) for _, parts in rows] or [1.0]) or 1.0
    inner = width - label_w - 90
    height = len(rows) * gap + 40
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-role="bar-chart" '
           f'viewBox="0 0 {width} {height}" width="{width}" role="img">')]
    legend: dict[str, str] = {}
    for i, (label, parts) in enumerate(rows):
        y = 10 + i * gap
        out.append(f'<text x="{label_w - 8}" y="{y + bar_h * 0.65}" text-anchor="end" font-size="12" '
                   f'fill="#222">{_e(label)}</text>')
        x = float(label_w)
        for part, v in parts:
            w = max(v, 0) / vmax * inner
            if w <= 0:  # nothing of this part: no bar, and no legend entry unless another row has one
                continue
            color = legend.setdefault(part, PALETTE[len(legend) % len(PALETTE)])
            out.append(f'<rect data-role="bar" x="{_f(x)}" y="{y}" width="{_f(w)}" height="{bar_h}" '
                       f'fill="{color}"><title>{_e(part)}: {_e(fmt(v))}{_e(unit)}</title></rect>')
            x += w
        total = sum(v for _, v in parts)
        out.append(f'<text x="{_f(x + 6)}" y="{y + bar_h * 0.65}" font-size="12" fill="#222">'
                   f'{_e(fmt(total))}{_e(unit)}</text>')
    lx, ly = float(label_w), len(rows) * gap + 26
    for part, color in legend.items():
        w = 24 + 7 * len(part) + 6 * sum(1 for ch in part if ord(ch) > 0x2e80)
        if lx + w > width and lx > label_w:
            lx, ly = float(label_w), ly + 18
        out.append(f'<rect x="{_f(lx)}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{_f(lx + 14)}" y="{ly}" font-size="11" fill="#333">{_e(part)}</text>')
        lx += w
    out[0] = out[0].replace(f'0 0 {width} {height}"', f'0 0 {width} {ly + 10}"')
    out.append("</svg>")
    return "".join(out)


def line_chart(series: list[tuple[str, list[tuple[float, float]]]], *, xlabel: str, ylabel: str,
               width: int = 760, height: int = 380) -> str:
    """Lines with point markers (`data-role="point"`), axes with round ticks."""
    pts = [p for _, s in series for p in s if all(math.isfinite(v) for v in p)]
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-role="line-chart" '
           f'viewBox="0 0 {width} {height}" width="{width}" role="img">')]
    if not pts:
        out.append('<text x="20" y="40" font-size="13">—</text></svg>')
        return "".join(out)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y0, y1 = y0 - 1, y1 + 1
    left, right, top, bottom = 78, 20, 16, 52
    pw, ph = width - left - right, height - top - bottom

    def X(v):
        return left + (v - x0) / (x1 - x0) * pw

    def Y(v):
        return top + (y1 - v) / (y1 - y0) * ph

    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fbfbf8" stroke="#ccc"/>')
    for axis, a0, a1 in (("x", x0, x1), ("y", y0, y1)):
        step = nice_step(a1 - a0)
        t = math.ceil(a0 / step) * step
        while t <= a1 + 1e-9 * abs(a1 - a0):
            lab = _tick(t)
            if axis == "x":
                out.append(f'<line x1="{_f(X(t))}" y1="{top}" x2="{_f(X(t))}" y2="{top + ph}" stroke="#eee"/>'
                           f'<text x="{_f(X(t))}" y="{top + ph + 16}" font-size="11" text-anchor="middle" '
                           f'fill="#444">{lab}</text>')
            else:
                out.append(f'<line x1="{left}" y1="{_f(Y(t))}" x2="{left + pw}" y2="{_f(Y(t))}" stroke="#eee"/>'
                           f'<text x="{left - 6}" y="{_f(Y(t) + 4)}" font-size="11" text-anchor="end" '
                           f'fill="#444">{lab}</text>')
            t += step
    out.append(f'<text x="{left + pw / 2}" y="{height - 10}" font-size="12" text-anchor="middle" '
               f'fill="#222">{_e(xlabel)}</text>')
    out.append(f'<text x="14" y="{top + ph / 2}" font-size="12" text-anchor="middle" fill="#222" '
               f'transform="rotate(-90 14 {top + ph / 2})">{_e(ylabel)}</text>')
    for i, (name, s) in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        s = [p for p in s if all(math.isfinite(v) for v in p)]
        if len(s) > 1:
            d = "M" + "L".join(f"{_f(X(a))} {_f(Y(b))}" for a, b in s)
            out.append(f'<path data-role="series" d="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
        for a, b in s:
            out.append(f'<circle data-role="point" cx="{_f(X(a))}" cy="{_f(Y(b))}" r="4" fill="{color}">'
                       f'<title>{_e(name)}: {_tick(a)}, {_tick(b)}</title></circle>')
        if name and len(series) > 1:
            out.append(f'<text x="{left + 10}" y="{top + 16 + 15 * i}" font-size="11" fill="{color}">'
                       f'{_e(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def _tick(v: float) -> str:
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:,.4g}M"
    if a >= 1e4:
        return f"{v:,.0f}"
    return f"{v:,.4g}"
