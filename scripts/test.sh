#!/usr/bin/env bash
# Builds if needed, then runs the whole GoogleTest suite through ctest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build -j"${NAS_BUILD_JOBS:-$(nproc)}"
cd build
# --timeout: any test without a limit of its own fails after ten minutes rather than hanging CI.
ctest --output-on-failure --timeout 600 -j"${NAS_TEST_JOBS:-2}" "$@"
