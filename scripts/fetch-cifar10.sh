#!/usr/bin/env bash
# Downloads and unpacks CIFAR-10 (binary version) into data/cifar-10-batches-bin, for users with
# internet access. nas never downloads anything itself.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest="$root/data"
url=${CIFAR10_URL:-https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz}
if [ -f "$dest/cifar-10-batches-bin/test_batch.bin" ]; then
  echo "CIFAR-10 is already in $dest/cifar-10-batches-bin"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "downloading $url"
if command -v curl >/dev/null; then curl -fL -o "$tmp/cifar.tar.gz" "$url"; else wget -O "$tmp/cifar.tar.gz" "$url"; fi
tar -xzf "$tmp/cifar.tar.gz" -C "$dest"
ls "$dest/cifar-10-batches-bin"
