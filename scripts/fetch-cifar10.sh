#!/usr/bin/env bash
# Downloads and unpacks CIFAR-10 (binary version) where `nas --dataset cifar10` looks by default:
# $NAS_DATA_DIR/cifar10 (NAS_DATA_DIR defaults to ${XDG_DATA_HOME:-~/.local/share}/nas/data), or
# the folder given as the first argument. For users with internet access; nas never downloads
# anything itself.
# Usage: scripts/fetch-cifar10.sh [DIR]
set -euo pipefail
data_root=${NAS_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/nas/data}
dest=${1:-$data_root/cifar10}
url=${CIFAR10_URL:-https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz}
if [ -f "$dest/test_batch.bin" ]; then
  echo "CIFAR-10 is already in $dest"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "downloading $url"
if command -v curl >/dev/null; then curl -fL -o "$tmp/cifar.tar.gz" "$url"; else wget -O "$tmp/cifar.tar.gz" "$url"; fi
tar -xzf "$tmp/cifar.tar.gz" -C "$tmp"
mkdir -p "$dest"
mv "$tmp"/cifar-10-batches-bin/* "$dest"/
ls "$dest"
echo "CIFAR-10 is in $dest: nas search --dataset cifar10"
