#!/usr/bin/env bash
# Serves the dashboard on sample experiments and photographs it in headless chromium: the
# picture in the README (docs/images/dashboard.png) comes from here. The browser tests in ctest
# check the page; this is for looking at it.
#
#   scripts/dashboard-screenshot.sh [BUILD_DIR] [OUT_DIR]
#
# BUILD_DIR (default build) must hold nas-report and nas_core_tests (the samples come from the
# ReportFixture.WriteWhenAsked test). OUT_DIR (default a temp folder) receives the PNGs.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
out="${2:-$(mktemp -d /tmp/nas-dashboard.XXXXXX)}"
experiment=20261128-010000-3e30

browser=""
for candidate in chromium chromium-browser; do
  if command -v "$candidate" >/dev/null 2>&1; then browser="$candidate"; break; fi
done
if [[ -z "$browser" ]]; then
  echo "dashboard-screenshot: chromium is not installed (scripts/setup.sh --with-browser)" >&2
  exit 1
fi
for binary in nas-report nas_core_tests; do
  if [[ ! -x "$build/$binary" ]]; then
    echo "dashboard-screenshot: $build/$binary not built" >&2
    exit 1
  fi
done

mkdir -p "$out"
fixtures="$out/experiments"
NAS_REPORT_FIXTURE_DIR="$fixtures" "$build/nas_core_tests" \
  --gtest_filter='ReportFixture.WriteWhenAsked' >/dev/null
port=$(( 20000 + RANDOM % 20000 ))
"$build/nas-report" --serve --experiment-dir "$fixtures" --port "$port" >"$out/serve.log" 2>&1 &
server=$!
trap 'kill -INT $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  grep -q "dashboard:" "$out/serve.log" && break
  sleep 0.1
done

shoot() {  # name, address, height
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --virtual-time-budget=5000 --window-size="1400,$3" --screenshot="$out/$1.png" \
    "http://127.0.0.1:$port/$2" >"$out/chromium.log" 2>&1
}
shoot experiment "#/e/$experiment/t/66" 2600
shoot overview "#/e/$experiment" 1250
shoot index "" 700
shoot compare "#/compare/20261128-010000-3e30,20261128-020000-3e00,20261128-030000-1e00" 1100
echo "dashboard-screenshot: wrote $out/{experiment,overview,index,compare}.png; look at them"
