#!/usr/bin/env bash
# Renders nas-report's HTML page in a real browser (Debian's chromium, headless) and saves a
# screenshot to look at. Not part of ctest: it needs chromium, which most machines lack.
#
#   scripts/check-report-html.sh [BUILD_DIR] [OUT_DIR]
#
# BUILD_DIR (default build-report) must hold nas-report and nas_core_tests; the experiment
# fixtures come from the ReportFixture.WriteWhenAsked test. OUT_DIR (default a temp folder)
# receives report.html and report.png.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build-report}"
out="${2:-$(mktemp -d /tmp/nas-report-html.XXXXXX)}"
experiment=20261128-010000-3e30

browser=""
for candidate in chromium chromium-browser; do
  if command -v "$candidate" >/dev/null 2>&1; then browser="$candidate"; break; fi
done
if [[ -z "$browser" ]]; then
  echo "check-report-html: chromium is not installed (apt-get install chromium); skipping"
  exit 0
fi
for binary in nas-report nas_core_tests; do
  if [[ ! -x "$build/$binary" ]]; then
    echo "check-report-html: $build/$binary not built" \
         "(cmake --build $build --target nas-report nas_core_tests)" >&2
    exit 1
  fi
done

mkdir -p "$out"
fixtures="$out/experiments"
NAS_REPORT_FIXTURE_DIR="$fixtures" "$build/nas_core_tests" \
  --gtest_filter='ReportFixture.WriteWhenAsked' >/dev/null
"$build/nas-report" --experiment-dir "$fixtures" "$experiment" --html "$out/report.html" \
  >/dev/null 2>&1

# The page must hold both charts before a screenshot is worth taking.
svgs=$(grep -c '<svg ' "$out/report.html" || true)
if [[ "$svgs" -ne 2 ]]; then
  echo "check-report-html: expected 2 <svg> charts in $out/report.html, found $svgs" >&2
  exit 1
fi

# Chromium prints harmless D-Bus and GPU noise; keep it out of the way unless it fails.
if ! timeout 120 "$browser" --headless --disable-gpu --no-sandbox --hide-scrollbars \
    --screenshot="$out/report.png" --window-size=1200,2600 "file://$out/report.html" \
    >"$out/chromium.log" 2>&1; then
  echo "check-report-html: chromium failed; see $out/chromium.log" >&2
  exit 1
fi
if [[ ! -s "$out/report.png" ]]; then
  echo "check-report-html: no screenshot written; see $out/chromium.log" >&2
  exit 1
fi
echo "check-report-html: wrote $out/report.html and $out/report.png; look at the PNG"
