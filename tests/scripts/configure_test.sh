#!/usr/bin/env bash
# What scripts/configure.sh (and so setup.sh and test.sh) says when the LibTorch asked for cannot
# be had: exit 2 for a bad flag, exit 1 with one line naming what is missing and how to get it.
# Nothing here downloads: a stand-in venv holds a fake torch, and the network is cut with unshare
# where this machine allows it (those cases are skipped, and said so, where it does not).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect CODE NEEDLE CMD...: CMD exits CODE and prints one line on stderr containing NEEDLE.
expect() {
  local code=$1 needle=$2 rc
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  if [ "$rc" != "$code" ] || ! grep -qF -- "$needle" "$tmp/err" || [ "$(grep -c . "$tmp/err")" != 1 ]; then
    echo "FAIL: $* -> exit $rc, stderr:"
    sed 's/^/  | /' "$tmp/err"
    failures=$((failures + 1))
  else
    echo "ok: $* -> exit $rc: $(cat "$tmp/err")"
  fi
}

configure=$root/scripts/configure.sh
expect 2 "must be pip, debian, python or auto" bash "$configure" --torch conda --build-dir "$tmp/b"
expect 2 "usage:" bash "$configure" --flavour pip
expect 2 "must be pip, debian or auto" bash "$root/scripts/setup.sh" --torch python
expect 1 "has no torch" env NAS_PYTHON=/bin/false bash "$configure" --torch python --build-dir "$tmp/b"
expect 1 "holds no TorchConfig.cmake" env Torch_DIR="$tmp" bash "$configure" --build-dir "$tmp/b"

# A venv whose torch is not the pinned one, with no network: the pin cannot be installed.
python3 -m venv "$tmp/venv" || { echo "FAIL: python3 -m venv"; exit 1; }
site=$("$tmp/venv/bin/python" -c 'import site; print(site.getsitepackages()[0])')
mkdir -p "$site/torch"
echo "__version__ = '1.0.0+fake'" >"$site/torch/__init__.py"
if unshare -n true 2>/dev/null; then
  expect 1 "has torch 1.0.0): PyPI is unreachable" env NAS_VENV="$tmp/venv" unshare -n \
    bash "$configure" --torch pip --build-dir "$tmp/b"
else
  echo "skipped: no network namespace here (unshare -n needs root)"
fi

# A CUDA torch without nvcc: the fake torch says it is a CUDA build.
cat >>"$site/torch/__init__.py" <<'EOF'
import os as _os
class version:
    cuda = "13.0"
__file__ = _os.path.abspath(__file__)
EOF
if unshare -m true 2>/dev/null; then
  expect 1 "CMake files need nvcc: install the CUDA toolkit" unshare -m bash -c \
    'mount -t tmpfs none /usr/local/cuda 2>/dev/null || true; PATH=/usr/bin:/bin NAS_PYTHON="$1" exec bash "$2" --torch python --build-dir "$3"' \
    _ "$tmp/venv/bin/python" "$configure" "$tmp/b"
else
  echo "skipped: no mount namespace here"
fi

[ "$failures" = 0 ] && echo "all passed" || { echo "$failures failed"; exit 1; }
