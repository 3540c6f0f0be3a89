"""A page opened in headless Chromium through the DevTools protocol (over a websocket), for
the browser tests of the report: what the page logged (console messages, exceptions, log
entries), every network request it made, a screenshot and a PDF print.

Chromium is Debian's ``chromium`` (``/usr/bin/chromium``); CI installs it. It starts with a
profile of its own in a temporary folder and with every host name resolving nowhere, so a
page that tried to load anything from the network would show the request and fail."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import websocket

__all__ = ["Page", "chromium_binary", "open_page"]

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
_START_TIMEOUT = 30.0
_CALL_TIMEOUT = 60.0


def chromium_binary() -> str | None:
    """The path of a Chromium binary, or None when none is installed."""
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class Page:
    """One tab driven over the DevTools protocol: ``call`` a method, and the events seen so
    far in ``events`` (method, params)."""

    def __init__(self, socket: websocket.WebSocket) -> None:
        self._socket = socket
        self._next_id = 0
        self.events: list[tuple[str, dict[str, Any]]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        wanted = self._next_id
        self._socket.send(json.dumps({"id": wanted, "method": method, "params": params}))
        deadline = time.monotonic() + _CALL_TIMEOUT
        while time.monotonic() < deadline:
            message = json.loads(self._socket.recv())
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            if "method" in message:
                self.events.append((message["method"], message.get("params", {})))
        raise TimeoutError(f"{method}: no answer within {_CALL_TIMEOUT} s")

    def wait_for(self, event: str, timeout: float = _CALL_TIMEOUT) -> dict[str, Any]:
        """The first ``event`` seen (earlier or from now on)."""
        for method, params in self.events:
            if method == event:
                return params
        deadline = time.monotonic() + timeout
        self._socket.settimeout(timeout)
        while time.monotonic() < deadline:
            message = json.loads(self._socket.recv())
            if "method" in message:
                self.events.append((message["method"], message.get("params", {})))
                if message["method"] == event:
                    return dict(message.get("params", {}))
        raise TimeoutError(f"no {event} within {timeout} s")

    def settle(self, seconds: float = 0.5) -> None:
        """Collect the events of the next ``seconds`` (late console messages, requests)."""
        self._socket.settimeout(0.1)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                message = json.loads(self._socket.recv())
            except websocket.WebSocketTimeoutException:
                continue
            if "method" in message:
                self.events.append((message["method"], message.get("params", {})))
        self._socket.settimeout(_CALL_TIMEOUT)

    # -- what the page did ---------------------------------------------------------------

    def console_problems(self) -> list[str]:
        """Console messages of level warning or error, uncaught exceptions and browser log
        entries of level warning or error, as text."""
        problems = []
        for method, params in self.events:
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("warning", "error", "assert"):
                values = [str(a.get("value", a.get("description", ""))) for a in params.get("args", [])]
                problems.append(f"console.{params['type']}: {' '.join(values)}")
            elif method == "Runtime.exceptionThrown":
                problems.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("warning", "error"):
                entry = params["entry"]
                problems.append(f"log {entry.get('level')} ({entry.get('source')}): {entry.get('text')}")
        return problems

    def requests(self) -> list[str]:
        """The URL of every request the page made, in order."""
        return [params["request"]["url"] for method, params in self.events if method == "Network.requestWillBeSent"]

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def screenshot(self, path: Path, width: int, height: int, *, full_page: bool = True) -> Path:
        """A PNG of the page at ``width`` x ``height`` CSS pixels (the whole page when
        ``full_page``)."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1}
            params["captureBeyondViewport"] = True
        shot = self.call("Page.captureScreenshot", **params)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def print_pdf(self, path: Path) -> Path:
        """The page printed to PDF (A4, with its print style sheet)."""
        printed = self.call("Page.printToPDF", paperWidth=8.27, paperHeight=11.69, printBackground=False)
        path.write_bytes(base64.b64decode(printed["data"]))
        return path


def _devtools_port(profile: Path, process: subprocess.Popen[bytes]) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if marker.exists():
            lines = marker.read_text().splitlines()
            if lines and lines[0].isdigit():
                return int(lines[0])
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with code {process.returncode} before opening DevTools")
        time.sleep(0.1)
    raise TimeoutError(f"chromium opened no DevTools port within {_START_TIMEOUT} s")


@contextlib.contextmanager
def open_page(url: str, *, width: int = 1366, height: int = 768) -> Iterator[Page]:
    """Headless Chromium with ``url`` loaded (console, log and network watched from before
    the navigation); closed afterwards."""
    binary = chromium_binary()
    if binary is None:
        raise RuntimeError("no chromium binary: install Debian's chromium (apt-get install chromium)")
    # Chromium's helper processes may still write to the profile for a moment after it
    # is ended: the folder is removed as far as it can be.
    with tempfile.TemporaryDirectory(prefix="datareach-chromium-", ignore_cleanup_errors=True) as folder:
        profile = Path(folder)
        command = [
            binary,
            "--headless=new",
            "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            f"--window-size={width},{height}",
            "about:blank",
        ]
        environment = {**os.environ, "HOME": str(profile)}
        # A session of its own, so that ending it ends Chromium's helper processes too.
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment, start_new_session=True
        )
        try:
            port = _devtools_port(profile, process)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
                targets = json.load(answer)
            tab = next(t for t in targets if t.get("type") == "page")
            socket = websocket.create_connection(
                tab["webSocketDebuggerUrl"], timeout=_CALL_TIMEOUT, suppress_origin=True
            )
            try:
                page = Page(socket)
                for domain in ("Page", "Runtime", "Log", "Network"):
                    page.call(f"{domain}.enable")
                page.call(
                    "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
                )
                page.call("Page.navigate", url=url)
                page.wait_for("Page.loadEventFired")
                page.settle()
                yield page
            finally:
                socket.close()
        finally:
            _end(process)


def _end(process: subprocess.Popen[bytes]) -> None:
    """End the Chromium started here and its helpers (its process group, which it leads)."""
    for sent in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sent)
        try:
            process.wait(timeout=10)
            break
        except subprocess.TimeoutExpired:
            continue
    # Helpers outlive the leader by a moment: wait until none of the group is left.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
