"""The run bundle carries each input in its own format: solve -> output folder -> `siteplan
check`, and store -> `runs export` -> check, with a table in a format registered by the test
(a tab-separated reader) and with the matrix kind's distances table. Stores written before
(inputs/<key>.csv) still export, and a crafted store cannot name any other file."""

from __future__ import annotations

import types

import pandas as pd
import pytest
import yaml

from siteplan import io as tableio
from siteplan.errors import InputError
from siteplan.fileio import read_bounded
from siteplan.runs.runrecord import write_bundle


def _read_tsv(path, what, limit, fix="check the path"):
    import io

    blob = read_bounded(path, limit, what, fix=fix)
    df = pd.read_csv(io.BytesIO(blob), sep="\t", dtype=str, keep_default_na=False)
    return tableio.RawTable(frame=df, lines=list(range(2, len(df) + 2)), blob=blob)


@pytest.fixture
def tsv():
    fmt = tableio.register(types.SimpleNamespace(NAME="tsv-test", SUFFIXES=(".tsv",), read=_read_tsv))
    yield fmt
    tableio.unregister(fmt.NAME)


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _solve_export_check(run_cli, scenario, tmp_path, *sets):
    store, out, exp = tmp_path / "runs.sqlite", tmp_path / "out", tmp_path / "exported"
    code, _, err = run_cli("solve", scenario, "--out", out, "--store", store, "--quiet", *sets)
    assert code == 0, err
    code, _, err = run_cli("check", out)
    assert code == 0, err
    code, _, err = run_cli("runs", "export", "1", "--out", exp, "--store", store)
    assert code == 0, err
    assert _files(out) == _files(exp)
    for name in _files(out):
        if name.startswith("inputs/") or name.endswith(".yaml"):
            assert (out / name).read_bytes() == (exp / name).read_bytes(), name
    code, _, err = run_cli("check", exp)
    assert code == 0, err
    return out


def test_a_table_in_another_format_keeps_it_through_solve_export_and_check(tiny_dir, tmp_path, run_cli, tsv):
    df = pd.read_csv(tiny_dir / "committees.csv", dtype=str)
    df.to_csv(tiny_dir / "committees.tsv", sep="\t", index=False)
    (tiny_dir / "committees.csv").unlink()
    doc = yaml.safe_load((tiny_dir / "tiny.yaml").read_text(encoding="utf-8"))
    doc["data"]["committees"] = "committees.tsv"
    (tiny_dir / "tiny.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")

    out = _solve_export_check(run_cli, tiny_dir / "tiny.yaml", tmp_path)
    assert "inputs/committees.tsv" in _files(out) and "inputs/committees.csv" not in _files(out)
    assert (out / "inputs" / "committees.tsv").read_bytes() == (tiny_dir / "committees.tsv").read_bytes()
    resolved = yaml.safe_load((out / "scenario.resolved.yaml").read_text(encoding="utf-8"))
    assert resolved["data"] == {"committees": "inputs/committees.tsv", "sites": "inputs/sites.csv"}


def test_the_matrix_distances_table_travels_too(tiny_dir, tmp_path, run_cli):
    rows = [("A", "S1", 400), ("B", "S1", 400), ("A", "S2", 300), ("B", "S2", 854.4), ("C", "S3", 200)]
    pd.DataFrame(rows, columns=["committee", "site", "metres"]).to_csv(tiny_dir / "d.csv", index=False)
    out = _solve_export_check(run_cli, tiny_dir / "tiny.yaml", tmp_path, "--set", "distance=matrix",
                              "--set", f"data.distances={tiny_dir / 'd.csv'}")
    assert {"inputs/committees.csv", "inputs/sites.csv", "inputs/distances.csv"} <= set(_files(out))


def test_a_store_written_before_formats_still_exports(tmp_path):
    """Old records say inputs/<key>.csv (or nothing) for every table: written as before."""
    raw = {"name": "s", "data": {"committees": "inputs/committees.csv", "sites": "inputs/sites.csv"}}
    write_bundle(raw, {"committees": b"c", "sites": b"s", "distances": b"d"}, tmp_path, "s.yaml")
    assert _files(tmp_path) == ["inputs/committees.csv", "inputs/distances.csv", "inputs/sites.csv", "s.yaml"]


@pytest.mark.parametrize("path", ["../committees.csv", "inputs/../../x.csv", "inputs/sites.csv",
                                  "inputs/committees.exe", "/tmp/committees.csv", "inputs/sub/committees.csv"])
def test_a_crafted_store_cannot_name_another_file(tmp_path, path):
    with pytest.raises(InputError):
        write_bundle({"name": "s", "data": {"committees": path}}, {"committees": b"x"}, tmp_path, "s.yaml")
    assert not any(p.is_file() for p in tmp_path.parent.rglob("*") if p.name in ("x.csv", "committees.exe"))
