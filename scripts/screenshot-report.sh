#!/usr/bin/env bash
# Takes a full-page screenshot of a run's report.html in headless Chromium,
# to look at the report as a reader would, whatever its height.
#
#   scripts/screenshot-report.sh output/default          # writes output/default/report.png
#   scripts/screenshot-report.sh output/default 1400     # window width in pixels
#
# Chromium's --screenshot captures the window, not the page, so the window
# starts tall and doubles until the page ends inside it; the blank below
# the page is then cut off.
#
# Needs Debian's chromium package (`apt-get install chromium`) and Python
# with Pillow (`pip install pillow`). The flags keep Chromium off the
# network: the report must render offline.
set -euo pipefail
run_dir=${1:?usage: $0 OUTPUT_FOLDER [WIDTH]}
width=${2:-1200}
report="$(cd "$run_dir" && pwd)/report.html"
[ -f "$report" ] || { echo "no report.html in $run_dir (run bonfire first)" >&2; exit 1; }
profile=$(mktemp -d)
shot="$profile/shot.png"
trap 'rm -rf "$profile"' EXIT
height=4000
while :; do
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile/user" --hide-scrollbars \
    --window-size="$width,$height" --screenshot="$shot" \
    "file://$report" 2>/dev/null
  # Exit 0 with the page cut to its end; 3 when the page runs on below.
  if python3 - "$shot" "$run_dir/report.png" <<'EOF'
import sys
from PIL import Image, ImageChops
shot = Image.open(sys.argv[1]).convert("RGB")
blank = Image.new("RGB", shot.size, (255, 255, 255))
box = ImageChops.difference(shot, blank).getbbox()
bottom = box[3] if box else 0
if bottom > shot.height - 40:
    sys.exit(3)
shot.crop((0, 0, shot.width, min(shot.height, bottom + 40))).save(sys.argv[2])
EOF
  then
    break
  fi
  if [ "$height" -ge 128000 ]; then
    echo "report.html is taller than $height pixels" >&2
    exit 1
  fi
  height=$((height * 2))
done
echo "wrote $run_dir/report.png"
