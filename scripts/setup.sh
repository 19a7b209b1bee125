#!/usr/bin/env bash
# Installs every Debian package nas needs (Debian 12) and builds into build/.
# Idempotent: packages already present are skipped and a second build only rebuilds what changed.
# Works as root or through sudo. Set NAS_SKIP_APT=1 to only build.
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
  libtorch-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libgtest-dev googletest zlib1g-dev
  # The web dashboard (nas-report --serve, --html): an HTTP library and the charting library,
  # both embedded at build time; nas builds without them, minus the dashboard.
  libcpp-httplib-dev libjs-chart.js
  # Debian's LibTorch links the generic libblas.so.3: without an optimised provider it runs the
  # reference BLAS, 20x slower on the network's linear layers (docs/PERFORMANCE.md). The OpenMP
  # build follows LibTorch's per-thread thread count.
  libopenblas0-openmp
  # MPI, so one search can run across machines (mpirun or Slurm's srun); nas builds without it
  # too, as one process.
  libopenmpi-dev openmpi-bin
  dataset-fashion-mnist
)
prefix=${NAS_PREFIX:-$HOME/.local}
while [ $# -gt 0 ]; do
  case "$1" in
    --with-slurm) packages+=(slurmctld slurmd slurm-client munge); shift ;;
    --with-browser) packages+=(chromium fonts-dejavu-core); shift ;;
    --with-fuzz) packages+=(clang libclang-rt-14-dev); shift ;;
    --prefix) prefix=$2; shift 2 ;;
    *) echo "usage: $0 [--with-slurm] [--with-browser] [--with-fuzz] [--prefix DIR]" >&2; exit 2 ;;
  esac
done

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
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build -j"$jobs"
echo "setup: built build/nas, build/nas-test-model, build/nas-report"
cmake --install build --prefix "$prefix" >/dev/null
echo "setup: installed nas, nas-report and nas-test-model into $prefix/bin"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "setup: add it to PATH, e.g. in ~/.profile: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
