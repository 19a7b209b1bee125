#!/usr/bin/env bash
# Installs every Debian package nas needs (Debian 12), then configures, builds and installs nas
# against the LibTorch chosen by --torch (scripts/configure.sh does the choosing and finding).
# Idempotent: packages already present are skipped and a second build only rebuilds what changed.
# Works as root or through sudo. Set NAS_SKIP_APT=1 to only build.
# --torch pip|debian|auto (default auto, or $NAS_TORCH): pip is the official LibTorch, PyPI's
#   CUDA torch wheel pinned in scripts/torch-version.txt, in .venv; debian is Debian's CPU
#   libtorch-dev; auto is pip on a machine with a GPU, debian elsewhere (README says why), or
#   the LibTorch that $Torch_DIR points at when it is set.
# --build-dir DIR builds there (default build).
# --with-slurm also installs Slurm and munge, for scripts/slurm/local-cluster.sh (CI runs it).
# --with-browser also installs Debian's chromium, for the dashboard's real-browser tests.
# --with-fuzz also installs clang and libFuzzer, for scripts/fuzz.sh.
# --prefix DIR installs nas, nas-report and nas-test-model into DIR/bin (default ~/.local, or
# $NAS_PREFIX), so the commands work from any folder once DIR/bin is on PATH.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

packages=(
  build-essential cmake ninja-build pkg-config
  # scripts/test.sh checks the formatting with Debian 12's clang-format (14).
  clang-format
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libgtest-dev googletest zlib1g-dev
  # The web dashboard (nas-report --serve, --html): an HTTP library and the charting library,
  # both embedded at build time; nas builds without them, minus the dashboard.
  libcpp-httplib-dev libjs-chart.js
  # MPI, so one search can run across machines (mpirun or Slurm's srun); nas builds without it
  # too, as one process.
  libopenmpi-dev openmpi-bin
  # ONNX's C++ library for `nas export` (its protobuf classes, checker and shape inference); nas
  # builds without it, minus that command.
  libonnx-dev libprotobuf-dev
  dataset-fashion-mnist
)
prefix=${NAS_PREFIX:-$HOME/.local}
torch=${NAS_TORCH:-auto}
build_dir=build
usage="usage: $0 [--torch pip|debian|auto] [--build-dir DIR] [--with-slurm] [--with-browser] [--with-fuzz] [--prefix DIR]"
while [ $# -gt 0 ]; do
  case "$1" in
    --torch) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; torch=$2; shift 2 ;;
    --build-dir) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; build_dir=$2; shift 2 ;;
    --with-slurm) packages+=(slurmctld slurmd slurm-client munge); shift ;;
    --with-browser) packages+=(chromium fonts-dejavu-core); shift ;;
    --with-fuzz) packages+=(clang libclang-rt-14-dev); shift ;;
    --prefix) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; prefix=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
case "$torch" in
  pip | debian | auto) ;;
  *) echo "setup: --torch must be pip, debian or auto, not '$torch'" >&2; exit 2 ;;
esac
torch=$(bash scripts/configure.sh --torch "$torch" --print-choice)
if [ "$torch" = debian ]; then
  # Debian's LibTorch links the generic libblas.so.3: without an optimised provider it runs the
  # reference BLAS, 20x slower on the network's linear layers (docs/PERFORMANCE.md). The OpenMP
  # build follows LibTorch's per-thread thread count.
  packages+=(libtorch-dev libopenblas0-openmp)
elif [ "$torch" = pip ]; then
  # The wheel goes into a virtual environment of the project's own.
  packages+=(python3 python3-venv)
fi

if [ "${NAS_SKIP_APT:-0}" != 1 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then
      command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
      sudo=sudo
    fi
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

jobs=${NAS_BUILD_JOBS:-$(nproc)}
bash scripts/configure.sh --torch "$torch" --build-dir "$build_dir"
cmake --build "$build_dir" -j"$jobs"
echo "setup: built $build_dir/nas, $build_dir/nas-test-model, $build_dir/nas-report ($torch LibTorch)"
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
echo "setup: installed nas, nas-report and nas-test-model into $prefix/bin"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "setup: add it to PATH, e.g. in ~/.profile: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
