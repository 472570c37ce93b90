#!/usr/bin/env python3
"""Misbehaving control-channel clients for tests/integration/robust_api_bad_input_test.sh.

  robust-api-client.py unix-send PATH FILE
      Sends FILE's bytes over the UNIX socket (tolerating the server closing early, e.g. on a
      body over its limit), then reads the answer until EOF. Prints the answer text.
  robust-api-client.py slow-unix PATH MAX_SECONDS
  robust-api-client.py slow-http HOST PORT MAX_SECONDS
      A slow client: sends the start of a request, then one more byte per second without ever
      completing it (so a per-read timeout would never fire). Prints "closed-after <s>" when
      the server closes the connection, or "open-after <s>" if it is still open after
      MAX_SECONDS (a server that lets slow clients pin connections).
  robust-api-client.py raw-http HOST PORT FILE
      Sends FILE's bytes as-is over TCP, prints the first response line (or "closed").
"""
import socket
import sys
import time


def read_all(s, timeout):
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    except OSError:
        pass
    return data


def unix_send(path, file):
    payload = open(file, "rb").read()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    try:
        off = 0
        while off < len(payload):
            off += s.send(payload[off:off + 65536])
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the server answered and closed before taking everything: read its answer
    sys.stdout.write(read_all(s, 30).decode("utf-8", "replace"))
    return 0


def slow(sock, first, max_s):
    start = time.monotonic()
    sock.settimeout(1.0)
    try:
        sock.sendall(first)
    except OSError:
        print(f"closed-after {time.monotonic() - start:.1f}")
        return 0
    while time.monotonic() - start < max_s:
        try:
            data = sock.recv(4096)
            if not data:
                print(f"closed-after {time.monotonic() - start:.1f}")
                return 0
            # An answer (an error about the partial request) followed by a close is fine too.
            continue
        except socket.timeout:
            pass
        except OSError:
            print(f"closed-after {time.monotonic() - start:.1f}")
            return 0
        try:
            sock.send(b" ")
        except OSError:
            print(f"closed-after {time.monotonic() - start:.1f}")
            return 0
    print(f"open-after {time.monotonic() - start:.1f}")
    return 0


def main():
    mode = sys.argv[1]
    if mode == "unix-send":
        return unix_send(sys.argv[2], sys.argv[3])
    if mode == "slow-unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[2])
        return slow(s, b'{"command": "status-get", "arguments": {"x": "', float(sys.argv[3]))
    if mode == "slow-http":
        s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=10)
        return slow(s, b"POST / HTTP/1.1\r\nHost: tandemd\r\nContent-Type: application/json\r\nX-Slow: ",
                    float(sys.argv[4]))
    if mode == "raw-http":
        s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=10)
        try:
            s.sendall(open(sys.argv[4], "rb").read())
        except OSError:
            pass
        data = read_all(s, 15)
        print(data.split(b"\r\n", 1)[0].decode("latin-1") if data else "closed")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
