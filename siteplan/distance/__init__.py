"""Distance kinds: how far a committee is from a site, one module per kind.

A kind is registered by name (the scenario's `distance: method`) and has two sides that are
written apart, so one catches the other:

- the model side (a `DistanceKind`): `pairs` returns the reachable (committee, site, metres)
  for the instance, never forming a committee x site matrix; `nearest` feeds the
  diagnostics; `planar` turns the tables' coordinates into metres on a plane for drawing;
  `columns`/`needs` tell the schema and the table reader what the kind requires.
- the checker side (`checker(tables)`): a small, separate recomputation of one pair's
  distance that `plan.evaluate` (and so `siteplan check`) uses. It must not call the model
  side: a bug in one shows up as a disagreement with the other.

Adding a kind (a street network, say) is one new module that defines both sides and calls
`register`, plus its import at the bottom of this file. Nothing else names kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from siteplan.scenario.tables import Tables

#: the independent checker of one kind: built once per evaluation from the tables, then
#: metres(committee id, site id) before the circuity factor (math.inf when unknown)
PairMetres = Callable[[str, str], float]


class DistanceKind:
    """The protocol every kind implements (subclass it and `register` an instance)."""

    #: the scenario's `distance: method` value
    name: str = ""
    #: coordinate columns the committees and sites tables carry for this kind
    columns: tuple[str, str] = ("x", "y")
    #: (low, high) bounds of each coordinate column, checked when the tables are read
    bounds: tuple[tuple[float, float], tuple[float, float]] = ((-1e8, 1e8), (-1e8, 1e8))
    #: False: the coordinate columns may be absent (then they are NaN and nothing is drawn)
    columns_required: bool = True
    #: extra `data:` tables this kind needs: key -> what the table holds (for the message)
    needs: ClassVar[dict[str, str]] = {}
    #: whether the report may draw the reach as a circle around each open site
    draws_circles: bool = True

    # ---------------------------------------------------------------- inputs
    def read_table(self, key: str, path: str, committees: pd.DataFrame,
                   sites: pd.DataFrame) -> tuple[pd.DataFrame, bytes]:
        """Read one of the `needs` tables (validated against the committees and sites)."""
        raise NotImplementedError(f"distance kind {self.name!r} reads no {key!r} table")

    def check_tables(self, tables: Tables, spec, where: str) -> None:
        """Validate the read tables against the scenario `spec` (InputError), warn about what
        is odd but allowed (SiteplanWarning); `where` names the scenario. Nothing by default."""

    def describe(self, tables: Tables) -> dict | None:
        """What plan.json records under the kind's name (e.g. the street network's size and
        islands), or None for nothing."""
        return None

    # ---------------------------------------------------------------- model side
    def pairs(self, tables: Tables, reach: np.ndarray,
              circuity: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(committee index, site index, metres) of every pair with distance * circuity <=
        reach[committee], sorted by committee, then by distance."""
        raise NotImplementedError

    def between(self, tables: Tables, committees: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """Metres (before circuity) from committee committees[k] to site sites[k], element-wise,
        inf where the kind knows no distance."""
        raise NotImplementedError

    def nearest(self, tables: Tables, committees: np.ndarray, sites: np.ndarray,
                circuity: float) -> tuple[np.ndarray, np.ndarray]:
        """For each committee index: the position in `sites` of its nearest site and the
        metres to it (position -1 and inf when it has none)."""
        raise NotImplementedError

    def planar(self, xy: np.ndarray) -> np.ndarray:
        """The tables' coordinates as metres on a local plane (for drawing)."""
        return np.asarray(xy, dtype=float)

    # ---------------------------------------------------------------- checker side
    def checker(self, tables: Tables) -> PairMetres:
        """The independent recomputation of one pair's distance (see the module docstring)."""
        raise NotImplementedError


_KINDS: dict[str, DistanceKind] = {}


def register(kind: DistanceKind) -> DistanceKind:
    """Make `kind` available under `kind.name` (schema, tables, instance, checker, report)."""
    if not kind.name:
        raise ValueError("a distance kind needs a name")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    _KINDS.pop(name, None)


def names() -> tuple[str, ...]:
    return tuple(_KINDS)


def get(name: str) -> DistanceKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise KeyError(f"unknown distance method {name!r}; use one of: {', '.join(_KINDS)}") from None


def sort_pairs(ci: np.ndarray, si: np.ndarray, d: np.ndarray, reach: np.ndarray):
    """Keep pairs within reach (a hair of tolerance), sorted by committee then distance."""
    keep = d <= reach[ci] + 1e-9
    ci, si, d = ci[keep], si[keep], d[keep]
    order = np.lexsort((d, ci))
    return ci[order], si[order], d[order]


def coordinates(tables: Tables, which: str) -> np.ndarray:
    """The committees' or sites' coordinate columns as an n x 2 float array."""
    df = tables.committees if which == "committees" else tables.sites
    return df[list(tables.coords)].to_numpy(float)


# the built-in kinds register themselves on import
from siteplan.distance import euclidean, haversine, matrix, network  # noqa: F401
