#!/usr/bin/env bash
# Configures a build folder against one LibTorch. setup.sh, test.sh and gpu-check.sh all call it,
# so every way of building nas picks and finds LibTorch the same way.
#
#   scripts/configure.sh [--torch pip|debian|python|auto] [--build-dir DIR]
#   scripts/configure.sh --torch auto --print-choice    # prints pip or debian, changes nothing
#
# pip:    the official LibTorch: PyPI's torch wheel at the version in scripts/torch-version.txt,
#         installed into .venv (NAS_VENV to move it); a CUDA build, so it needs nvcc.
# debian: Debian's libtorch-dev (CPU only), as setup.sh installs it.
# python: the torch of an existing Python ($NAS_PYTHON, default python3), whatever its version:
#         for machines that reach no registry but carry a torch (the lent GPU machine).
# auto:   pip where nvidia-smi lists a GPU; elsewhere Debian's (README, "On a GPU machine").
#         With Torch_DIR set (a LibTorch you already have: .../share/cmake/Torch), auto means
#         that one.
#
# A folder configured against another LibTorch is reconfigured from scratch; one configured
# against the same one is left alone (the build then only rebuilds what changed). Exit 1, with
# one line saying what is missing and how to get it, when the chosen LibTorch cannot be had.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

torch=${NAS_TORCH:-auto}
build_dir=build
print_choice=0
while [ $# -gt 0 ]; do
  case "$1" in
    --torch) torch=${2:-}; shift 2 || shift ;;
    --build-dir) build_dir=${2:-}; shift 2 || shift ;;
    --print-choice) print_choice=1; shift ;;
    *) echo "usage: $0 [--torch pip|debian|python|auto] [--build-dir DIR] [--print-choice]" >&2
       exit 2 ;;
  esac
done
case "$torch" in
  pip | debian | python | auto) ;;
  *) echo "configure: --torch must be pip, debian, python or auto, not '$torch'" >&2; exit 2 ;;
esac
[ -n "$build_dir" ] || { echo "configure: --build-dir needs a folder" >&2; exit 2; }
fail() { echo "configure: $*" >&2; exit 1; }

if [ "$torch" = auto ] && [ -n "${Torch_DIR:-}" ]; then
  torch=dir
elif [ "$torch" = auto ]; then
  # A GPU needs the CUDA build. Without one, Debian's CPU LibTorch: on the project's CPUs it is
  # within a few per cent of the wheel's speed for nas (docs/PERFORMANCE.md), and it spares a
  # CPU-only user the wheel's 3.5 GB of CUDA libraries.
  if nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then torch=pip; else torch=debian; fi
fi
if [ "$print_choice" = 1 ]; then
  echo "$torch"
  exit 0
fi

pin=$(grep -v '^#' scripts/torch-version.txt | grep -m1 . | tr -d '[:space:]')
venv=${NAS_VENV:-$root/.venv}
cmake_args=()

# The CUDA toolkit's compiler, which a CUDA LibTorch's CMake files need even though nas has no
# CUDA sources: PATH, then the usual install folder.
find_nvcc() {
  command -v nvcc 2>/dev/null && return
  [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc
  return 0
}

# torch_dir PYTHON: the folder of PYTHON's torch package, or nothing.
torch_dir() { "$1" -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null || true; }
torch_version() { "$1" -c 'import torch; print(torch.__version__.split("+")[0])' 2>/dev/null || true; }

case "$torch" in
  debian)
    dir=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/cmake/Torch
    [ -f "$dir/TorchConfig.cmake" ] ||
      fail "Debian's LibTorch is not installed: run scripts/setup.sh --torch debian (apt-get install libtorch-dev)"
    cmake_args+=(-DTorch_DIR="$dir")
    identity="debian $(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null || echo unknown)"
    ;;
  dir)
    [ -f "$Torch_DIR/TorchConfig.cmake" ] ||
      fail "Torch_DIR=$Torch_DIR holds no TorchConfig.cmake: point it at <libtorch>/share/cmake/Torch"
    tdir=$(cd "$Torch_DIR/../../.." && pwd)
    if ls "$tdir"/lib/libtorch_cuda.so >/dev/null 2>&1; then
      nvcc=$(find_nvcc)
      [ -n "$nvcc" ] ||
        fail "the LibTorch in $tdir is a CUDA build and its CMake files need nvcc: install the CUDA toolkit and put nvcc on PATH"
      cmake_args+=(-DCMAKE_CUDA_COMPILER="$nvcc")
      [ -n "${TORCH_CUDA_ARCH_LIST:-}" ] || export TORCH_CUDA_ARCH_LIST=9.0
    fi
    cmake_args=(-DTorch_DIR="$Torch_DIR" -DCMAKE_PREFIX_PATH="$tdir" "${cmake_args[@]}")
    identity="dir $Torch_DIR"
    ;;
  pip | python)
    if [ "$torch" = pip ]; then
      python=$venv/bin/python
      have=""
      [ -x "$python" ] && have=$(torch_version "$python")
      if [ "$have" != "$pin" ]; then
        if [ ! -x "$python" ]; then
          command -v python3 >/dev/null || fail "--torch pip needs python3 with venv: apt-get install python3-venv"
          python3 -m venv "$venv" >/dev/null 2>&1 ||
            fail "could not create $venv: apt-get install python3-venv (Debian), or use --torch debian"
        fi
        echo "configure: installing torch==$pin from PyPI into $venv (about 3.5 GB with its CUDA libraries)"
        log=$venv/pip-torch.log
        if ! "$python" -m pip install --disable-pip-version-check --timeout 60 --retries 2 \
               "torch==$pin" >"$log" 2>&1; then
          if grep -q -E 'NewConnectionError|Temporary failure in name resolution|Network is unreachable' "$log"; then
            why="PyPI is unreachable"
          else
            why=$(grep -o -E 'No matching distribution[^)]*|No space left on device' "$log" | head -1 || true)
          fi
          fail "could not install torch==$pin from PyPI${have:+ ($venv has torch $have)}: ${why:-see $log}; check the network, or use --torch debian"
        fi
        have=$(torch_version "$python")
        [ "$have" = "$pin" ] ||
          fail "$venv has torch ${have:-none} after installing torch==$pin: see $log"
      fi
    else
      python=${NAS_PYTHON:-python3}
      [ -n "$(torch_version "$python")" ] ||
        fail "$python has no torch: pip install torch, or use --torch pip or --torch debian"
    fi
    tdir=$(torch_dir "$python")
    nvcc=$(find_nvcc)
    if "$python" -c 'import sys, torch; sys.exit(0 if torch.version.cuda else 1)' 2>/dev/null; then
      [ -n "$nvcc" ] ||
        fail "torch $(torch_version "$python") is a CUDA build and its CMake files need nvcc: install the CUDA toolkit (nvidia.com/cuda-downloads) and put nvcc on PATH, or use --torch debian"
      # No CUDA source is compiled, so the architectures only need to be valid; a GPU's own
      # capability where there is one.
      if [ -z "${TORCH_CUDA_ARCH_LIST:-}" ]; then
        cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 || true)
        export TORCH_CUDA_ARCH_LIST=${cap:-9.0}
      fi
      cuda_arg=-DCMAKE_CUDA_COMPILER="$nvcc"
    fi
    # The torch folder itself goes first on the prefix path: Torch's CMake files look for
    # libtorch.so in the system's folders before their own, and would take Debian's if present.
    cmake_args+=(-DTorch_DIR="$tdir/share/cmake/Torch" -DCMAKE_PREFIX_PATH="$tdir;$tdir/share/cmake"
                 ${cuda_arg:+"$cuda_arg"})
    identity="$torch $tdir $(torch_version "$python")"
    ;;
esac

# Nothing to do when the folder is configured for this very LibTorch. When it was configured for
# another one, start it afresh: CMake's cache keeps the libraries it found and would mix the two.
stamp=$build_dir/nas-torch.txt
if [ -f "$build_dir/build.ninja" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$identity" ]; then
  exit 0
fi
torch_dir_arg=${cmake_args[0]#-DTorch_DIR=}
cached=$(sed -n 's/^Torch_DIR:PATH=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)
if [ -n "$cached" ] && [ "$(realpath -m "$cached")" != "$(realpath -m "$torch_dir_arg")" ]; then
  echo "configure: $build_dir was configured for the LibTorch in $cached; starting it afresh"
  rm -rf "$build_dir/CMakeCache.txt" "$build_dir/CMakeFiles"
fi
mkdir -p "$build_dir"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNAS_TORCH_SOURCE="$torch" \
  "${cmake_args[@]}" ${NAS_CMAKE_ARGS:-} >"$build_dir/configure.log" 2>&1 ||
  { tail -20 "$build_dir/configure.log" >&2; fail "cmake failed (whole log: $build_dir/configure.log)"; }
grep '^-- nas: LibTorch' "$build_dir/configure.log" | sed 's/^-- /configure: /'
echo "$identity" >"$stamp"
