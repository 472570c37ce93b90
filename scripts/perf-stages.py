#!/usr/bin/python3
"""Splits a `perf record -g` profile of a DHCP server into the stages of its packet path.

Reads `perf script -F tid,ip,sym` on stdin. Kernel stacks are complete, user stacks are not
(no frame pointers), so a sample is classed by the system call it is in (the kernel frame
__x64_sys_NAME), else as a page fault or an interrupt, else by its user-space leaf function
(malloc/free, the rest). Prints each stage's share of the samples and, given the server's CPU
seconds and the DORAs completed, its microseconds per DORA.

usage: perf script -i perf.data -F tid,ip,sym | perf-stages.py CPU_SECONDS DORAS
"""
import re
import sys
from collections import Counter

STAGES = [
    ("receive (recvmmsg/recvfrom/read)", {"recvmmsg", "recvmsg", "recvfrom", "read"}),
    ("send (sendmmsg/sendto: incl. the veth delivery)", {"sendmmsg", "sendmsg", "sendto", "write_packet"}),
    ("wait for packets (epoll_wait/select)", {"epoll_wait", "epoll_pwait", "select", "pselect6", "poll", "ppoll"}),
    ("epoll_ctl", {"epoll_ctl"}),
    ("lease file write()", {"write", "writev", "pwrite64"}),
    ("lease file fdatasync()", {"fdatasync", "fsync"}),
    ("futex (thread hand-off)", {"futex"}),
    ("timers (timerfd)", {"timerfd_settime"}),
]
SYS = re.compile(r"__(?:x64|ia32)_sys_(\w+)")


def main():
    cpu = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
    doras = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    counts = Counter()
    total = 0
    sample = []

    def flush():
        nonlocal total
        if not sample:
            return
        total += 1
        counts[classify(sample)] += 1
        sample.clear()

    for line in sys.stdin:
        if not line.strip():
            flush()
            continue
        if not line.startswith(("\t", " ")):
            flush()
            continue
        parts = line.split(None, 1)
        sample.append((parts[0], parts[1].strip() if len(parts) > 1 else ""))
    flush()
    if not total:
        print("no samples")
        return
    width = max(len(n) for n in counts)
    for name, n in counts.most_common():
        us = cpu * 1e6 * n / total / doras if doras else 0
        print(f"  {name:<{width}} {100.0 * n / total:5.1f} %  {us:6.1f} us/DORA")


def classify(frames):
    kernel = [s for ip, s in frames if ip.startswith("ffff")]
    for s in kernel:
        m = SYS.match(s)
        if m:
            name = m.group(1)
            for stage, names in STAGES:
                if name in names:
                    return stage
            return "other system calls (" + name + ")"
    if kernel:
        if any("page_fault" in s for s in kernel):
            return "page faults"
        return "kernel: interrupts, softirq, scheduling"
    leaf = frames[0][1] if frames else ""
    # A sample in a libc system call wrapper belongs to that call's stage.
    bare = leaf.lstrip("_")
    for stage, names in STAGES:
        if bare in names:
            return stage
    if re.search(r"malloc|free|operator new|operator delete|_int_|tcache", leaf):
        return "user: malloc/free"
    if leaf.startswith("__mem") or leaf.startswith("__str"):
        return "user: memcpy/memset/str*"
    return "user: the rest (decode, engine, store, encode...)"


if __name__ == "__main__":
    main()
