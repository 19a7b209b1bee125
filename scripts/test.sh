#!/usr/bin/env bash
# Checks the formatting, builds if needed, then runs the whole GoogleTest suite through ctest.
# --build-dir DIR tests that build (default build); --torch pip|debian|auto configures it for that
# LibTorch first (scripts/configure.sh); without --torch a configured folder keeps its LibTorch
# and a new one gets auto's. Other arguments go to ctest (e.g. -R Model). Tests labelled peer
# (other programs from PyPI as references: ONNX Runtime) run only with --peer, or alone with -L peer.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build_dir=build
torch=""
ctest_args=()
peer=0
while [ $# -gt 0 ]; do
  case "$1" in
    --peer) peer=1; shift ;;
    --build-dir) [ $# -ge 2 ] || { echo "test: --build-dir needs a folder" >&2; exit 2; }
                 build_dir=$2; shift 2 ;;
    --torch) [ $# -ge 2 ] || { echo "test: --torch needs pip, debian or auto" >&2; exit 2; }
             torch=$2; shift 2 ;;
    *) ctest_args+=("$1"); shift ;;
  esac
done
# Formatting first: one style (.clang-format), checked with the clang-format Debian 12 ships, so
# every machine agrees on it. `clang-format-14 -i FILE` fixes a file.
format=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$format" ]; then
  echo "test: clang-format not found (apt-get install clang-format, or scripts/setup.sh)" >&2
  exit 1
fi
if [ -d .git ]; then
  sources=$(git ls-files '*.cpp' '*.hpp')
else
  sources=$(find include src tests -name '*.cpp' -o -name '*.hpp')
fi
# shellcheck disable=SC2086
if ! "$format" --dry-run -Werror $sources 2>"${TMPDIR:-/tmp}/nas-format.$$"; then
  grep -o '^[^:]*:[0-9]*' "${TMPDIR:-/tmp}/nas-format.$$" | sort -u | head -20 >&2
  rm -f "${TMPDIR:-/tmp}/nas-format.$$"
  echo "test: these lines are not clang-formatted: run $format -i on their files" >&2
  exit 1
fi
rm -f "${TMPDIR:-/tmp}/nas-format.$$"

if [ -n "$torch" ] || [ ! -f "$build_dir/build.ninja" ]; then
  bash scripts/configure.sh --torch "${torch:-${NAS_TORCH:-auto}}" --build-dir "$build_dir"
fi
cmake --build "$build_dir" -j"${NAS_BUILD_JOBS:-$(nproc)}"
cd "$build_dir"
if [ $peer = 0 ] && [[ " ${ctest_args[*]-} " != *" -L "* ]]; then ctest_args+=(-LE peer); fi
# --timeout: any test without a limit of its own fails after ten minutes rather than hanging CI.
ctest --output-on-failure --timeout 600 -j"${NAS_TEST_JOBS:-2}" ${ctest_args[@]+"${ctest_args[@]}"}
