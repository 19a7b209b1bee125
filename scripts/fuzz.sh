#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz; clang with AddressSanitizer and UBSan) into
# build-fuzz/ and runs each for SECONDS (default 60), starting from its seed corpus in
# tests/fuzz/corpus/<target>. New inputs go to build-fuzz/corpus/<target> (the seeds in the
# repository stay as they are); a crash leaves its input in build-fuzz/findings/ and fails.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      targets: idx cifar architecture records experiment
#                                                       nb201
#
# Needs clang and its libFuzzer runtime (scripts/setup.sh --with-fuzz installs them).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx cifar architecture records experiment nb201)
command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (scripts/setup.sh --with-fuzz)" >&2; exit 1; }

if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNAS_FUZZ=ON >/dev/null
fi
cmake --build build-fuzz -j"${NAS_BUILD_JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}"
mkdir -p build-fuzz/findings
status=0
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  log="build-fuzz/findings/$t.log"
  echo "fuzz: $t for ${seconds}s"
  # -rss_limit_mb: a reader that allocates what a header promises must still stay bounded.
  if ! build-fuzz/fuzz_$t -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="build-fuzz/findings/$t-" -print_final_stats=1 \
      "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    echo "fuzz: $t FOUND A PROBLEM; see $log and build-fuzz/findings/$t-*" >&2
    tail -30 "$log" >&2
    status=1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$log" | sed "s/^/fuzz: $t /" || true
done
exit $status
