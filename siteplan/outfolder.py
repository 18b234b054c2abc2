"""Output folders and files that never destroy inputs and never mix two runs.

Every command that writes a folder (`solve`, `explain`, `runs export`, `generate`, `sweep`, `batch`)
stages the whole new set of files in a hidden sibling folder and swaps it in only when the
run produced something to keep, so a folder always holds exactly one run's files, and an
interrupted or failed run leaves the previous folder as it was. Before any work starts:

- a destination that is, holds or sits inside a file the command reads (scenario, `extends:`
  parents, tables, profiles, the run store) is refused, even with `--force`;
- a non-empty folder siteplan did not write (no marker file) is refused unless `--force`;
  with `--force` its foreign files stay and only the new run's files (and stale files of
  siteplan's own names) are replaced.

Single output files (`report --out`, `compare --csv/--md`) follow the same two rules.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from siteplan import __version__
from siteplan.errors import InputError, UsageError

MARKER = ".siteplan-run.json"

#: names siteplan writes into a run folder; with --force these are cleared from a foreign folder
OWNED_NAMES = frozenset({
    MARKER, "plan.json", "facilities.csv", "committees.csv", "compliance.csv", "totals.csv",
    "scenario.resolved.yaml", "inputs", "diagnostic_plan.json", "diagnosis.txt", "binding.json",
    "report.html", "frontier.csv", "frontier.md", "frontier.png", "frontier.svg", "standards.csv",
    "sweep.json", "scenario.yaml", "plan.gpkg", "plan.facilities.geojson", "plan.committees.geojson",
    "plan.assignments.geojson", "plan.walksheds.geojson", "rollup.csv", "rollup.json", "failures.csv",
})


def _resolved(p: str | Path) -> Path:
    return Path(os.path.abspath(os.path.expanduser(str(p))))


def _reads_inside(dest: Path, reads: Iterable[str | Path | None]) -> Path | None:
    """The first file read that is `dest` itself or lies below it."""
    for r in reads:
        if r is None:
            continue
        rp = _resolved(r)
        try:
            rp = rp.resolve()
        except OSError:
            pass
        if rp == dest or dest in rp.parents:
            return rp
    return None


def mark_folder(folder: Path) -> None:
    """Say that siteplan wrote `folder`, so a later run may replace it without --force."""
    (folder / MARKER).write_text(json.dumps({"written_by": "siteplan", "version": __version__}) + "\n",
                                 encoding="utf-8")


def is_siteplan_folder(folder: Path) -> bool:
    """Written by siteplan: the marker, or (older versions) a plan.json naming siteplan."""
    if (folder / MARKER).is_file():
        return True
    pj = folder / "plan.json"
    if pj.is_file() and pj.stat().st_size < 64 << 20:
        try:
            return "siteplan_version" in json.loads(pj.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError, OSError):
            return False
    return False


def is_foreign(folder: Path) -> bool:
    """A non-empty folder that siteplan did not write."""
    return folder.is_dir() and any(folder.iterdir()) and not is_siteplan_folder(folder)


def check_creatable(path: Path, what: str) -> None:
    """`path` is, or can become, a folder we may write in (no file in the way, writable).
    A path that cannot work is an input error (exit 3); one that would destroy something is
    refused as a usage error (exit 2) by the callers."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{what} {path} is a file, not a folder", fix="give a folder path (it is created if missing)")
    parent = path
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise InputError(f"cannot create {what} {path}: {parent} is a file", fix="give a path whose parents are folders")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot create {what} {path}: {parent} is not writable", fix="give a folder you can write to")


def check_output_folder(dest: str | Path, reads: Iterable[str | Path | None] = (), *,
                        force: bool = False, option: str = "--out") -> Path:
    """Refuse a destination folder that would destroy an input or another tool's files."""
    dest_p = _resolved(dest)
    try:
        dest_p = dest_p.resolve()
    except OSError:
        pass
    check_creatable(dest_p, option)
    hit = _reads_inside(dest_p, reads)
    if hit is not None:
        raise UsageError(f"{option} {dest} would overwrite {hit}, which this command reads",
                         fix="write the outputs to another folder, e.g. out/<name>")
    if is_foreign(dest_p) and not force:
        raise UsageError(f"{option} {dest} is a non-empty folder that siteplan did not write",
                         fix="give a new or empty folder, or add --force to write into it anyway "
                             "(its other files are kept)")
    return dest_p


class StagedFolder:
    """A hidden sibling folder that becomes `dest` on `commit()`, or vanishes."""

    def __init__(self, dest: Path, foreign: bool):
        self.dest, self.foreign = dest, foreign
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{dest.name}.staging-", dir=dest.parent))
        self.committed = False

    def commit(self) -> Path:
        """Swap the staged files in: the folder now holds this run's files only."""
        mark_folder(self.path)
        if self.foreign:
            self._merge_into_foreign()
        else:
            old = None
            if self.dest.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}.old-", dir=self.dest.parent))
                os.rmdir(old)
                os.rename(self.dest, old)
            os.rename(self.path, self.dest)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        self.committed = True
        return self.dest

    def _merge_into_foreign(self) -> None:
        """--force into a folder siteplan did not write: keep its other files."""
        new = {p.name for p in self.path.iterdir()}
        for name in OWNED_NAMES - new:
            _remove(self.dest / name)
        for name in sorted(new):
            target = self.dest / name
            if (self.path / name).is_dir():
                _remove(target)
            os.replace(self.path / name, target)
        shutil.rmtree(self.path, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p)
    elif p.exists() or p.is_symlink():
        p.unlink()


@contextmanager
def staged_folder(dest: str | Path, reads: Iterable[str | Path | None] = (), *,
                  force: bool = False, option: str = "--out") -> Iterator[StagedFolder]:
    """Check `dest` (see `check_output_folder`), stage into a sibling, discard unless committed.

    The body writes into `stage.path` and calls `stage.commit()` when the run has a result
    to keep (a plan, a diagnosis); an exception or Ctrl-C before that leaves `dest` as it was.
    """
    dest_p = check_output_folder(dest, reads, force=force, option=option)
    foreign = is_foreign(dest_p)
    try:
        stage = StagedFolder(dest_p, foreign)
    except OSError as exc:
        raise UsageError(f"cannot create {option} folder {dest}: {exc.strerror}",
                         fix="give a folder you can write to") from None
    try:
        yield stage
    finally:
        if not stage.committed:
            stage.discard()


HTML_SIGNATURE = "<meta name='generator' content='siteplan'>"


def check_output_file(path: str | Path, reads: Iterable[str | Path | None] = (), *,
                      force: bool = False, option: str = "--out", signature: str | None = None) -> Path:
    """Refuse an output file that is an input, a folder, or an existing file siteplan did not
    write (recognised by `signature` in its first 4 KiB) unless `force`."""
    p = _resolved(path)
    if p.is_dir():
        raise InputError(f"{option} {path} is a folder", fix=f"give a file path, e.g. {Path(path) / 'report.html'}")
    real = p.resolve() if p.exists() else p
    for r in reads:
        if r is not None and _resolved(r).resolve() == real:
            raise UsageError(f"{option} {path} is a file this command reads", fix="write to another file")
    if p.exists() and not force:
        ours = False
        if signature is not None and p.is_file():
            with open(p, "rb") as fh:
                ours = signature.encode() in fh.read(4096)
        if not ours:
            raise UsageError(f"{option} {path} exists and siteplan did not write it",
                             fix="give a new file name, or add --force to overwrite it")
    check_creatable(p.parent, f"the folder for {option}")
    return p
