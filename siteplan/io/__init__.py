"""Input tables: the one home for reading them, one module per file format.

`read_table(path, ...)` picks the format by the file's extension (CSV when none matches, as
siteplan always read any table as CSV) and returns a `RawTable`: every cell as text, the
line (or record) each row came from, and the file's bytes. Validation of what the cells
mean stays with the caller (`siteplan.scenario.tables`); every read is bounded
(`siteplan.fileio.read_bounded`), so a huge file or a FIFO cannot exhaust memory or hang.

The run bundle copies each input in its own format: `bundle_name(key, path)` is the file
name it gets in an output folder's `inputs/` (`committees.csv`; a GIS layer would keep its
own extension), and `is_bundle_name` is what a bundle may contain.

GIS layers (GeoPackage, GeoJSON, Shapefile) are `siteplan.io.gis`. Adding a format is one module with `NAME`, `SUFFIXES`
(lower case, with the dot; the first is the one bundles use) and
`read(path, what, limit, fix) -> RawTable`, plus its name in `BUILT_IN` (or a `register`
call). A format made of several files (a shapefile's .shp/.dbf/.prj) would need the bundle to
carry a folder per table; today a table is one file, so such suffixes are listed in the
module's `NOT_BUNDLED`: read in place, refused by `bundle_name` with the fix to convert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # an annotation only: the readers import pandas when they read
    import pandas as pd


@dataclass
class RawTable:
    """A table as read, before validation: text cells, source lines, the file's bytes."""

    frame: pd.DataFrame  # str cells; column names stripped
    lines: list[int]  # the physical line (or feature number) each row starts on
    blob: bytes  # the file's bytes: fingerprinted, and copied into run bundles


#: the format modules shipped in this package, imported when first needed
BUILT_IN = ("csv", "pbf", "gis")
_FORMATS: dict[str, ModuleType] = {}


def register(fmt: ModuleType) -> ModuleType:
    """Make a format (a module or object with NAME, SUFFIXES and read) available."""
    _formats()[fmt.NAME] = fmt
    return fmt


def unregister(name: str) -> None:
    _formats().pop(name, None)


def _formats() -> dict[str, ModuleType]:
    if not _FORMATS:
        import importlib

        for name in BUILT_IN:
            mod = importlib.import_module(f"siteplan.io.{name}")
            _FORMATS[mod.NAME] = mod
    return _FORMATS


#: used when no format claims a file's extension (siteplan has always read any table as CSV)
DEFAULT = "csv"


def format_for(path: str | Path) -> ModuleType:
    """The format module that reads `path`, by its extension."""
    suffix = Path(path).suffix.lower()
    formats = _formats()
    for mod in formats.values():
        if suffix in mod.SUFFIXES:
            return mod
    return formats[DEFAULT]


def read_table(path: str | Path, what: str, limit: int, fix: str = "check the path",
               layer: str | None = None) -> RawTable:
    """Read one input table in its format; see the module docstring. `layer`: which layer of a
    multi-layer GIS file (`data.layers`); other formats have none."""
    mod = format_for(path)
    if layer is None:
        return mod.read(str(path), what, limit, fix)
    if not getattr(mod, "HAS_LAYERS", False):
        from siteplan.errors import InputError

        raise InputError(f"{what} is not a GIS file with layers, so data.layers cannot name one",
                         where=str(path), fix="drop its data.layers entry, or give a GeoPackage")
    return mod.read(str(path), what, limit, fix, layer=layer)


def bundle_name(key: str, path: str | Path) -> str:
    """The file name table `key` read from `path` gets in a bundle's `inputs/` folder."""
    suffix = Path(path).suffix.lower()
    mod = format_for(path)
    if suffix in getattr(mod, "NOT_BUNDLED", ()):
        from siteplan.errors import InputError

        raise InputError(f"the {key} table {Path(path).name} is made of several files and a run keeps "
                         "one file per table", where=str(path),
                         fix="convert it to a GeoPackage (QGIS: Export > Save Features As > GPKG)")
    return f"{key}{suffix if suffix in mod.SUFFIXES else mod.SUFFIXES[0]}"


def is_bundle_name(key: str, name: str) -> bool:
    """Whether `name` is a file name `bundle_name(key, ...)` can produce (a store is input:
    nothing else may be written from it)."""
    suffixes = {s for mod in _formats().values() for s in mod.SUFFIXES
                if s not in getattr(mod, "NOT_BUNDLED", ())}
    m = re.fullmatch(re.escape(key) + r"(\.[a-z0-9]+)", name)
    return m is not None and m.group(1) in suffixes
