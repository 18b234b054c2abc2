"""Helpers of the bad-input tests: write or edit an input, run the CLI, and expect one clean
error line with the right exit code (never a traceback or an internal error)."""

from __future__ import annotations


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def expect(run_cli, args, code, *needles):
    got, out, err = run_cli(*args)
    assert got == code, (got, out, err)
    assert "Traceback" not in out + err and "internal error" not in err
    for needle in needles:
        assert needle in err, (needle, err)
    return err
