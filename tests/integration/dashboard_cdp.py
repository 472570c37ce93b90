#!/usr/bin/python3
"""Drives headless Chromium over the DevTools protocol (standard library only) against the
tandemd dashboard: loads the page, checks it against the server's own status-get and
statistic-get-all answers, searches leases, kills one HA peer by PID and measures how long the
page takes to show the failover. Every console message of level error, uncaught exception or
failed resource load fails the run. Used by dashboard_chromium_test.sh; prints one JSON summary
line on stdout (figures measured) and its progress on stderr. Exit 0 = every check passed.
"""
import argparse
import base64
import json
import os
import re
import shlex
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request

T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:7.2f} cdp] {msg}", file=sys.stderr, flush=True)


class Failure(Exception):
    pass


class WebSocket:
    """RFC 6455 client: text frames out (masked), text frames in, pings answered."""

    def __init__(self, url, timeout):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Failure("websocket handshake: connection closed")
            data += chunk
        head, self.buf = data.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise Failure(f"websocket handshake refused: {head[:200]!r}")

    def _frame(self, op, payload):
        n = len(payload)
        hdr = bytearray([0x80 | op])
        if n < 126:
            hdr.append(0x80 | n)
        elif n < 65536:
            hdr.append(0x80 | 126)
            hdr += struct.pack(">H", n)
        else:
            hdr.append(0x80 | 127)
            hdr += struct.pack(">Q", n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes(hdr) + mask + body)

    def send(self, text):
        self._frame(0x1, text.encode())

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise Failure("websocket closed by Chromium")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self, timeout):
        self.sock.settimeout(timeout)
        msg = b""
        while True:
            b0, b1 = self._read(2)
            op, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if op == 0x9:
                self._frame(0xA, payload)
                continue
            if op == 0x8:
                raise Failure("websocket closed by Chromium")
            if op in (0x1, 0x2, 0x0):
                msg += payload
                if b0 & 0x80:
                    return msg.decode()


class Cdp:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.errors = []    # console errors, exceptions, failed loads
        self.events = 0

    def _event(self, m):
        self.events += 1
        method, p = m.get("method"), m.get("params", {})
        if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            self.errors.append(f"console.{p['type']}: {args}")
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.errors.append("exception: " + str(d.get("exception", {}).get("description", d.get("text"))))
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            e = p["entry"]
            self.errors.append(f"log ({e.get('source')}): {e.get('text')} {e.get('url', '')}")

    def pump(self, seconds):
        """Handle events for a while (console errors arrive as events)."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            try:
                m = json.loads(self.ws.recv(left))
            except (socket.timeout, TimeoutError):
                return
            if "method" in m:
                self._event(m)

    def call(self, method, params=None, timeout=20):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params or {}}))
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise Failure(f"no answer to {method} within {timeout} s")
            m = json.loads(self.ws.recv(left))
            if m.get("id") == mid:
                if "error" in m:
                    raise Failure(f"{method}: {m['error']}")
                return m.get("result", {})
            if "method" in m:
                self._event(m)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise Failure(f"evaluate failed: {r['exceptionDetails']}")
        return r["result"].get("value")


class Api:
    """The test's own view of the server: the same commands over the same listener."""

    def __init__(self, origin, user, password):
        self.origin = origin
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def __call__(self, command, arguments=None):
        body = {"command": command}
        if arguments is not None:
            body["arguments"] = arguments
        req = urllib.request.Request(self.origin + "/", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": self.auth})
        with urllib.request.urlopen(req, timeout=5) as r:
            a = json.loads(r.read())
        return a[0] if isinstance(a, list) else a


# What the page shows, read from its DOM (the data-* attributes are the page's test hooks).
PAGE_VIEW = r"""(() => {
  if (!document.getElementById('conn')) {  // still about:blank, or loading
    return {polls: 0, conn: null, local: null, remote: null, verdict: null, history: [], stats: {}, rates: {}};
  }
  const peer = (k) => {
    const c = document.querySelector(`[data-peer="${k}"]`);
    if (!c) return null;
    const f = (n) => { const e = c.querySelector(`[data-field="${n}"]`); return e ? e.textContent : null; };
    return {name: f('name'), state: f('state'), reason: f('reason'), skew: f('skew'), heartbeat: f('heartbeat')};
  };
  const stats = {};
  for (const e of document.querySelectorAll('[data-stat]')) stats[e.dataset.stat] = e.textContent;
  const v = document.getElementById('pair-verdict');
  const rates = {};
  for (const e of document.querySelectorAll('[data-rate]')) rates[e.dataset.rate] = parseFloat(e.textContent.split(' ').pop());
  return {rates, polls: Number(document.body.dataset.polls || 0), conn: document.getElementById('conn').dataset.conn,
          local: peer('local'), remote: peer('remote'), verdict: v ? v.dataset.health : null,
          history: [...document.querySelectorAll('#history tbody tr')].map(r => r.textContent),
          stats};
})()"""


def wait_page(cdp, pred, timeout, what):
    end = time.monotonic() + timeout
    view = None
    while time.monotonic() < end:
        view = cdp.eval(PAGE_VIEW)
        if pred(view):
            return view
        cdp.pump(0.2)
    raise Failure(f"page did not show {what} within {timeout} s; it shows {json.dumps(view)[:1500]}")


def number(text):
    return int(text.replace(",", "")) if text is not None and re.fullmatch(r"[0-9,]+", text) else None


def compare(view, status, stats):
    """Differences between the page and the server's answers (empty list = they match)."""
    diffs = []
    servers = status["arguments"]["high-availability"][0]["ha-servers"]
    local, remote = servers["local"], servers["remote"]
    if not view["local"] or view["local"]["name"] != local["server-name"] or view["local"]["state"] != local["state"]:
        diffs.append(f"local peer: page {view['local']} server {local['server-name']} {local['state']}")
    if not view["remote"] or view["remote"]["name"] != remote["server-name"] or view["remote"]["state"] != remote["last-state"]:
        diffs.append(f"remote peer: page {view['remote']} server {remote['server-name']} {remote['last-state']}")
    values = stats["arguments"]
    for name in ("subnet[1].total-addresses", "subnet[1].assigned-addresses", "subnet[1].pool[0].total-addresses",
                 "pkt4-received"):
        if name not in view["stats"]:
            diffs.append(f"page does not show {name}")
    for name, text in view["stats"].items():
        want = values[name][0][0] if name in values else 0
        if number(text) != want:
            diffs.append(f"{name}: page {text!r}, statistic-get-all {want}")
    return diffs


def search(cdp, kind, text, address):
    cdp.eval(f"""(() => {{ document.getElementById('search-result').dataset.state = '';
      document.getElementById('search-kind').value = {json.dumps(kind)};
      document.getElementById('search-text').value = {json.dumps(text)};
      document.getElementById('search-form').requestSubmit(); }})()""")
    end = time.monotonic() + 10
    while time.monotonic() < end:
        r = cdp.eval("""(() => { const o = document.getElementById('search-result');
          return {state: o.dataset.state, rows: [...o.querySelectorAll('tr[data-address]')].map(r => r.dataset.address),
                  text: o.textContent}; })()""")
        if r["state"] in ("done", "error"):
            if r["state"] == "error" or address not in r["rows"]:
                raise Failure(f"search {kind} {text!r}: expected {address}, page shows {r}")
            log(f"ok: search by {kind} {text!r} finds {address}")
            return
        cdp.pump(0.1)
    raise Failure(f"search {kind} {text!r}: no result within 10 s")


def screenshot(cdp, path):
    r = cdp.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    with open(path, "wb") as f:
        f.write(base64.b64decode(r["data"]))
    log(f"screenshot {path}")


def start_chromium(binary, profile, logfile):
    args = [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", f"--user-data-dir={profile}",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
            "--password-store=basic", "--window-size=1280,1000", "about:blank"]
    err = open(logfile, "wb")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        with open(logfile, "rb") as f:
            m = re.search(rb"DevTools listening on ws://127\.0\.0\.1:(\d+)/", f.read())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            raise Failure(f"chromium exited ({proc.returncode}) at start-up, see {logfile}")
        time.sleep(0.1)
    raise Failure("chromium did not open its DevTools port within 60 s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chromium", default="chromium")
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--profile", required=True)
    ap.add_argument("--kill-pid", type=int, required=True)
    ap.add_argument("--lease", action="append", default=[], help="kind=text=address, searched on the page")
    ap.add_argument("--failover-within", type=float, default=20.0)
    ap.add_argument("--page-lag-max", type=float, default=5.0)
    ap.add_argument("--traffic", help="a bounded DHCP load (command line) run while the page is open; "
                                      "the page must show a non-zero ACK rate meanwhile")
    ap.add_argument("--screenshot", help="PNG prefix: <prefix>-healthy.png and <prefix>-failover.png (to look at)")
    a = ap.parse_args()
    # `timeout` sends SIGTERM: leave through `finally` so Chromium goes too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))

    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlparse(a.url))
    api = Api(origin, a.user, a.password)
    summary = {}
    proc = None
    try:
        os.makedirs(a.profile, exist_ok=True)
        proc, port = start_chromium(a.chromium, a.profile,
                                    os.path.join(os.path.dirname(os.path.abspath(a.profile)), "chromium.log"))
        summary["chromium_start_s"] = round(time.monotonic() - T0, 2)
        log(f"chromium pid {proc.pid}, DevTools port {port}")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [t for t in json.loads(r.read()) if t.get("type") == "page"]
        if not pages:
            raise Failure("no page target in Chromium")
        cdp = Cdp(WebSocket(pages[0]["webSocketDebuggerUrl"], 20))
        for m in ("Runtime.enable", "Log.enable", "Page.enable", "Network.enable"):
            cdp.call(m)
        # The operator's browser would ask for these once (WWW-Authenticate) and keep them.
        cdp.call("Network.setExtraHTTPHeaders", {"headers": {"Authorization": api.auth}})
        t_nav = time.monotonic()
        cdp.call("Page.navigate", {"url": a.url})
        view = wait_page(cdp, lambda v: v["polls"] >= 2 and v["remote"] is not None, 30, "two polls with both peers")
        summary["page_ready_s"] = round(time.monotonic() - t_nav, 2)
        log(f"page live after {summary['page_ready_s']} s: local {view['local']}, remote {view['remote']}")

        if a.traffic:
            # Live charts: the page's per-second ACK rate while a load runs.
            load = subprocess.Popen(shlex.split(a.traffic), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            t_load = time.monotonic()
            top = 0.0
            try:
                while time.monotonic() - t_load < 30:
                    top = max(top, cdp.eval(PAGE_VIEW)["rates"].get("ACK", 0) or 0)
                    if load.poll() is not None and time.monotonic() - t_load > 1:
                        break
                    cdp.pump(0.3)
                # The page samples every 1.5 s: give it two more polls after the load.
                view = cdp.eval(PAGE_VIEW)
                polls = view["polls"]
                wait_page(cdp, lambda v: v["polls"] >= polls + 2, 10, "two polls after the load")
                for _ in range(6):
                    top = max(top, cdp.eval(PAGE_VIEW)["rates"].get("ACK", 0) or 0)
                    cdp.pump(0.1)
            finally:
                if load.poll() is None:
                    os.killpg(load.pid, signal.SIGKILL)
                load.wait()
            summary["traffic_s"] = round(time.monotonic() - t_load, 2)
            summary["page_max_ack_rate"] = top
            if top <= 0:
                raise Failure("the page showed no ACK rate while the load ran")
            log(f"ok: page charted up to {top} ACK/s during the load")

        # Figures against the server's own answers; the page polls every 1.5 s, so allow it
        # a few polls to catch up with a value that just changed.
        diffs = []
        for _ in range(4):
            status, stats = api("status-get"), api("statistic-get-all")
            polls = view["polls"]
            view = wait_page(cdp, lambda v: v["polls"] > polls, 10, "a new poll")
            diffs = compare(view, status, stats)
            if not diffs:
                break
        if diffs:
            raise Failure("page differs from the server: " + "; ".join(diffs))
        summary["stats_compared"] = len(view["stats"])
        log(f"ok: both peers and {len(view['stats'])} figures match status-get and statistic-get-all")
        if view["verdict"] != "healthy":
            raise Failure(f"verdict {view['verdict']} for a healthy pair")
        if not any("load-balancing" in h for h in view["history"]):
            raise Failure(f"state history does not show load-balancing: {view['history']}")
        log(f"ok: healthy verdict, history {view['history'][:3]}")

        for spec in a.lease:
            kind, text, address = spec.split("=", 2)
            search(cdp, kind, text, address)
        if a.screenshot:
            screenshot(cdp, a.screenshot + "-healthy.png")

        # Failover: kill the partner, follow the survivor's status-get and the page together.
        os.kill(a.kill_pid, signal.SIGKILL)
        t_kill = time.monotonic()
        log(f"killed pid {a.kill_pid}")
        server_down = page_down = None
        end = t_kill + a.failover_within
        while time.monotonic() < end and page_down is None:
            if server_down is None:
                s = api("status-get")["arguments"]["high-availability"][0]["ha-servers"]["local"]["state"]
                if s == "partner-down":
                    server_down = time.monotonic()
            v = cdp.eval(PAGE_VIEW)
            if (v["local"] and v["local"]["state"] == "partner-down" and v["remote"]
                    and v["remote"]["state"].startswith("unreachable") and v["verdict"] == "degraded"):
                page_down = time.monotonic()
                view = v
                break
            cdp.pump(0.2)
        if page_down is None:
            raise Failure(f"page did not show partner-down within {a.failover_within} s of the kill: "
                          f"{json.dumps(cdp.eval(PAGE_VIEW))[:1500]}")
        if server_down is None:
            server_down = page_down
        summary["server_partner_down_s"] = round(server_down - t_kill, 2)
        summary["page_partner_down_s"] = round(page_down - t_kill, 2)
        summary["page_lag_s"] = round(page_down - server_down, 2)
        log(f"ok: page shows partner-down {summary['page_partner_down_s']} s after the kill "
            f"(server {summary['server_partner_down_s']} s), remote {view['remote']}")
        if page_down - server_down > a.page_lag_max:
            raise Failure(f"page followed the server {page_down - server_down:.1f} s late")
        if not any("partner-down" in h for h in view["history"]):
            raise Failure(f"history does not show partner-down: {view['history']}")
        cdp.pump(0.5)
        if a.screenshot:
            screenshot(cdp, a.screenshot + "-failover.png")
        if cdp.errors:
            raise Failure("console errors: " + " | ".join(cdp.errors[:10]))
        summary["console_errors"] = 0
        summary["cdp_events"] = cdp.events
        summary["ok"] = True
        print(json.dumps(summary), flush=True)
        return 0
    except Failure as e:
        log(f"FAIL: {e}")
        summary["ok"] = False
        summary["error"] = str(e)
        print(json.dumps(summary), flush=True)
        return 1
    finally:
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # Chromium and its helpers: its own group
            except ProcessLookupError:
                pass
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
