"""A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (no websocket).

Starts headless Chromium with fd 3 (commands) and fd 4 (replies and events) as pipes;
messages are JSON separated by NUL bytes. Enough for the HTML report test: open a page,
record console messages, exceptions, log entries and network requests, run JavaScript,
take a screenshot.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


class CdpError(Exception):
    """The browser answered a command with an error, or did not answer in time."""


class Browser:
    """One headless browser with one page (a flattened CDP session)."""

    def __init__(self, proc: subprocess.Popen[bytes], commands: int, replies: int) -> None:
        self._proc = proc
        self._commands = commands
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session = ""
        threading.Thread(target=self._read, args=(replies,), daemon=True).start()

    def _read(self, fd: int) -> None:
        buffer = b""
        with os.fdopen(fd, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                buffer += chunk
                while b"\0" in buffer:
                    message, buffer = buffer.split(b"\0", 1)
                    self._replies.put(json.loads(message))

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> Any:
        """Send one command (to the page session once attached) and return its result."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._replies.get(timeout=max(deadline - time.monotonic(), 0.01))
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CdpError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        """The next event called ``method`` (earlier events are kept in :attr:`events`)."""
        for event in self.events:
            if event["method"] == method:
                self.events.remove(event)
                return event
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = self._replies.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise CdpError(f"no {method} within {timeout} s") from None
            if reply.get("method") == method:
                return reply
            if "method" in reply:
                self.events.append(reply)

    def open(self, url: str) -> None:
        """Open ``url`` in a new page, with console, log and network recording on."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (an exception is an error)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise CdpError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        """A PNG of the whole page."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 4000)}
        data = self.send(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": {**clip, "scale": 1}},
        )["data"]
        path.write_bytes(base64.b64decode(data))

    def problems(self) -> list[str]:
        """Console errors/warnings, uncaught exceptions and error log entries so far."""
        self.send("Runtime.evaluate", {"expression": "1"})  # drain queued events
        found = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning"):
                found.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log: {params['entry'].get('text')}")
        return found

    def requests(self) -> list[str]:
        """The URL of every request the page started (including ones then blocked)."""
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e["method"] == "Network.requestWillBeSent"
        ]

    def blocked(self) -> dict[str, str]:
        """URL → reason of every request the browser blocked before it left (``csp``, ...)."""
        urls = {
            e["params"]["requestId"]: e["params"]["request"]["url"]
            for e in self.events
            if e["method"] == "Network.requestWillBeSent"
        }
        return {
            urls.get(e["params"]["requestId"], "?"): e["params"]["blockedReason"]
            for e in self.events
            if e["method"] == "Network.loadingFailed" and e["params"].get("blockedReason")
        }


def _above_4(fd: int) -> int:
    """``fd`` moved to a descriptor number of at least 10."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


@contextmanager
def headless_browser(executable: str, profile: Path) -> Iterator[Browser]:
    """Start headless Chromium with a fresh profile in ``profile``; stop it afterwards."""
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()
    # The shell maps them to fds 3 and 4; they must not be 3 or 4 already.
    to_browser_r, from_browser_w = (_above_4(to_browser_r), _above_4(from_browser_w))
    args = [
        executable,
        "--headless",
        "--remote-debugging-pipe",
        "--no-sandbox",  # tests may run as root in containers
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
        "about:blank",
    ]
    script = f'exec "$@" 3<&{to_browser_r} 4>&{from_browser_w}'
    proc = subprocess.Popen(
        [shutil.which("bash") or "bash", "-c", script, "bash", *args],  # dash: fds 0-9 only
        pass_fds=(to_browser_r, from_browser_w),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(to_browser_r)
    os.close(from_browser_w)
    browser = Browser(proc, to_browser_w, from_browser_r)
    try:
        yield browser
    finally:
        with suppress(CdpError, queue.Empty, OSError):
            browser.send("Browser.close", timeout=5)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        os.close(to_browser_w)
