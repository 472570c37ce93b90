"""What scripts/perf-ha-stages.py and scripts/perf-sync-stages.py both read from `perf script`
output (-F ...,ip,sym,dso --no-inline): one stack frame per indented line, and the system call a
kernel stack entered by."""
import re

# The system call's entry frame: __x64_sys_NAME, or (when that one is not on the stack, e.g.
# sendmsg on some kernels) __sys_NAME / __do_sys_NAME / ksys_NAME.
SYS = re.compile(r"(?:__x64_sys_|__ia32_sys_|__do_sys_|__se_sys_|__sys_|ksys_)(\w+)$")
_DSO = re.compile(r"\(([^()]*)\)\s*$")
_OFFSET = re.compile(r"\+0x[0-9a-f]+$")


def parse_frame(line):
    """'\\t    ffffffff81000000 sym+0x10 ([kernel.kallsyms])' -> (ip, sym, dso)."""
    parts = line.strip().split(None, 1)
    rest = parts[1] if len(parts) > 1 else ""
    dso = ""
    m = _DSO.search(rest)
    if m:
        dso = m.group(1)
        rest = rest[: m.start()].strip()
    return parts[0], _OFFSET.sub("", rest), dso


def entry_syscall(frames):
    """The system call of a sample's kernel frames, or None. The outermost (root-most) entry
    frame wins: sendmmsg calls ___sys_sendmsg inside."""
    kernel = [s for _, s, d in frames if d.startswith("[kernel")]
    for s in reversed(kernel):
        m = SYS.match(s)
        if m:
            return m.group(1)
    return None
