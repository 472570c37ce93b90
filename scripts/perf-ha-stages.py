#!/usr/bin/python3
"""Splits `perf record --call-graph dwarf` profiles of the two peers of a tandemd HA pair into
the stages of the lease update path (issue 11, "a cheap partner"), in microseconds per DORA.

Each sample is put in one stage by its whole stack (dwarf unwinding gives user-space frames
too), the first rule that matches wins:
  - the lease file writer thread (MemfileJournal): write(), fdatasync(), the rest;
  - OpenSSL (libssl/libcrypto frames): TLS of the peer connections;
  - a system call: TCP send / receive of the peer connections (tcp_* kernel frames; the send
    includes the delivery into the partner's socket over the veth), DHCP packet receive / send,
    epoll_wait (sleeping and the scheduler around it), wake-ups (futex, eventfd), epoll_ctl;
  - user space, by the outermost HA function on the stack: the partner's request reader,
    its apply (store, journal queue), its HTTP server (Beast) and answer; the sender's HA
    bookkeeping (per-change callbacks, the state machine), request building, HTTP client
    (Beast), answer reading; else the DHCP packet path; else the rest.
Prints, per peer and for both together, each stage's share and microseconds per DORA, given
each peer's CPU seconds over the recording and the DORAs completed.

usage: perf-ha-stages.py DORAS CPU1 SCRIPT1 [CPU2 SCRIPT2]
  where SCRIPTn = the output of: perf script -i sN.perf.data -F comm,tid,ip,sym,dso --no-inline
"""
import os
import re
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from perf_stacks import entry_syscall, parse_frame  # noqa: E402

# User space: the innermost frame that one of these rules names decides (stage, substrings of
# the frame's symbol), so a callback run from an HTTP completion handler counts for what it
# does, not for the handler that ran it.
USER_RULES = [
    ("partner: read request (CSV rows, no JSON tree)",
     ("readBulkApplyCommand", "bulkApplyRequestOf", "leasesFromCsv", "parseBulkApplyRequest")),
    ("partner: apply (store, journal queue, change history)", ("HaService::applyBulk", "onLeaseWrittenByCommand")),
    ("partner: answer text (toKeaText), command observer", ("serveBulkApplyText", "toKeaText", "observedArguments")),
    ("sender: answer (JSON parse, outcomes)",
     ("finishBatch", "bulkApplyOutcomes", "interpretAnswer", "toPeerAnswer", "parsePeerAnswer")),
    ("sender: build request (CSV rows, JSON text)",
     ("bulkApplyArgs", "bulkApplyBody", "appendLeaseCsvLine", "PeerClient::Impl::send", "PeerClient::Impl::enqueue",
      "makeCommand", "appendJsonString")),
    ("sender: HA bookkeeping (per-change callbacks, state machine, batcher, ack release)",
     ("onLeasesCommitted", "HaService::dispatch", "HaMachine", "UpdateBatcher", "flushBatches", "onHaAck",
      "HaHub::", "DeliveryTracker", "ChangeHistory")),
    ("DHCP packet path (decode, engine, store, encode, parking)",
     ("DhcpPipeline", "PacketLoop", "Engine::", "tandem::engine::", "Packet4", "tandem::proto::", "ReplyParking",
      "LeaseWriter", "PacketSocket", "DhcpSocket")),
]
# Otherwise the side is told by an outer frame: the peer listener's session (partner) or the
# peer client's connection (sender): Beast's parser/serialiser and Asio's glue.
SIDES = [
    ("partner: HTTP server (Beast, Asio glue, dispatch)", ("HttpSession", "ControlEnv::", "CommandRegistry")),
    ("sender: HTTP client (Beast, Asio glue)", ("PeerConnection", "(anonymous namespace)::Connection<", "PeerClient")),
]


def classify(comm, frames):
    syms = [s for _, s, _ in frames]
    stack = "\n".join(syms)
    kernel = [s for _, s, d in frames if d.startswith("[kernel")]
    syscall = entry_syscall(frames)
    if "MemfileJournal" in stack or "LegalLogWriter" in stack or "LeaseCompactor" in stack:
        if "MemfileJournal" not in stack:
            return "other threads (forensic log, lease file cleanup)"
        if syscall in ("fdatasync", "fsync"):
            return "lease file writer: fdatasync"
        if syscall in ("write", "pwrite64", "writev"):
            return "lease file writer: write"
        if syscall == "futex":
            return "lease file writer: futex (waits, wakes)"
        return "lease file writer: rest (rows, scheduling)"
    if any(d.endswith(("libssl.so.3", "libcrypto.so.3")) or "libssl" in d or "libcrypto" in d for _, _, d in frames):
        return "HA TLS (OpenSSL record encrypt/decrypt, handshakes)"
    if syscall:
        ktext = "\n".join(kernel)
        if syscall in ("epoll_wait", "epoll_pwait"):
            return "epoll_wait (sleeping, scheduler)"
        if "tcp_sendmsg" in ktext or "tcp_write" in ktext:
            return "HA TCP send (kernel, incl. delivery to the partner)"
        if "tcp_recvmsg" in ktext or "tcp_read" in ktext:
            return "HA TCP receive (kernel)"
        if syscall in ("recvmmsg", "recvmsg", "recvfrom"):
            return "DHCP receive (kernel)"
        if syscall in ("sendmmsg", "sendmsg", "sendto"):
            return "DHCP send (kernel, incl. delivery)"
        if syscall in ("futex",) or "eventfd" in ktext:
            return "wake-ups (futex, eventfd)"
        if syscall == "epoll_ctl":
            return "epoll_ctl"
        if syscall in ("accept4", "connect", "close", "shutdown", "socket", "setsockopt", "getsockopt"):
            return "HA connections (connect/accept/close)"
        return "other system calls (" + syscall + ")"
    if kernel:
        if any("page_fault" in s for s in kernel):
            return "page faults"
        return "kernel: interrupts, softirq, scheduling"
    for sym in syms:  # leaf first
        for stage, keys in USER_RULES:
            if any(k in sym for k in keys):
                # The partner's store and journal work is the HA's, not the packet path's.
                if stage.startswith("DHCP") and "HaService::applyBulk" in stack:
                    return USER_RULES[1][0]
                return stage
    for stage, keys in SIDES:
        if any(k in stack for k in keys):
            return stage
    leaf = syms[0] if syms else ""
    if re.search(r"malloc|free|operator new|operator delete|_int_|tcache", leaf):
        return "user: malloc/free (not under an HA or DHCP frame)"
    return "user: the rest (asio scheduler, timers, ...)"


def read(path):
    counts = Counter()
    total = 0
    comm = ""
    frames = []

    def flush():
        nonlocal total
        if frames:
            total += 1
            counts[classify(comm, frames)] += 1
        frames.clear()

    with open(path, errors="replace") as f:
        for line in f:
            if not line.strip():
                flush()
                continue
            if not line.startswith(("\t", " ")):
                flush()
                comm = line.split(None, 1)[0]
                continue
            frames.append(parse_frame(line))
    flush()
    return counts, total


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        sys.exit(2)
    doras = int(sys.argv[1])
    peers = []
    args = sys.argv[2:]
    while len(args) >= 2:
        peers.append((float(args[0]), args[1]))
        args = args[2:]
    both = Counter()
    results = []
    for i, (cpu, path) in enumerate(peers, 1):
        counts, total = read(path)
        us = {k: cpu * 1e6 * n / total / doras for k, n in counts.items()} if total and doras else {}
        results.append((i, cpu, total, counts, us))
        for k, v in us.items():
            both[k] += v
    names = sorted(both, key=lambda k: -both[k])
    width = max(len(n) for n in names) if names else 10
    head = f"  {'stage, us per DORA':<{width}}" + "".join(f"  peer{i:<3}" for i, *_ in results) + "    both"
    print(head)
    for n in names:
        row = f"  {n:<{width}}" + "".join(f"  {r[4].get(n, 0):7.1f}" for r in results) + f"  {both[n]:7.1f}"
        print(row)
    tot = f"  {'total (utime+stime per DORA)':<{width}}" + "".join(
        f"  {r[1] * 1e6 / doras if doras else 0:7.1f}" for r in results
    ) + f"  {sum(r[1] for r in results) * 1e6 / doras if doras else 0:7.1f}"
    print(tot)
    print("  samples: " + ", ".join(f"peer{r[0]} {r[2]}" for r in results) + f"; DORAs {doras}")


if __name__ == "__main__":
    main()
