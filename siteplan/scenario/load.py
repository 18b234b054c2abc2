"""Load a scenario: YAML (safely, with `extends:`), dotted overrides, schema, tables, preset.

Every problem becomes an `InputError` naming the file, the key path or row, and the fix.
Scenario files are untrusted: no aliases (no YAML bombs), bounded sizes and row counts,
no code execution. Data paths are resolved relative to the file that names them, so a
scenario that `extends:` another in a different folder still finds the parent's tables.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from siteplan.errors import InputError, SiteplanWarning
from siteplan.fileio import read_text_bounded
from siteplan.scenario.presets import ResolvedStandards, load_preset, resolve_standards
from siteplan.scenario.schema import ScenarioSpec
from siteplan.scenario.tables import Tables, read_tables

MAX_YAML_BYTES = 1 << 20  # 1 MiB of YAML is far more than any scenario needs
MAX_EXTENDS_DEPTH = 10


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases: anchors can multiply a small file into gigabytes."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) are not allowed in scenario files", event.start_mark)
        return super().compose_node(parent, index)


def read_yaml(path: Path) -> dict:
    """Parse one YAML mapping safely, with clear errors for unreadable or malformed files."""
    text = read_text_bounded(path, MAX_YAML_BYTES, "scenario file",
                             fix="check the path (relative paths are relative to the current folder)")
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"invalid YAML{at}: {problem}", where=str(path),
                         fix="fix the YAML syntax (indentation, colons, quotes)")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError("a scenario file must be a mapping of keys (name:, data:, ...)",
                         where=str(path))
    return data


def deep_merge(base: dict, override: dict) -> dict:
    """Mappings merge key by key; anything else (lists included) is replaced."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _absolutise_data(raw: dict, folder: Path) -> None:
    """Turn relative table paths into absolute ones, relative to the file naming them."""
    data = raw.get("data")
    if isinstance(data, dict):
        for key, value in list(data.items()):
            if isinstance(value, str) and value and not Path(value).is_absolute():
                data[key] = str((folder / value).resolve())


def load_raw(path: Path, _chain: tuple[Path, ...] = (), read: list[Path] | None = None) -> dict:
    """The merged mapping of `path` and every file it `extends:`, with absolute data paths.

    `read` collects every file opened, so commands can refuse to write over any of them."""
    path = path.resolve()
    if path in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, path))
        raise InputError(f"extends: forms a cycle ({cycle})", where=str(path),
                         fix="remove one of the extends: lines")
    if len(_chain) >= MAX_EXTENDS_DEPTH:
        raise InputError(f"extends: chain deeper than {MAX_EXTENDS_DEPTH} files", where=str(path))
    if read is not None:
        read.append(path)
    raw = read_yaml(path)
    _absolutise_data(raw, path.parent)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise InputError("extends: must be one file name", where=f"{path}: extends",
                         fix="write extends: base.yaml")
    parent_path = (path.parent / parent)
    if not parent_path.exists():
        raise InputError(f"extends: file {parent!r} not found", where=f"{path}: extends",
                         fix=f"check the name; it is looked up in {path.parent}")
    return deep_merge(load_raw(parent_path, (*_chain, path), read), raw)


def parse_value(text: str) -> Any:
    """A command-line override value: YAML scalar syntax (numbers, true/false, null, lists)."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError:
        return text


#: keys of which a scenario may give only one: overriding one drops the other
_EITHER: dict[tuple[str, ...], str] = {("reach", "walk_m"): "minutes", ("reach", "minutes"): "walk_m"}


def _year_key(part: str) -> int | None:
    return int(part) if part.isdigit() and len(part) == 4 else None


def _number(v) -> bool:
    """A YAML number, or a string YAML 1.1 left unread (`4.0e6`) that the schema reads as one."""
    if isinstance(v, bool):
        return False
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return isinstance(v, (int, float, str))


def _raw_years(raw: dict) -> list[int]:
    """The years a raw scenario declares (`years:` or `timeline: {start, end}`), else []."""
    years, tl = raw.get("years"), raw.get("timeline")
    if isinstance(years, list) and all(isinstance(y, int) for y in years):
        return list(years)
    if isinstance(tl, dict) and isinstance(tl.get("start"), int) and isinstance(tl.get("end"), int) \
            and 0 <= tl["end"] - tl["start"] <= 100:
        return list(range(tl["start"], tl["end"] + 1))
    return []


def apply_overrides(raw: dict, overrides: dict[str, Any] | None, where: str) -> dict:
    """Set dotted keys (`budget.capex`) in the raw mapping, creating mappings as needed.

    `--set reach.walk_m=800` on a scenario with `reach: {minutes: ...}` means "use 800 m
    instead", so the key it excludes (`_EITHER`) is dropped rather than reported as a clash."""
    out = copy.deepcopy(raw)
    for dotted, value in (overrides or {}).items():
        node = out
        parts = dotted.split(".")
        for part, below in itertools.pairwise(parts):
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            if _number(nxt) and _year_key(below) is not None and _raw_years(out):  # budget.capex.2023 on `capex: 5e7`: the number every year, one set
                nxt = node[part] = {y: nxt for y in _raw_years(out)}
            if not isinstance(nxt, dict):
                raise InputError(f"cannot set {dotted!r}: {part!r} is not a mapping", where=where)
            node = nxt
        last = parts[-1]
        year = _year_key(last)
        node[year if year is not None and year in node else last] = value  # YAML reads 2023: as a number
        if value is not None and tuple(parts) in _EITHER:
            node.pop(_EITHER[tuple(parts)], None)
    return out


def _key_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if not (isinstance(p, str) and p in _UNION_TAGS))


_UNION_TAGS = {"float", "int", "str", "dict[Literal['urban','rural'],float]", "function-after"}


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names valid at `loc` (for a did-you-mean on unknown keys)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or not hasattr(current, "model_fields"):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        ann = field.annotation
        candidates = [ann, *getattr(ann, "__args__", ())]
        current = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)),
                       None)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def validation_error(exc: ValidationError, where: str) -> InputError:
    """Turn pydantic's report into one clear line: file, key path, problem, fix."""
    errors = exc.errors()
    # prefer the most specific error (longest location) of the first key that failed
    first = errors[0]
    key = _key_path(first["loc"])
    if first["type"] == "extra_forbidden":
        name = str(first["loc"][-1])
        near = difflib.get_close_matches(name, _known_keys(ScenarioSpec, first["loc"]), n=1)
        fix = f"did you mean {near[0]!r}?" if near else "remove it (see the README for valid keys)"
        msg = f"unknown key {key!r}"
    elif first["type"] == "missing":
        msg, fix = f"missing required key {key!r}", f"add {key}: to the scenario"
    else:
        got = first.get("input")
        got_s = "" if isinstance(got, (dict, list)) else f" (got {got!r})"
        msg = f"key {key!r}: {first['msg']}{got_s}"
        fix = "correct the value"
    more = len({_key_path(e["loc"]) for e in errors}) - 1
    if more > 0:
        msg += f" (and {more} more problem{'s' if more > 1 else ''})"
    return InputError(msg, where=where, fix=fix)


def warn_about_standards(standards: ResolvedStandards, where: str) -> None:
    """Warn (not fail) about values a scenario may set but that make odd plans. `where` names
    the scenario, not its file: a run that re-reads its own output folder warns once."""
    zero = [k for k, v in standards.min_area.items() if v <= 0]
    if zero:
        warnings.warn(
            f"{where}: standards.min_facility_area_m2 is 0 for {', '.join(zero)} sites, so a plan may open "
            "a facility with no floor area (under area_scope: street, or when nothing else sizes it); "
            "give a positive minimum, or leave it out to use the preset's", SiteplanWarning, stacklevel=2)


@dataclass
class Scenario:
    """A validated scenario: spec, resolved standards, tables and where they came from."""

    path: Path | None
    spec: ScenarioSpec
    standards: ResolvedStandards
    tables: Tables
    raw: dict
    yaml_files: tuple[Path, ...] = ()
    #: the years of a timeline scenario, each as a plain Scenario (siteplan.timeline.load)
    timeline: Any = None
    #: facility types besides service (siteplan.scenario.facility_types.TypeSettings), or None
    types: Any = None
    #: committee kinds (urban, rural) every type, service included, must serve even where the
    #: objective or a timeline year lets committees wait: explain's single-year view of a
    #: timeline year whose coverage milestone is full for those kinds (analysis.explain_timeline)
    due: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    def files_read(self) -> list[Path]:
        """Every file this scenario came from: its YAML chain and its tables."""
        tables = [Path(p) for p in self.spec.data.model_dump().values() if isinstance(p, str) and p]
        return [*self.yaml_files, *tables]

    def content_hash(self) -> str:
        """Hash of the resolved scenario and its tables' contents: same inputs, same hash."""
        h = hashlib.sha256()
        spec = self.spec.model_dump(mode="json")
        for key in ("facility_types", "co_location"):  # added keys: unset ones keep older hashes
            if spec.get(key) is None:
                spec.pop(key, None)
        for key in ("layers", "columns"):  # how to read the tables: unset ones keep older hashes
            if not spec["data"].get(key):
                spec["data"].pop(key, None)
        spec["data"] = {k: (Path(v).name if isinstance(v, str) and v else v) for k, v in spec["data"].items()}
        h.update(json.dumps(spec, sort_keys=True, default=str).encode())
        h.update(self.tables.fingerprint.encode())
        if self.timeline is not None:
            h.update(json.dumps(self.timeline.raw, sort_keys=True, default=str).encode())
        return h.hexdigest()[:16]


def load_scenario(path: str | os.PathLike[str], overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge, override, validate and read tables; raise `InputError` on any problem."""
    path = Path(path)
    if path.is_dir():
        candidates = sorted(path.glob("*.yaml"))
        if len(candidates) != 1:
            raise InputError("is a folder", where=str(path), fix="name the scenario YAML file")
        path = candidates[0]
    yaml_files: list[Path] = []
    given = apply_overrides(load_raw(path, read=yaml_files), overrides, str(path))
    return scenario_from_raw(given, path, yaml_files=tuple(yaml_files))


def scenario_from_raw(given: dict, path: Path | None, tables: Tables | None = None,
                      yaml_files: tuple[Path, ...] = ()) -> Scenario:
    """Validate a merged raw scenario into a Scenario with its facility types and timeline;
    `tables` already read are reused (a nudged copy of a loaded scenario), else read."""
    from siteplan.timeline.load import read_timeline, split_timeline, with_year_scenarios

    where = str(path) if path is not None else str(given.get("name") or "scenario")
    raw, tl_raw = split_timeline(given, where)  # the timeline keys are checked apart
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(exc, where) from None
    preset = load_preset(spec.preset)
    try:
        standards = resolve_standards(preset, spec.standards)
    except (ValidationError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"standards: {exc}", where=where, fix="check the standards block")
    if tables is None:
        tables = read_tables(spec, standards, where=where)
        warn_about_standards(standards, f"scenario {spec.name!r}")
    from siteplan.scenario.facility_types import resolve_types

    types = resolve_types(spec, preset, standards, tables.sites, where)
    scn = Scenario(path=None if path is None else path.resolve(), spec=spec, standards=standards, tables=tables,
                   raw=given, yaml_files=yaml_files, types=types)
    if tl_raw is not None:
        tl = read_timeline(tl_raw, raw, where, str(spec.objective))
        scn.timeline = with_year_scenarios(scn, tl, raw, preset, where)
    return scn
