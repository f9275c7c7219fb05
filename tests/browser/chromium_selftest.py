#!/usr/bin/env python3
"""Proves chromium.py works against the installed chromium; not registered with ctest.

Run: python3 tests/browser/chromium_selftest.py   (prints PASS lines, exits non-zero on the first failure)
"""

import functools
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chromium import Chromium  # noqa: E402

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>selftest</title>
<style>body { font: 16px sans-serif } .on { background: #c00; color: #fff }</style></head>
<body>
<h1>Chromium driver selftest</h1>
<p>Some text so that there is a first contentful paint.</p>
<button id="b" onclick="this.classList.toggle('on')">toggle</button>
<input id="i">
<script>if (location.hash === "#err") console.error("x");</script>
</body></html>
"""

FETCH = """<!doctype html>
<html><head><meta charset="utf-8"><title>fetch</title></head>
<body><p>fetching</p>
<script>fetch('http://127.0.0.1:9/').catch(() => {});</script>
</body></html>
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def check(what, ok, detail=""):
    if not ok:
        print(f"FAIL {what} {detail}")
        sys.exit(1)
    print(f"PASS {what} {detail}")


def chromium_pids():
    return subprocess.run(["pgrep", "chromium"], capture_output=True, text=True, check=False).stdout.split()


def main():
    with tempfile.TemporaryDirectory(prefix="chromium-selftest-") as tmp:
        site = os.path.join(tmp, "site")
        os.mkdir(site)
        for name, text in (("page.html", PAGE), ("fetch.html", FETCH)):
            with open(os.path.join(site, name), "w", encoding="utf-8") as f:
                f.write(text)
        page = f"file://{site}/page.html"

        started = time.monotonic()
        with Chromium(os.path.join(tmp, "work"), timeout=30) as b:
            check("start", True, f"{time.monotonic() - started:.2f}s")

            seconds = b.load(page)
            check("load returns a float", isinstance(seconds, float), f"{seconds:.3f}s")
            check("evaluate 1+1", b.evaluate("1+1") == 2)
            check("viewport is width x height", b.evaluate("[innerWidth, innerHeight]") == [1400, 1000])
            check("evaluate awaits promises", b.evaluate("Promise.resolve('p')") == "p")
            check("clean page has no console errors", b.console_errors == [], repr(b.console_errors))
            check("document request recorded", page in b.requests, repr(b.requests))
            try:
                b.evaluate("null.x")
                check("evaluate raises on a throw", False)
            except RuntimeError as e:
                check("evaluate raises on a throw", "TypeError" in str(e), str(e).splitlines()[0])
            try:
                b._command("No.suchMethod")
                check("CDP error reply raises", False)
            except RuntimeError as e:
                check("CDP error reply raises", "No.suchMethod" in str(e), str(e))

            check("nothing focused at first", b.evaluate("document.activeElement.tagName") == "BODY")
            b.press("Tab")
            check("Tab focuses the button", b.evaluate("document.activeElement.id") == "b")
            b.press(" ")
            check("Space clicks the button", b.evaluate("document.getElementById('b').className") == "on")
            b.press("Enter")
            check("Enter clicks the button", b.evaluate("document.getElementById('b').className") == "")
            b.press("Tab")
            check("Tab moves focus to the input", b.evaluate("document.activeElement.id") == "i")
            b.type_text("hello")
            b.press("!")
            check("typing changes the input", b.evaluate("document.getElementById('i').value") == "hello!",
                  repr(b.evaluate("document.getElementById('i').value")))

            shot = os.path.join(tmp, "shot.png")
            size = b.screenshot(shot)
            with open(shot, "rb") as f:
                magic = f.read(8)
            check("full-page screenshot is a PNG > 1000 bytes", magic == b"\x89PNG\r\n\x1a\n" and size > 1000,
                  f"{size} bytes")
            size = b.screenshot(shot, full_page=False)
            check("viewport screenshot", size > 1000, f"{size} bytes")
            b.evaluate("document.body.style.height = '5000px'")
            b.screenshot(shot)
            with open(shot, "rb") as f:
                height = int.from_bytes(f.read(24)[20:24], "big")
            check("full-page screenshot goes beyond the viewport", height >= 5000, f"{height} px high")

            metrics = b.render_metrics()
            check("render_metrics", metrics["load_s"] == seconds and metrics["load_event_end_ms"] > 0
                  and metrics["dom_content_loaded_ms"] > 0, repr(metrics))

            b.load(f"file://{site}/fetch.html")
            b.evaluate("new Promise(r => setTimeout(r, 500))")  # let the fetch start and fail
            check("fetch shows in requests", "http://127.0.0.1:9/" in b.requests, repr(b.requests))

            b.load(page + "#err")
            check("#err page has one console error", len(b.console_errors) == 1, repr(b.console_errors))

            seconds = b.load(page + "#other")
            check("same-document load returns", seconds < 5, f"{seconds:.3f}s")

            # Over http the browser itself asks for /favicon.ico after the load event (not seen by the
            # Network domain); a 404 there is logged as an error. A page that names its icon avoids it.
            with open(os.path.join(site, "icon.html"), "w", encoding="utf-8") as f:
                f.write(PAGE.replace("<title>", '<link rel="icon" href="data:,"><title>'))
            handler = functools.partial(QuietHandler, directory=site)
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            try:
                base = f"http://127.0.0.1:{server.server_address[1]}"
                b.load(f"{base}/page.html")
                b.evaluate("new Promise(r => setTimeout(r, 500))")
                check("http page without an icon: only the favicon 404 is logged",
                      len(b.console_errors) == 1 and "/favicon.ico" in b.console_errors[0], repr(b.console_errors))
                b.load(f"{base}/icon.html")
                b.evaluate("new Promise(r => setTimeout(r, 500))")
                check("http page with an icon: no console errors", b.console_errors == [], repr(b.console_errors))
                check("http page with an icon: requests", b.requests == [f"{base}/icon.html"], repr(b.requests))
            finally:
                server.shutdown()
                server.server_close()

        # The browser's helpers are reparented to init when it exits; give init a moment to reap them.
        deadline = time.monotonic() + 10
        while chromium_pids() and time.monotonic() < deadline:
            time.sleep(0.1)
        check("no chromium process left", not chromium_pids(), repr(chromium_pids()))
    print("selftest passed")


if __name__ == "__main__":
    main()
