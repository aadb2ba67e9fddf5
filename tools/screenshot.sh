#!/usr/bin/env bash
# Screenshot of a report page with Debian's headless Chromium (for the reviewer's check).
# Usage: tools/screenshot.sh reports/2023/referentiel.html /tmp/shot.png [width] [height]
set -euo pipefail
page=$(realpath "$1"); out=$(realpath -m "$2"); w=${3:-1280}; h=${4:-2400}
profile=$(mktemp -d)
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --no-first-run --disable-sync --user-data-dir="$profile" --hide-scrollbars \
  --window-size="$w,$h" --screenshot="$out" "file://$page" 2>/dev/null
rm -rf "$profile"
echo "$out"
