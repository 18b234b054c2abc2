"""The command lines of this machine's processes, for tests that check nothing was left running."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


def process_cmdlines(session: int | None = None) -> Iterator[str]:
    """Each live process's command line (arguments joined by spaces); only those of `session`
    when given. Processes that end while being read are skipped."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if session is not None and os.getsid(int(cmdline.parent.name)) != session:
                continue
            yield cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, ProcessLookupError):
            continue
