#!/usr/bin/python3
"""Runs `kea-dhcp4 -t` and `tandemd -t` on every config of the corpus of operators' real
kea-dhcp4 files (tests/config/data/corpus, sources in its MANIFEST) and compares them.

For each file it prints whether Kea 2.2 accepts it, whether tandemd accepts it, and tandemd's
warnings that say something is ignored / not evaluated / not supported; then a summary with
the share of Kea-accepted configs that tandemd loads cleanly (accepted, no such warning).

Both programs see the same input. Only environment-bound details are adapted, identically for
both, in a copy under the work directory:
  - an absolute <?include "/x/y.json"?> becomes the companion file includes/y.json of the
    corpus (relative includes resolve against the work directory, where includes/ is copied);
  - a hook library path that does not exist here becomes the installed Kea 2.2 library of the
    same name when there is one (Kea's -t loads the libraries; tandemd only reads the name);
  - every interface the file names (interfaces-config, a subnet's "interface") exists: both
    programs run in a private network namespace (`unshare -rn`, no root needed) holding a veth
    of that name, with the address of an "eth0/192.0.2.1" entry.

Exit status: 0 when every config Kea accepts loads cleanly in tandemd, or is listed in the
expected-results file with the missing feature, and tandemd's output names that feature;
1 otherwise. Listed configs that now load cleanly are reported (tighten the list).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

# tandemd warnings that mean "this part of your config has no effect here".
IGNORED_KIND = re.compile(r"ignored|not evaluated|not supported|not implemented|no effect", re.I)
KEA_HOOKS_DIRS = ["/usr/lib/x86_64-linux-gnu/kea/hooks", "/usr/lib/kea/hooks", "/usr/lib64/kea/hooks"]


def read_expected(path):
    """Lines: <file> <feature-token[|next-token...]> [owner and notes...]. '#' starts a comment."""
    expected = {}
    if not os.path.exists(path):
        return expected
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if len(parts) < 2:
            sys.exit(f"{path}:{n}: expected '<file> <feature> [owner/notes]'")
        expected[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else "")
    return expected


def adapt(text, includes_dir):
    """The environment adaptations described above; returns (text, interfaces)."""
    def include(m):
        target = m.group(2)
        if os.path.isabs(target):
            target = os.path.join(includes_dir, os.path.basename(target))
        return f'{m.group(1)}"{target}"?>'
    text = re.sub(r'(<\?include\s*)"([^"]*)"\s*\?>', include, text)

    def library(m):
        lib = m.group(2)
        if not os.path.exists(lib):
            for d in KEA_HOOKS_DIRS:
                cand = os.path.join(d, os.path.basename(lib))
                if os.path.exists(cand):
                    lib = cand
                    break
        return f'{m.group(1)}"{lib}"'
    text = re.sub(r'("library"\s*:\s*)"([^"]*)"', library, text)

    names = []
    for m in re.finditer(r'"interfaces"\s*:\s*\[([^\]]*)\]', text):
        names += re.findall(r'"([^"]*)"', m.group(1))
    names += re.findall(r'"interface"\s*:\s*"([^"]*)"', text)
    interfaces = {}
    for n in names:
        name, _, addr = n.partition("/")
        if name in ("", "*") or len(name) > 15 or not re.fullmatch(r"[A-Za-z0-9_.:@-]+", name):
            continue
        interfaces.setdefault(name, set())
        if addr:
            interfaces[name].add(addr)
    return text, interfaces


def in_netns(interfaces, argv):
    """argv run in a fresh user+network namespace holding the given interfaces."""
    setup = ["ip link set lo up"]
    for i, (name, addrs) in enumerate(sorted(interfaces.items())):
        setup.append(f"ip link add '{name}' type veth peer name tcpeer{i}")
        setup.append(f"ip link set '{name}' up")
        for a in sorted(addrs):
            setup.append(f"ip addr add '{a}/24' dev '{name}'")
    script = " && ".join(setup) + ' && exec "$@"'
    return ["unshare", "-rn", "sh", "-c", script, "sh"] + argv


def run(argv, env, cwd):
    try:
        p = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=60, text=True, errors="replace")
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired:
        return 124, "timed out"


def first_error(output, kind):
    lines = output.splitlines()
    if kind == "kea":
        for l in lines:
            if "failed" in l.lower() or "error" in l.lower():
                return re.sub(r"^.*?(Syntax check failed with: |Error encountered: )", "", l).strip()
    else:
        for l in lines:
            if l.startswith("tandemd: ") and "warning:" not in l:
                return l[len("tandemd: "):].strip()
    return lines[-1].strip() if lines else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--tandemd", required=True)
    ap.add_argument("--kea", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()

    expected = read_expected(args.expected)
    files = sorted(f for f in os.listdir(args.corpus) if f.endswith((".conf", ".json")))
    shutil.copytree(os.path.join(args.corpus, "includes"), os.path.join(args.work, "includes"), dirs_exist_ok=True)
    for f in os.listdir(os.path.join(args.work, "includes")):
        shutil.copy(os.path.join(args.work, "includes", f), args.work)  # relative includes
    env = dict(os.environ, KEA_PIDFILE_DIR=args.work, KEA_LOCKFILE_DIR=args.work, KEA_LOGGER_DESTINATION="stdout")

    kea_ok = clean = 0
    failures, expected_hits, now_clean = [], [], []
    unknown = set(expected) - set(files)
    manifest = os.path.join(args.corpus, "MANIFEST")
    listed = {l.split()[0] for l in open(manifest, encoding="utf-8") if l.strip() and not l.startswith("#")}
    for f in sorted(set(files) - listed):
        failures.append(f"{f} has no source line in MANIFEST")
    if len(files) < 60:
        failures.append(f"only {len(files)} configs in the corpus (at least 60 expected)")
    for f in files:
        text, ifaces = adapt(open(os.path.join(args.corpus, f), encoding="utf-8").read(),
                             os.path.join(args.work, "includes"))
        path = os.path.join(args.work, f)
        open(path, "w", encoding="utf-8").write(text)
        krc, kout = run(in_netns(ifaces, [args.kea, "-t", path]), env, args.work)
        trc, tout = run(in_netns(ifaces, [args.tandemd, "-t", path]), env, args.work)
        warns = [l.split("warning: ", 1)[1] for l in tout.splitlines()
                 if "warning: " in l and IGNORED_KIND.search(l)]
        status = "clean" if trc == 0 and not warns else ("warns" if trc == 0 else "REFUSED")
        print(f"{f}: kea={'accepts' if krc == 0 else 'refuses'} tandemd={'accepts' if trc == 0 else 'refuses'}"
              f"{' (' + str(len(warns)) + ' ignored-kind warnings)' if warns else ''}")
        if krc != 0:
            print(f"    kea: {first_error(kout, 'kea')[:200]}")
        if trc != 0:
            for l in [l for l in tout.splitlines() if l.startswith("tandemd: ") and "warning:" not in l][:4]:
                print(f"    tandemd: {l[len('tandemd: '):][:200]}")
        for w in warns:
            print(f"    tandemd warning: {w[:200]}")
        if krc != 0:
            continue
        kea_ok += 1
        if status == "clean":
            clean += 1
            if f in expected:
                now_clean.append(f)
            continue
        if f in expected:
            feature, owner = expected[f]
            # "a|b": the config waits for a, then for b (its next missing feature).
            if any(alt.lower() in tout.lower() for alt in feature.split("|")):
                expected_hits.append(f"{f}: {feature} ({owner})")
            else:
                failures.append(f"{f}: listed as missing '{feature}', but tandemd's output does not name it")
        else:
            failures.append(f"{f}: Kea accepts it, tandemd {'refuses it' if trc else 'warns that parts are ignored'}")

    pct = 100.0 * clean / kea_ok if kea_ok else 0.0
    print()
    for e in expected_hits:
        print(f"expected (feature missing): {e}")
    for f in now_clean:
        print(f"now clean, remove from {os.path.basename(args.expected)}: {f}")
    for u in sorted(unknown):
        failures.append(f"{os.path.basename(args.expected)} lists {u}, which is not in the corpus")
    tally = {}
    for e in expected_hits:
        feature = e.split(": ", 1)[1].split(" (", 1)[0]
        tally[feature] = tally.get(feature, 0) + 1
    if tally:
        print("missing features (configs waiting): " +
              ", ".join(f"{k} {v}" for k, v in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))))
    for msg in failures:
        print(f"FAIL: {msg}")
    print(f"SUMMARY: {len(files)} configs, Kea 2.2 accepts {kea_ok}, tandemd loads {clean} of them cleanly "
          f"({pct:.0f}%), {len(expected_hits)} expected (feature listed), {len(failures)} unexpected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
