#!/usr/bin/env python3
"""The 10,000-member year's instructions, bare and with every output on.

Counts the instructions of the two instruction-count benchmarks
(`benches/year_10k.toml`, `benches/year_10k_all_outputs.toml`) under
valgrind's callgrind on one thread, as the README's Performance section
does by hand, and prints each run's count, instructions per
member-session and what every output costs over bare:

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 where a figure is over its limit")
    parser.add_argument("--binary", type=pathlib.Path,
                        help="the bonfire binary (default: build the release one)")
    args = parser.parse_args()
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
    print(f"every output: {every:>13,} instructions, {ratio:.4f}x bare "
          f"(the outputs {every - bare:,})")
    if not args.check:
        return

    with open(LIMITS, "rb") as f:
        limits = tomllib.load(f)
    over = []
    if per_member_session > limits["bare_per_member_session"]:
        over.append(f"bare: {per_member_session:,.1f} instructions a member-session, "
                    f"over the limit of {limits['bare_per_member_session']:,}")
    if ratio > limits["every_output_ratio"]:
        over.append(f"every output: {ratio:.4f}x bare, over the limit of "
                    f"{limits['every_output_ratio']}x")
    for line in over:
        print(f"{LIMITS.relative_to(ROOT)}: {line}", file=sys.stderr)
    if over:
        sys.exit(1)
    print(f"within the limits of {LIMITS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
