#!/usr/bin/env python3
"""Drives headless Chromium through the DevTools protocol, for the tests of sticky-view's
exported pages (tests/html_test.cpp) and for make bench. Standard library only: the
protocol runs over --remote-debugging-pipe (JSON messages ending in NUL on fds 3 and 4),
so there is no port, no websocket and nothing to download.

Reads a script, a JSON list of commands, on stdin; prints one JSON object on stdout:

  {"cmd": "open", "path": "page.html", "width": 1280, "height": 800, "mobile": false}
      loads a page and waits until its script says it is ready
      -> {"load_ms": ..., "ready_ms": ...}
  {"cmd": "key", "key": "ArrowRight"}                 a key press, as a person makes it
  {"cmd": "key_until", "key": " ", "expr": "...", "max": 50}
                                                      presses until expr is true -> {"presses": n or null}
  {"cmd": "type", "text": "14"}                       text into the focused input
  {"cmd": "media", "dark": true}                      prefers-color-scheme: dark (or light)
  {"cmd": "eval", "expr": "document.title"}          -> {"value": ...}
  {"cmd": "wait", "expr": "...", "timeout": 5}        until expr is true, at most timeout s
  {"cmd": "shot", "path": "build/x.png"}              a screenshot of the window

  out: {"results": [...one per command...], "pages": [{"path", "console_errors",
        "exceptions", "requests_outside"}], "error": null or why it stopped}

Every page's console errors, uncaught exceptions and requests for anything but the page
itself are collected. The whole run is bounded by --timeout seconds: Chromium is killed,
its profile removed, whatever happens."""
import argparse
import base64
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

KEYS = {  # KeyboardEvent.key -> (code, Windows virtual key code)
    " ": ("Space", 32), "ArrowRight": ("ArrowRight", 39), "ArrowLeft": ("ArrowLeft", 37),
    "ArrowUp": ("ArrowUp", 38), "ArrowDown": ("ArrowDown", 40), "Home": ("Home", 36), "End": ("End", 35),
    "Enter": ("Enter", 13), "Tab": ("Tab", 9), "Escape": ("Escape", 27), "PageDown": ("PageDown", 34),
    "PageUp": ("PageUp", 33), "+": ("Equal", 187), "-": ("Minus", 189), "?": ("Slash", 191),
}


def find_chromium():
    for path in ("/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium-headless-shell",
                 "/usr/lib/chromium/chromium", "/usr/bin/chromium"):
        if os.access(path, os.X_OK):
            return path
    return None


class Browser:
    def __init__(self, deadline):
        self.deadline = deadline
        chromium = find_chromium()
        if not chromium:
            raise RuntimeError("no Chromium: install chromium-headless-shell (make test does)")
        self.profile = tempfile.mkdtemp(prefix="sticky-chromium.")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def pipes():  # Chromium reads the protocol on fd 3 and writes it on fd 4
            # Out of the way first: either pipe may already sit on fd 3 or 4.
            high_r, high_w = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(high_r, 3)  # dup2 makes them inheritable across exec
            os.dup2(high_w, 4)

        args = [chromium, "--headless", "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
                "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-features=Translate,MediaRouter,OptimizationHints",
                "--force-device-scale-factor=1", "--mute-audio", "--hide-scrollbars"]
        if os.geteuid() == 0:
            args.append("--no-sandbox")  # root in a container: Chromium's sandbox needs a user
        args.append("about:blank")
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, preexec_fn=pipes, close_fds=False,
                                        start_new_session=True)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def close(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        for fd in (self.to_chrome, self.from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, until):
        while b"\0" not in self.buffer:
            left = min(until, self.deadline) - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self.from_chrome], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the protocol pipe (it exited)")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=True, timeout=20):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        until = time.monotonic() + timeout
        while True:
            reply = self._read_message(until)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"].get("message")))
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_event(self, method, timeout):
        until = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["method"] == method:
                    return self.events.pop(i)
            self.events.append(self._read_message(until))

    def drain(self):
        """Events that came while nothing was asked."""
        while True:
            ready, _, _ = select.select([self.from_chrome], [], [], 0)
            if not ready and b"\0" not in self.buffer:
                return
            self.events.append(self._read_message(time.monotonic() + 1))

    def evaluate(self, expr):
        result = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError("evaluating %s: %s" % (expr, result["exceptionDetails"].get("text")))
        return result.get("result", {}).get("value")


def press(browser, key):
    """One key, down and up, as a keyboard sends it."""
    code, vk = KEYS.get(key, ("Key" + key.upper() if key.isalpha() else "", ord(key.upper()[0])))
    text = key if len(key) == 1 else "\r" if key == "Enter" else ""
    browser.send("Input.dispatchKeyEvent", {"type": "keyDown" if text else "rawKeyDown", "key": key, "code": code,
                                            "windowsVirtualKeyCode": vk, "text": text})
    browser.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": vk})


def run(script, deadline):
    try:
        browser = Browser(deadline)
    except Exception as e:
        return {"results": [], "pages": [], "error": "%s: %s" % (type(e).__name__, e)}
    results, pages = [], []
    page = None
    error = None

    def collect():
        browser.drain()
        keep = []
        for e in browser.events:
            method, params = e["method"], e.get("params", {})
            if page is None:
                continue
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                page["console_errors"].append(" ".join(str(a.get("value", a.get("description", "")))
                                                       for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                page["exceptions"].append(details.get("exception", {}).get("description") or details.get("text"))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                page["console_errors"].append(params["entry"].get("text"))
            elif method == "Network.requestWillBeSent":
                url = params.get("request", {}).get("url", "")
                if url != page["url"]:
                    page["requests_outside"].append(url)
            else:
                keep.append(e)
        browser.events = [e for e in keep if e["method"] == "Page.loadEventFired"]

    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = browser.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True},
                                session=False)
        browser.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(domain + ".enable")
        for command in script:
            kind = command["cmd"]
            result = {"cmd": kind}
            if kind == "open":
                collect()
                url = "file://" + os.path.abspath(command["path"])
                page = {"path": command["path"], "url": url, "console_errors": [], "exceptions": [],
                        "requests_outside": []}
                pages.append(page)
                browser.send("Emulation.setDeviceMetricsOverride",
                             {"width": command.get("width", 1280), "height": command.get("height", 800),
                              "deviceScaleFactor": 1, "mobile": bool(command.get("mobile", False))})
                browser.events = []
                start = time.monotonic()
                browser.send("Page.navigate", {"url": url})
                browser.wait_event("Page.loadEventFired", command.get("timeout", 20))
                result["load_ms"] = (time.monotonic() - start) * 1000
                ready = None
                while ready is None and time.monotonic() < deadline:
                    ready = browser.evaluate("document.documentElement.dataset.ready || null")
                    if ready is None:
                        time.sleep(0.02)
                result["ready_ms"] = float(ready) if ready is not None else None
            elif kind == "key":
                press(browser, command["key"])
            elif kind == "key_until":
                # The key, again and again, until expr is true (at most `max` presses).
                result["presses"] = None
                for presses in range(command.get("max", 100) + 1):
                    if browser.evaluate(command["expr"]):
                        result["presses"] = presses
                        break
                    press(browser, command["key"])
            elif kind == "type":
                browser.send("Input.insertText", {"text": command["text"]})
            elif kind == "media":
                browser.send("Emulation.setEmulatedMedia", {"features": [
                    {"name": "prefers-color-scheme", "value": "dark" if command.get("dark") else "light"}]})
            elif kind == "eval":
                result["value"] = browser.evaluate(command["expr"])
            elif kind == "wait":
                until = time.monotonic() + command.get("timeout", 5)
                value = None
                while time.monotonic() < min(until, deadline):
                    value = browser.evaluate(command["expr"])
                    if value:
                        break
                    time.sleep(0.02)
                result["value"] = value
            elif kind == "shot":
                # Two frames, so that what the last command changed is painted.
                browser.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                shot = browser.send("Page.captureScreenshot", {"format": "png"})
                os.makedirs(os.path.dirname(os.path.abspath(command["path"])), exist_ok=True)
                with open(command["path"], "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
                result["path"] = command["path"]
            else:
                raise ValueError("unknown command %r" % kind)
            results.append(result)
        collect()
    except Exception as e:  # reported, never raised: the caller reads the JSON
        error = "%s: %s" % (type(e).__name__, e)
    finally:
        browser.close()
    return {"results": results, "pages": pages, "error": error}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=90, help="seconds for the whole run (default: %(default)s)")
    parser.add_argument("--script", help="read the commands from this file instead of stdin")
    args = parser.parse_args()
    if args.script:
        with open(args.script, encoding="utf-8") as f:
            script = json.load(f)
    else:
        script = json.load(sys.stdin)
    out = run(script, time.monotonic() + args.timeout)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0 if out["error"] is None else 1


if __name__ == "__main__":
    sys.exit(main())
