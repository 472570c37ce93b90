#!/usr/bin/python3
"""Stands in for systemd's notify socket in package_deb_test.sh.

Binds an AF_UNIX datagram socket (what $NOTIFY_SOCKET names), prints every datagram it gets
as one JSON line, and when a READY=1 arrives checks at that moment that tandemd's control
socket answers a command (version-get) and that the process holds a DHCP socket: systemd
starts what is ordered after the unit on READY=1, so everything must already listen.

usage: package_deb_notify.py NOTIFY_SOCKET CONTROL_SOCKET NETNS OUT_FILE TIMEOUT_S
Stops by itself after TIMEOUT_S, or after STOPPING=1.
"""
import json
import os
import socket
import subprocess
import sys
import time


def control_answers(path):
    """version-get over the UNIX control socket: (ok, text)."""
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(path)
        s.sendall(b'{"command": "version-get"}')
        data = b""
        end = time.monotonic() + 5
        while time.monotonic() < end:
            try:
                data += s.recv(65536)
                json.loads(data)
                break
            except json.JSONDecodeError:
                continue
        s.close()
        answer = json.loads(data)
        return answer.get("result") == 0, answer.get("text", "")
    except (OSError, ValueError) as e:
        return False, str(e)


def dhcp_socket_open(netns, pid):
    """The process holds a UDP or packet socket in its namespace (ss -u -0)."""
    out = subprocess.run(["ip", "netns", "exec", netns, "ss", "-H", "-a", "-p", "-u", "-0"],
                         capture_output=True, text=True, timeout=10).stdout
    return f"pid={pid}," in out


def main():
    notify_path, control_path, netns, out_path, timeout = sys.argv[1:6]
    try:
        os.unlink(notify_path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(notify_path)
    # systemd's notify socket is writable by every service user.
    os.chmod(notify_path, 0o666)
    deadline = time.monotonic() + float(timeout)
    with open(out_path, "w", buffering=1) as out:
        out.write(json.dumps({"listening": notify_path}) + "\n")
        while time.monotonic() < deadline:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                data = sock.recv(4096)
            except socket.timeout:
                break
            fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
            rec = {"t": time.monotonic(), "fields": fields}
            if fields.get("READY") == "1":
                ok, text = control_answers(control_path)
                rec["control_answers"] = ok
                rec["control_text"] = text
                if "MAINPID" in fields:
                    rec["dhcp_socket"] = dhcp_socket_open(netns, fields["MAINPID"])
            out.write(json.dumps(rec) + "\n")
            if fields.get("STOPPING") == "1":
                break
    os.unlink(notify_path)


if __name__ == "__main__":
    main()
