#!/usr/bin/python3
"""Splits a `perf record --call-graph dwarf` profile of one tandemd of a bulk sync (issue 11:
2,000,000 leases in under 3 s; `PERF_DIR=dir scripts/bench-sync.sh`) into the stages of the
tandem-stream pull, per thread, in CPU seconds, and shows how busy each thread was over time.

Each sample is put in one stage by its stack, innermost user-space frame first (so a page fault
or a malloc counts for the stage that caused it), then by the system call or kernel path:
  puller: read (the answer's JSON scan and unescape; the CSV rows into leases), merge (the
          sync rule against the store), store (the store's indexes and records, its up-front
          sizing), statistics, the journal's queue (rows formatted on the caller's thread),
          the sync's decode thread;
  source: page (the store's page()), CSV rows and answer text;
  both:   HTTP (Beast) and Asio, TLS (OpenSSL), TCP send/receive (kernel), page faults and
          malloc outside those, the lease file writer thread (write, fdatasync, the rest).
Samples are timed (perf's clock): --window FIRST LAST (seconds, perf's clock) keeps only the
samples in between; --bins S prints, per thread, the share of each S-second bin in which it
ran (samples x the period), which tells a CPU-bound thread from one that waits.

usage: perf script -i X.perf.data -F comm,tid,time,ip,sym,dso --no-inline |
       perf-sync-stages.py [--freq HZ] [--bins S] [--window FIRST LAST]
"""
import os
import re
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from perf_stacks import entry_syscall, parse_frame  # noqa: E402

# Innermost matching frame decides (leaf first).
USER_RULES = [
    # Not "LeaseCsv" alone: it matched appendLeaseCsvLine, so the journal's rows on the puller and
    # the answer's rows on the source were counted as reading (session 19); they now fall through
    # to their caller (MemfileJournal::appendAll, leasesToCsv).
    ("read: CSV rows into leases", ("parseLeaseCsvLine", "leasesFromCsvInto", "leasesFromCsv", "LeaseCsvHeader",
                                    "ParallelCsvReader")),
    ("read: answer JSON scan, unescape", ("readSyncPageAnswer", "unescapeJson", "JsonCursor", "readObject",
                                          "readStringMember", "readSyncDoneAnswer")),
    ("merge: sync rule (keepSyncWinners)", ("keepSyncWinners", "keepChangeWinners", "clttAt")),
    ("store: sizing (expectLeases, reserve, rehash)", ("MemoryLeaseStore::reserve", "KeyIndex::rehash",
                                                        "KeyIndex::reserve")),
    ("store: records and indexes", ("MemoryLeaseStore::", "KeyIndex", "AddressIndex")),
    ("journal queue on the caller (rows, lock)", ("MemfileJournal::appendAll", "MemfileJournal::enqueueRows")),
    ("statistics (LeaseWriter::putLeases)", ("StatsRegistry", "scopesOf", "LeaseWriter::putLeases",
                                             "LeaseWriter::count")),
    ("source: page from the store", ("MemoryLeaseStore::page", "materialize")),
    ("source: answer (CSV text, JSON text)", ("syncPageAnswerArgs", "leasesToCsv", "toKeaText", "servePage",
                                              "makeAnswer")),
    ("sync decode thread (other)", ("SyncPageDecoder",)),
]
SIDES = [
    ("HTTP (Beast parser/serialiser, Asio glue)", ("boost::beast", "HttpSession", "PeerConnection",
                                                   "(anonymous namespace)::Connection<", "PeerClient")),
]


def classify(comm, frames):
    syms = [s for _, s, _ in frames]
    stack = "\n".join(syms)
    kernel = [s for _, s, d in frames if d.startswith("[kernel")]
    syscall = entry_syscall(frames)
    if "MemfileJournal::run" in stack or "MemfileJournal::sync" in stack or "MemfileJournal::writeAll" in stack:
        if syscall in ("fdatasync", "fsync"):
            return "lease file writer: fdatasync"
        if syscall in ("write", "pwrite64", "writev"):
            return "lease file writer: write"
        return "lease file writer: rest"
    if any("libssl" in d or "libcrypto" in d for _, _, d in frames):
        return "TLS (OpenSSL)"
    for sym in syms:  # leaf first
        for stage, keys in USER_RULES:
            if any(k in sym for k in keys):
                return stage
    if syscall:
        ktext = "\n".join(kernel)
        if syscall in ("epoll_wait", "epoll_pwait"):
            return "epoll_wait (sleeping, scheduler)"
        if "tcp_sendmsg" in ktext or "tcp_write" in ktext:
            return "TCP send (kernel, incl. delivery to the peer)"
        if "tcp_recvmsg" in ktext or "tcp_read" in ktext:
            return "TCP receive (kernel)"
        if syscall == "futex" or "eventfd" in ktext:
            return "wake-ups (futex, eventfd)"
        if syscall in ("munmap", "mmap", "brk", "madvise", "mremap"):
            return "memory system calls (mmap, munmap, brk)"
        return "other system calls (" + syscall + ")"
    for stage, keys in SIDES:
        if any(k in stack for k in keys):
            return stage
    if kernel:
        if any("page_fault" in s for s in kernel):
            return "page faults (elsewhere)"
        return "kernel: interrupts, softirq, scheduling"
    leaf = syms[0] if syms else ""
    if re.search(r"malloc|free|operator new|operator delete|_int_|tcache|memcpy|memmove|memset", leaf):
        return "malloc/free/memcpy (elsewhere)"
    if "HaService" in stack or "sync::" in stack:
        return "HA service (other)"
    return "the rest (" + (leaf[:60] or "?") + ")"


def main():
    args = sys.argv[1:]
    freq, bins, window = 499.0, 0.0, None
    while args:
        a = args.pop(0)
        if a == "--freq":
            freq = float(args.pop(0))
        elif a == "--bins":
            bins = float(args.pop(0))
        elif a == "--window":
            window = (float(args.pop(0)), float(args.pop(0)))
        else:
            print(__doc__)
            sys.exit(2)
    period = 1.0 / freq
    stages = defaultdict(Counter)  # thread -> stage -> samples
    busy = defaultdict(Counter)  # thread -> bin -> samples
    header = None
    frames = []
    t0 = None

    def flush():
        nonlocal t0
        if header is None or not frames:
            frames.clear()
            return
        comm, tid, t = header
        if window and not (window[0] <= t <= window[1]):
            frames.clear()
            return
        if t0 is None:
            t0 = t
        thread = f"{comm}/{tid}"
        stages[thread][classify(comm, frames)] += 1
        if bins:
            busy[thread][int((t - t0) / bins)] += 1
        frames.clear()

    head = re.compile(r"^(\S.*?)\s+(\d+)\s+(\d+\.\d+):")
    for line in sys.stdin:
        if not line.strip():
            flush()
            continue
        if not line.startswith(("\t", " ")):
            flush()
            m = head.match(line)
            header = (m.group(1), m.group(2), float(m.group(3))) if m else None
            continue
        frames.append(parse_frame(line))
    flush()

    total = Counter()
    for thread, c in stages.items():
        total.update(c)
    width = max((len(k) for k in total), default=10)
    threads = sorted(stages, key=lambda t: -sum(stages[t].values()))
    print(f"  {'stage, CPU seconds':<{width}}" + "".join(f"  {t[-14:]:>14}" for t in threads) + "       all")
    for k in sorted(total, key=lambda k: -total[k]):
        print(f"  {k:<{width}}" + "".join(f"  {stages[t][k] * period:14.3f}" for t in threads) +
              f"  {total[k] * period:8.3f}")
    print(f"  {'total':<{width}}" + "".join(f"  {sum(stages[t].values()) * period:14.3f}" for t in threads) +
          f"  {sum(total.values()) * period:8.3f}")
    if bins:
        print(f"\n  busy share of each {bins:g} s bin (1.00 = ran all of it), from the first sample:")
        for t in threads:
            last = max(busy[t]) if busy[t] else 0
            print(f"  {t[-14:]:>14} " + " ".join(f"{busy[t][b] * period / bins:4.2f}" for b in range(last + 1)))


if __name__ == "__main__":
    main()
