"""Drive Debian's headless `chromium` over the Chrome DevTools Protocol (CDP).

Only the standard library and Debian's python3-websocket (websocket-client) are used.

    import sys; sys.path.insert(0, "tests/browser")
    from chromium import Chromium

    with Chromium(workdir) as browser:           # workdir gets profile/ and chromium.log
        seconds = browser.load("http://127.0.0.1:8080/")
        title = browser.evaluate("document.title")
        browser.press("Tab"); browser.type_text("hello")
        browser.screenshot(f"{workdir}/page.png")
        assert not browser.console_errors, browser.console_errors
        print(browser.requests, browser.render_metrics())

One connection, one reader: every command waits for its own reply, and the events that
arrive meanwhile are recorded (console errors, exceptions, error log entries, requests)
or queued for a later wait, so none is lost. Every wait is bounded by `timeout`; a failure
raises RuntimeError carrying the tail of chromium.log. Leaving the `with` block closes the
browser and reaps its whole process group.

console_errors entries are prefixed by where they came from: "console.error: ", "console.assert: ",
"exception: ", "log: ". Two things a caller should know: over http chromium fetches /favicon.ico
itself, after the load event and unseen by `requests`, and a 404 there arrives as a "log:" error
(serve an icon, or give pages <link rel="icon" href="data:,">); and the viewport is pinned to
width x height, as --window-size alone leaves headless chromium ~143 px short.
"""

import base64
import json
import math
import os
import signal
import subprocess
import sys
import time
import urllib.request

try:
    import websocket
except ImportError:
    # Debian's python3-websocket lives in the system dist-packages, which a pyenv or venv python3
    # on PATH does not search; it is pure Python, so appending that one directory is enough.
    sys.path.append("/usr/lib/python3/dist-packages")
    import websocket

CHROMIUM = "/usr/bin/chromium"
MAX_SCREENSHOT_HEIGHT = 16000  # keeps a runaway page from making a huge (or failed) capture

# key -> (code, windowsVirtualKeyCode, text). Focus navigation and activation need the key code;
# a key with text also produces keypress/input, which is what makes Enter and Space click.
_KEYS = {
    "Tab": ("Tab", 9, ""),
    "Enter": ("Enter", 13, "\r"),
    " ": ("Space", 32, " "),
    "Escape": ("Escape", 27, ""),
    "Backspace": ("Backspace", 8, ""),
    "ArrowLeft": ("ArrowLeft", 37, ""),
    "ArrowUp": ("ArrowUp", 38, ""),
    "ArrowRight": ("ArrowRight", 39, ""),
    "ArrowDown": ("ArrowDown", 40, ""),
    "Home": ("Home", 36, ""),
    "End": ("End", 35, ""),
}

_METRICS_JS = """(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
  return {first_contentful_paint_ms: fcp ? fcp.startTime : null,
          dom_content_loaded_ms: nav ? nav.domContentLoadedEventEnd : null,
          load_event_end_ms: nav ? nav.loadEventEnd : null};
})()"""


def _killpg(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:  # the whole group is gone already
        pass


class Chromium:
    """A headless chromium with one page, driven over CDP. Use as a context manager."""

    def __init__(self, workdir, timeout=30.0, width=1400, height=1000):
        self.timeout = timeout
        self.console_errors = []
        self.requests = []
        self._log_path = os.path.join(workdir, "chromium.log")
        self._profile = os.path.join(workdir, "profile")
        self._proc = None
        self._ws = None
        self._next_id = 0
        self._events = []  # (method, params) not yet consumed by _wait_event
        self._load_s = None
        os.makedirs(self._profile, exist_ok=True)
        try:
            self._start(width, height)
        except BaseException:
            self.close()
            raise

    def _start(self, width, height):
        port_file = os.path.join(self._profile, "DevToolsActivePort")
        if os.path.exists(port_file):  # a stale one from an earlier run would point at a dead port
            os.unlink(port_file)
        args = [CHROMIUM, "--headless=new", "--remote-debugging-port=0", f"--user-data-dir={self._profile}",
                "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--metrics-recording-only", f"--window-size={width},{height}",
                "--disable-dev-shm-usage"]  # containers give /dev/shm 64 MB, too little for a big page
        if os.geteuid() == 0:
            args.append("--no-sandbox")  # chromium refuses to run as root with its sandbox on
        args.append("about:blank")
        with open(self._log_path, "wb") as log:
            # Its own process group, so close() can end the renderers and helpers too.
            self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=log, start_new_session=True)
        deadline = time.monotonic() + self.timeout

        port = None
        while port is None:
            try:
                with open(port_file, encoding="ascii") as f:
                    first = f.readline().strip()
                port = int(first) if first else None  # the file may be caught half-written
            except (FileNotFoundError, ValueError):
                pass
            if port is None:
                self._check_alive(deadline, "DevToolsActivePort")
                time.sleep(0.05)

        ws_url = None
        while ws_url is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=self.timeout) as r:
                    targets = json.load(r)
                ws_url = next((t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page"), None)
            except OSError:
                pass
            if ws_url is None:
                self._check_alive(deadline, "a page target in /json/list")
                time.sleep(0.05)

        # Chromium 111+ answers 403 to a handshake whose Origin is neither absent nor its own address
        # (unless --remote-allow-origins); sending none is the simplest way to stay on the right side.
        self._ws = websocket.create_connection(ws_url, timeout=self.timeout, suppress_origin=True)
        for domain in ("Runtime", "Log", "Network", "Page"):
            self._command(f"{domain}.enable")
        # Headless chromium takes ~143 px of --window-size for a pretend toolbar; pin the viewport itself.
        self._command("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def _check_alive(self, deadline, waiting_for):
        if self._proc.poll() is not None:
            self._fail(f"chromium exited with status {self._proc.returncode} while waiting for {waiting_for}")
        if time.monotonic() > deadline:
            self._fail(f"timed out after {self.timeout}s waiting for {waiting_for}")

    def _fail(self, message):
        try:
            with open(self._log_path, "rb") as f:
                f.seek(max(0, os.path.getsize(self._log_path) - 3000))
                tail = f.read().decode("utf-8", "replace")
        except OSError as e:
            tail = f"(no log: {e})"
        raise RuntimeError(f"{message}\n--- tail of {self._log_path} ---\n{tail}")

    # --- the single reader ---

    def _read(self, deadline, waiting_for):
        """The next message, recording it if it is an event; raises once the deadline passes."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            self._fail(f"timed out after {self.timeout}s waiting for {waiting_for}")
        self._ws.settimeout(remaining)
        try:
            message = json.loads(self._ws.recv())
        except websocket.WebSocketTimeoutException:
            self._fail(f"timed out after {self.timeout}s waiting for {waiting_for}")
        except (websocket.WebSocketException, OSError) as e:
            self._fail(f"DevTools connection lost waiting for {waiting_for}: {e!r}")
        if "method" in message:
            self._record(message["method"], message.get("params", {}))
        return message

    def _record(self, method, params):
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", a.get("unserializableValue", ""))))
                            for a in params.get("args", []))
            self.console_errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text", "")
            self.console_errors.append(f"exception: {text}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            where = f" ({entry['url']})" if entry.get("url") else ""
            self.console_errors.append(f"log: {entry.get('text', '')}{where}")
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        if method.startswith("Page."):  # the only events anyone waits for; the rest would just pile up
            self._events.append((method, params))

    def _command(self, method, params=None):
        self._next_id += 1
        my_id = self._next_id
        self._ws.send(json.dumps({"id": my_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._read(deadline, f"the reply to {method}")
            if message.get("id") == my_id:
                if "error" in message:
                    raise RuntimeError(f"{method} failed: {message['error']}")
                return message.get("result", {})

    def _wait_event(self, method):
        deadline = time.monotonic() + self.timeout
        while True:
            for i, (name, params) in enumerate(self._events):
                if name == method:
                    del self._events[:i + 1]  # what came before it is of no further use
                    return params
            self._events.clear()
            self._read(deadline, method)

    # --- the public API ---

    def load(self, url):
        """Navigate to url and wait for its load event; returns the wall seconds that took.
        Forgets the console errors and requests recorded so far."""
        self.console_errors.clear()
        self.requests.clear()
        self._events.clear()
        start = time.monotonic()
        result = self._command("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise RuntimeError(f"Page.navigate to {url} failed: {result['errorText']}")
        if "loaderId" in result:  # no loaderId: a same-document (#fragment) navigation has no load event
            self._wait_event("Page.loadEventFired")
        self._load_s = time.monotonic() - start
        return self._load_s

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self._command("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                     "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "")
            raise RuntimeError(f"page threw evaluating {expression!r}: {text}")
        return result.get("result", {}).get("value")

    def evaluate_until(self, expression, expected, timeout=5.0):
        """evaluate() until it gives `expected` or `timeout` seconds pass; the last value. For what the page
        does after an event (a hashchange handler runs after the key press that followed a link)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value == expected or time.monotonic() >= deadline:
                return value
            time.sleep(0.05)

    def screenshot(self, path, full_page=True):
        """Write a PNG of the viewport, or of the whole page; returns the bytes written."""
        params = {"format": "png"}
        if full_page:
            size = self._command("Page.getLayoutMetrics")["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {"x": 0, "y": 0, "width": math.ceil(size["width"]),
                              "height": min(math.ceil(size["height"]), MAX_SCREENSHOT_HEIGHT), "scale": 1}
        data = base64.b64decode(self._command("Page.captureScreenshot", params)["data"])
        with open(path, "wb") as f:
            f.write(data)
        return len(data)

    def press(self, key):
        """Press and release one key: a name from _KEYS ("Tab", "Enter", " ", ...) or a printable character."""
        if key in _KEYS:
            code, key_code, text = _KEYS[key]
        elif len(key) == 1:
            code = f"Key{key.upper()}" if key.isalpha() else f"Digit{key}" if key.isdigit() else ""
            key_code, text = ord(key.upper()), key
        else:
            raise ValueError(f"press: unknown key {key!r}")
        down = {"type": "keyDown" if text else "rawKeyDown", "key": key, "code": code,
                "windowsVirtualKeyCode": key_code, "nativeVirtualKeyCode": key_code}
        if text:
            down.update(text=text, unmodifiedText=text)
        self._command("Input.dispatchKeyEvent", down)
        self._command("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code,
                                                  "windowsVirtualKeyCode": key_code,
                                                  "nativeVirtualKeyCode": key_code})

    def type_text(self, text):
        """Insert text into the focused element, as an IME would (one input event)."""
        self._command("Input.insertText", {"text": text})

    def render_metrics(self):
        """Timings of the current page: load() seconds, and milliseconds from the navigation start."""
        return {"load_s": self._load_s, **self.evaluate(_METRICS_JS)}

    def close(self):
        """Close the browser and reap its process group; safe to call twice."""
        asked = False
        if self._ws is not None:
            try:
                self._ws.send(json.dumps({"id": self._next_id + 1, "method": "Browser.close"}))
                asked = True
            except (websocket.WebSocketException, OSError):
                pass
            try:
                self._ws.close(timeout=1)
            except (websocket.WebSocketException, OSError):
                pass
            self._ws = None
        if self._proc is not None:
            proc, self._proc = self._proc, None
            try:
                proc.wait(timeout=5 if asked else 0)  # Browser.close normally ends it well within this
            except subprocess.TimeoutExpired:
                _killpg(proc, signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    _killpg(proc, signal.SIGKILL)
                    proc.wait(timeout=self.timeout)
            _killpg(proc, signal.SIGKILL)  # any helper that outlived the browser process

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
