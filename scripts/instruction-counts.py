#!/usr/bin/env python3
"""The 10,000-member year's instructions, bare, with every output on, and by group size.

Counts the instructions of the two instruction-count benchmarks
(`benches/year_10k.toml`, `benches/year_10k_all_outputs.toml`) under
valgrind's callgrind on one thread, as the README's Performance section
does by hand, and prints each run's count, instructions per
member-session and what every output costs over bare; then bare's
count with the same 10,000 members in groups of 5, 10, 20 and 40, and
the least-squares line a + b·k through them:

    python3 scripts/instruction-counts.py [--check] [--binary PATH]

With `--check` it also holds them to the limits of
`benches/instruction-limits.toml` and exits 1, naming the figure, where
one is over: CI runs it so, after the tests, so that a change that makes
the session dearer fails there rather than in a later measurement. An
instruction count does not move with the machine's load (the same binary
counts the same to within a few thousand), but the linker's placement of
the same code has moved it by up to 0.7% from one build to the next: the
limits leave room for that, and no more than about 2%.

Builds the release binary first (`cargo build --release --locked`) unless
`--binary` names one. Needs valgrind.
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
BARE = ROOT / "benches" / "year_10k.toml"
EVERY_OUTPUT = ROOT / "benches" / "year_10k_all_outputs.toml"
LIMITS = ROOT / "benches" / "instruction-limits.toml"
# The group sizes of the growth by group size (the README's table).
GROUP_SIZES = (5, 10, 20, 40)


def member_sessions(scenario):
    """Members times sessions: the benchmark's groups, its group size and
    its control members (every one of which is present from the start), over
    its sessions."""
    with open(scenario, "rb") as f:
        s = tomllib.load(f)
    community = s["community"]
    members = community["groups"] * community["group_size"]
    members += community.get("control_members", 0)
    return members * s["format"]["sessions"]


def instructions(binary, scenario, out):
    """The instructions callgrind counts for one run of `scenario` on one
    thread, every output to `out`."""
    done = subprocess.run(
        [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/callgrind.out",
            str(binary), "run", str(scenario), "--threads", "1", "--quiet",
            "--no-charts", "--out", f"{out}/run", "--force",
        ],
        capture_output=True, text=True,
    )
    if done.returncode != 0:
        sys.exit(f"{scenario.name}: the run under valgrind failed:\n{done.stderr}")
    found = re.search(r"Collected : (\d+)", done.stderr)
    if not found:
        sys.exit(f"{scenario.name}: no instruction count in valgrind's output:\n{done.stderr}")
    return int(found.group(1))


def by_group_size(binary, sessions, bare):
    """Each group size's count: the bare benchmark with its 10,000 members
    in groups of 5, 10, 20 and 40 (its `groups` and `group_size` changed),
    the same member-sessions; its own size's is `bare`."""
    text = BARE.read_text()
    with open(BARE, "rb") as f:
        community = tomllib.load(f)["community"]
    own = community["group_size"]
    members = community["groups"] * own
    counts = {}
    for k in GROUP_SIZES:
        if k == own:
            counts[k] = bare
            continue
        scenario = re.sub(r"(?m)^groups = \d+$", f"groups = {members // k}", text)
        scenario = re.sub(r"(?m)^group_size = \d+$", f"group_size = {k}", scenario)
        with tempfile.TemporaryDirectory() as out:
            path = pathlib.Path(out) / f"year_10k_groups_of_{k}.toml"
            path.write_text(scenario)
            if member_sessions(path) != sessions:
                sys.exit(f"{BARE.name}: its {members} members do not fill groups of {k}")
            counts[k] = instructions(binary, path, out)
    return counts


def least_squares(points):
    """The line a + b·k through `points` (k: value) by least squares."""
    n = len(points)
    mean_k = sum(points) / n
    mean_v = sum(points.values()) / n
    b = sum((k - mean_k) * (v - mean_v) for k, v in points.items()) / sum(
        (k - mean_k) ** 2 for k in points)
    return mean_v - b * mean_k, b


def read_limits():
    """The limits file's three limits: bare's instructions a member-session,
    every output's, and the line (base, slope) by group size.
    A file that cannot be read, or a key missing or of another kind, ends
    the script with the file, the key and what it holds."""
    name = LIMITS.relative_to(ROOT)
    try:
        with open(LIMITS, "rb") as f:
            limits = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        sys.exit(f"{name}: {e}")

    def number(value):
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    wanted = {
        "bare_per_member_session": (number, "a number"),
        "every_output_per_member_session": (number, "a number"),
        "group_size_line": (lambda v: isinstance(v, list) and len(v) == 2
                            and all(map(number, v)), "two numbers, [base, slope]"),
    }
    for key, (fits, kind) in wanted.items():
        if key not in limits:
            sys.exit(f"{name}: no key {key} (wanted {kind})")
        if not fits(limits[key]):
            sys.exit(f"{name}: {key} = {limits[key]!r}, wanted {kind}")
    return (limits["bare_per_member_session"], limits["every_output_per_member_session"],
            limits["group_size_line"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 where a figure is over its limit")
    parser.add_argument("--binary", type=pathlib.Path,
                        help="the bonfire binary (default: build the release one)")
    args = parser.parse_args()
    # Read first, so that a limits file in error fails before the runs.
    limits = read_limits() if args.check else None
    binary = args.binary
    if binary is None:
        subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"],
                       cwd=ROOT, check=True)
        metadata = subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
        target = json.loads(metadata)["target_directory"]
        binary = pathlib.Path(target) / "release" / "bonfire"

    with tempfile.TemporaryDirectory() as bare_out, tempfile.TemporaryDirectory() as every_out:
        bare = instructions(binary, BARE, bare_out)
        every = instructions(binary, EVERY_OUTPUT, every_out)
    sessions = member_sessions(BARE)
    per_member_session = bare / sessions
    ratio = every / bare
    print(f"bare:         {bare:>13,} instructions, {per_member_session:,.1f} a member-session")
    print(f"every output: {every:>13,} instructions, {every / sessions:,.1f} a member-session, "
          f"{ratio:.4f}x bare (the outputs {every - bare:,})")
    by_size = by_group_size(binary, sessions, bare)
    for k, count in by_size.items():
        print(f"groups of {k:>2}: {count:>13,} instructions, "
              f"{count / sessions:,.1f} a member-session")
    a, b = least_squares({k: c / sessions for k, c in by_size.items()})
    print(f"by group size k: about {a:,.0f} + {b:.1f}·k a member-session")
    if not args.check:
        return

    bare_limit, every_limit, (base, slope) = limits
    over = []
    if per_member_session > bare_limit:
        over.append(f"bare: {per_member_session:,.1f} instructions a member-session, "
                    f"over the limit of {bare_limit:,}")
    if every / sessions > every_limit:
        over.append(f"every output: {every / sessions:,.1f} instructions a member-session, "
                    f"over the limit of {every_limit:,}")
    for k, count in by_size.items():
        if count / sessions > base + slope * k:
            over.append(f"groups of {k}: {count / sessions:,.1f} instructions a "
                        f"member-session, over the line {base:,} + {slope}·k")
    for line in over:
        print(f"{LIMITS.relative_to(ROOT)}: {line}", file=sys.stderr)
    if over:
        sys.exit(1)
    print(f"within the limits of {LIMITS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
