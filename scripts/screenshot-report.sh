#!/usr/bin/env bash
# Takes a full-page screenshot of a run's report.html in headless Chromium,
# to look at the report as a reader would.
#
#   scripts/screenshot-report.sh output/default            # writes output/default/report.png
#   scripts/screenshot-report.sh output/default 1200 6000  # width and height in pixels
#
# Needs Debian's chromium package (`apt-get install chromium`). The flags
# keep Chromium off the network: the report must render offline.
set -euo pipefail
run_dir=${1:?usage: $0 OUTPUT_FOLDER [WIDTH] [HEIGHT]}
width=${2:-1200}
height=${3:-7000}
report="$(cd "$run_dir" && pwd)/report.html"
[ -f "$report" ] || { echo "no report.html in $run_dir (run bonfire first)" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars \
  --window-size="$width,$height" --screenshot="$run_dir/report.png" \
  "file://$report" 2>/dev/null
echo "wrote $run_dir/report.png"
