#!/bin/bash
# Thread scaling of a release build of bonfire: wall, user and system time,
# minor page faults and context switches of `bonfire run` at each thread
# count, rounds alternating, for
#   year_1m              benches/year_1m.toml (1,000,000 members, bare)
#   year_100k            the same with 100,000 members
#   year_1m_one_session  the 1,000,000 members with one session: building
#                        the community (and freeing it) nearly alone
#   year_1m_all_outputs  benches/year_1m_all_outputs.toml (last round only)
# and every output file's SHA-256 (manifest.json aside) at each thread
# count, which must be the same at every count; with REF=DIR, also the
# same as DIR/NAME-THREADS.sha (the files under OUT/sha of this script
# run elsewhere, e.g. on a 2-core machine).
#
# usage: scripts/thread-scaling.sh [BINARY] [THREADS...]
#   BINARY   default target/release/bonfire (build it with
#            `cargo build --release` first)
#   THREADS  default 1 2 4 8 12 16
# env: OUT (results folder, default output/thread-scaling), WORK (where
#      the runs write, default /dev/shm when it exists: a disk's speed is
#      not what is measured), ROUNDS (default 3), REF (see above).
# Needs python3 (for the resource figures). Prints one line a run and
# writes them to OUT/runs.txt.
set -u
BIN=${1:-target/release/bonfire}
shift || true
THREADS=${*:-1 2 4 8 12 16}
OUT=${OUT:-output/thread-scaling}
ROUNDS=${ROUNDS:-3}
if [ -d /dev/shm ]; then WORK=${WORK:-/dev/shm/bonfire-thread-scaling}; else WORK=${WORK:-/tmp/bonfire-thread-scaling}; fi
[ -x "$BIN" ] || { echo "no executable $BIN: run cargo build --release first" >&2; exit 2; }
mkdir -p "$OUT/sha" "$WORK/scenarios" || exit 2
: > "$OUT/runs.txt"
(nproc; lscpu 2>/dev/null) > "$OUT/machine.txt"

S=$WORK/scenarios
cp benches/year_1m.toml benches/year_1m_all_outputs.toml "$S/"
sed 's/groups = 100000/groups = 10000/; s/^name = .*/name = "year_100k"/' \
  benches/year_1m.toml > "$S/year_100k.toml"
sed 's/sessions = 52/sessions = 1/; s/^name = .*/name = "year_1m_one_session"/' \
  benches/year_1m.toml > "$S/year_1m_one_session.toml"

# The child's figures, from its resource usage.
RUSAGE='
import resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL).returncode
w = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{sys.argv[1]} wall_s {w:.3f} user_s {u.ru_utime:.3f} sys_s {u.ru_stime:.3f} "
      f"minor_faults {u.ru_minflt} voluntary_switches {u.ru_nvcsw} "
      f"peak_rss_kb {u.ru_maxrss} rc {rc}", flush=True)
'

run() { # name threads round
  local name=$1 threads=$2 round=$3 out=$WORK/$1-$2
  rm -rf "$out"
  python3 -c "$RUSAGE" "$name threads $threads round $round" "$BIN" run "$S/$name.toml" \
    --quiet --no-charts --out "$out" --force --threads "$threads" | tee -a "$OUT/runs.txt"
  if [ "$round" = "$ROUNDS" ]; then
    (cd "$out" && sha256sum $(ls | grep -v '^manifest.json$' | sort)) > "$OUT/sha/$name-$threads.sha"
  fi
  rm -rf "$out"
}

run year_100k 2 0 # warm-up
for round in $(seq 1 "$ROUNDS"); do
  for t in $THREADS; do
    for name in year_1m year_100k year_1m_one_session; do run $name "$t" "$round"; done
    [ "$round" = "$ROUNDS" ] && run year_1m_all_outputs "$t" "$round"
  done
done

status=0
for name in year_1m year_100k year_1m_one_session year_1m_all_outputs; do
  first=$(ls "$OUT"/sha/$name-*.sha | head -1)
  for f in "$OUT"/sha/$name-*.sha; do
    cmp -s "$first" "$f" || { echo "DIFFERENT: $f against $first"; status=1; }
  done
  if [ -n "${REF:-}" ]; then
    ref=$(ls "$REF"/$name-*.sha 2>/dev/null | head -1)
    cmp -s "$first" "$ref" || { echo "DIFFERENT from ${ref:-$REF (none)}: $name"; status=1; }
  fi
done
[ $status = 0 ] && echo "every output file the same at threads $THREADS${REF:+ and as in $REF}"
exit $status
