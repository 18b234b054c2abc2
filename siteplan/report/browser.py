"""Headless Chromium over the DevTools pipe: open a report, watch it, take a screenshot.

Why the pipe (`--remote-debugging-pipe`) and not a websocket or selenium: it needs only the
standard library and no port, so tests and the README screenshots run on a closed machine
with nothing but Debian's `chromium` installed. Messages are NUL-separated JSON on the
child's file descriptors 3 (commands in) and 4 (events and replies out).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe"]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    """What happened while a page loaded."""

    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    evaluated: object = None
    screenshot: Path | None = None


class Chromium:
    """One headless browser process; use as a context manager."""

    def __init__(self, binary: str | None = None, timeout: float = 30.0):
        self.binary = binary or find_chromium()
        if not self.binary:
            raise FileNotFoundError("chromium not found (apt-get install -y chromium)")
        self.timeout = timeout
        self._id = 0
        self._buf = b""
        self.events: list[dict] = []

    def __enter__(self):
        self._profile = tempfile.TemporaryDirectory(prefix="siteplan-chromium-")
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()

        # bash moves the pipe ends to fds 3 and 4, where Chromium expects them (no preexec_fn,
        # which is unsafe with threads; dash cannot redirect file descriptors above 9)
        wire = f'exec "$0" "$@" 3<&{to_child_r} 4>&{from_child_w}'
        self.proc = subprocess.Popen(
            [shutil.which("bash") or "/bin/bash", "-c", wire, self.binary, *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(to_child_r, from_child_w))
        os.close(to_child_r)
        os.close(from_child_w)
        return self

    def __exit__(self, *exc):
        with contextlib.suppress(Exception):  # the browser may be gone already; closing anyway
            self.send("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._w, self._r):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._profile.cleanup()

    # -- protocol ------------------------------------------------------------------
    def _read_message(self, deadline: float) -> dict | None:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._r], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            m = self._read_message(deadline)
            if m is None:
                raise TimeoutError(f"no reply to {method}")
            if m.get("id") == self._id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method: str, timeout: float | None = None) -> dict | None:
        deadline = time.monotonic() + (timeout or self.timeout)
        for i, ev in enumerate(self.events):
            if ev.get("method") == method:
                return self.events.pop(i)
        while True:
            m = self._read_message(deadline)
            if m is None:
                return None
            if m.get("method") == method:
                return m
            self.events.append(m)

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            m = self._read_message(deadline)
            if m is None:
                return
            self.events.append(m)

    # -- one page ------------------------------------------------------------------
    def open(self, url: str, *, width: int = 1200, height: int = 900, expression: str | None = None,
             screenshot: Path | None = None, full_page: bool = True) -> PageReport:
        """Load `url` in a new tab, collect console errors and requests, evaluate, screenshot."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=sid)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=sid)
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session=sid)
        self.wait_event("Page.loadEventFired")
        self.drain(0.3)
        rep = PageReport()
        for m in self.events:
            p = m.get("params", {})
            meth = m.get("method")
            if meth == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                rep.console_errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                                   for a in p.get("args", [])))
            elif meth == "Runtime.exceptionThrown":
                rep.console_errors.append(str(p.get("exceptionDetails", {}).get("text")))
            elif meth == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                rep.console_errors.append(str(p["entry"].get("text")))
            elif meth == "Network.requestWillBeSent":
                rep.requests.append(p.get("request", {}).get("url", ""))
        if expression:
            res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=sid)
            rep.evaluated = res.get("result", {}).get("value")
        if screenshot is not None:
            params: dict[str, Any] = {"format": "png"}
            if full_page:
                m = self.send("Page.getLayoutMetrics", session=sid)
                size = m.get("cssContentSize") or m.get("contentSize")
                assert size is not None, "Chromium's layout metrics carry one of the two sizes"
                params.update(captureBeyondViewport=True,
                              clip={"x": 0, "y": 0, "width": width, "height": min(size["height"], 12000),
                                    "scale": 1})
            data = self.send("Page.captureScreenshot", params, session=sid)["data"]
            screenshot = Path(screenshot)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(data))
            rep.screenshot = screenshot
        self.send("Target.closeTarget", {"targetId": target})
        return rep
