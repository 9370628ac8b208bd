#!/usr/bin/env python3
"""Where the session kernel's instructions go, step by step.

Every step of the kernel is inlined into one function compiled with AVX2
(`bonfire::kernel::lanes::with_avx2`), so a profiler's list of functions
shows one line for the whole session. This script charges each counted
instruction to the functions it was inlined from (the debug information's
inline chain, as `addr2line -i` reads it) and sums the counts by the
first DEPTH of them inside the kernel's entry; what runs outside it is
listed by its outermost function.

    valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=/tmp/year.cg \\
        target/release/bonfire run benches/year_10k.toml --threads 1 --quiet \\
        --no-charts --out /tmp/year_10k --force
    python3 scripts/kernel-profile.py /tmp/year.cg target/release/bonfire 3
    python3 scripts/kernel-profile.py /tmp/year.cg target/release/bonfire 5 floor

The optional last argument keeps only the lines that name it (every such
line, not the first 40).

Needs valgrind's callgrind output made with `--dump-instr=yes` (and
callgrind's default line numbers beside the addresses), and
`addr2line` (binutils). The release profile keeps debug information.
"""
import collections
import re
import subprocess
import sys

ENTRY = "kernel::lanes::with_avx2"


def self_counts(path):
    """Instructions counted at each address of the bonfire binary."""
    counts, objects = collections.Counter(), {}
    address, after_call, in_binary = 0, False, False
    for line in open(path):
        if line.startswith(("ob=", "cob=")):
            m = re.match(r"c?ob=\((\d+)\)(.*)", line)
            if m.group(2).strip():
                objects[m.group(1)] = m.group(2).strip()
            if line.startswith("ob="):
                in_binary = "bonfire" in objects.get(m.group(1), "")
            continue
        if line.startswith("calls="):
            after_call = True  # the next cost line is the call's, inclusive
            continue
        if line[:1] and line[0] in "0123456789+-*":
            fields = line.split()
            token = fields[0]
            if token == "*":
                pass
            elif token[0] in "+-":
                address += int(token, 0)
            else:
                address = int(token, 0)
            if after_call:
                after_call = False
            elif in_binary and len(fields) >= 3:
                counts[address] += int(fields[2])
    return counts


def inline_chains(binary, addresses):
    """Each address's functions, outermost first."""
    text = "\n".join(hex(a) for a in addresses)
    out = subprocess.run(
        ["addr2line", "-i", "-f", "-C", "-a", "-e", binary],
        input=text, capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    chains, current, frames, i = {}, None, [], 0
    while i < len(out):
        if out[i].startswith("0x"):
            if current is not None:
                chains[current] = frames
            current, frames = int(out[i], 16), []
            i += 1
        else:
            frames.append(re.sub(r"<.*?>", "", out[i]))
            i += 2  # a function's name, then its file and line
    if current is not None:
        chains[current] = frames
    return {a: list(reversed(f)) for a, f in chains.items()}


def short(name):
    parts = name.split("::")
    return "::".join(parts[-2:])


def main():
    path, binary = sys.argv[1], sys.argv[2]
    depth = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    only = sys.argv[4] if len(sys.argv) > 4 else None
    counts = self_counts(path)
    chains = inline_chains(binary, sorted(counts))
    total = sum(counts.values())
    by_step = collections.Counter()
    for address, count in counts.items():
        names = chains.get(address, ["?"])
        inside = [i for i, n in enumerate(names) if ENTRY in n]
        if inside:
            below = names[inside[-1] + 1:inside[-1] + 1 + depth]
            key = " > ".join(short(n) for n in below) or "(the entry itself)"
        else:
            key = "(outside the kernel) " + short(names[0])
        by_step[key] += count
    print(f"{total:>14,} instructions in the binary")
    lines = by_step.most_common(None if only else 40)
    for key, count in lines:
        if only and only not in key:
            continue
        print(f"{count:>14,} {100 * count / total:5.1f}%  {key}")


if __name__ == "__main__":
    main()
