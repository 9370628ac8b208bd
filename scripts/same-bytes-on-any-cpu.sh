#!/usr/bin/env bash
# Results must not depend on the processor: builds bonfire twice, for the
# baseline of this architecture and for this machine's processor with all
# its features (`-C target-cpu=native`: wider vectors, fused multiply-add
# where the compiler may use it), runs scenarios that between them use
# every mechanism, forums, a community network and every output, on one
# thread and on two, and compares every file byte for byte. CI runs it
# after the tests.
#
#   scripts/same-bytes-on-any-cpu.sh
#
# The second build goes to native-cpu/ in the build folder (a full build,
# a few minutes cold). Exits non-zero and names the files that differ if any do.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
cargo build --release --locked --quiet
CARGO_TARGET_DIR="$target/native-cpu" RUSTFLAGS="-C target-cpu=native" \
    cargo build --release --locked --quiet
baseline=$target/release/bonfire
native=$target/native-cpu/release/bonfire
features() { rustc --print cfg "$@" | grep -c target_feature; }
echo "baseline build: $(features) target features; native: $(features -C target-cpu=native)"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for scenario in scenarios/default.toml scenarios/forum.toml \
    scenarios/community_contagion.toml scenarios/group_clusters.toml \
    benches/year_10k_all_outputs.toml; do
    name=$(basename "$scenario" .toml)
    for threads in 1 2; do
        "$baseline" run "$scenario" --threads "$threads" --quiet --no-charts \
            --out "$out/$name-baseline-$threads"
        "$native" run "$scenario" --threads "$threads" --quiet --no-charts \
            --out "$out/$name-native-$threads"
    done
    # The manifest records the binary and the run's time; every other file
    # must match, across builds and thread counts.
    for run in native-1 baseline-2 native-2; do
        if ! diff -r -q -x manifest.json "$out/$name-baseline-1" "$out/$name-$run"; then
            echo "$name: baseline on 1 thread and $run differ" >&2
            status=1
        fi
    done
    echo "$name: the same bytes from both builds on 1 and 2 threads"
done
exit $status
