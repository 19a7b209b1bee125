#!/usr/bin/env bash
# A full disk under nas search and nas-test-model: both run on a tmpfs with a few kB free. Passes
# when each exits 1 with a one-line message (no abort, no hang), leaves no half-written file
# behind, and marks what it was writing as failed where the disk let it. Needs root (mount).
#
#   scripts/reliability/disk-full.sh [BUILD_DIR]
set -euo pipefail
build=$(cd "${1:-$(dirname "$0")/../../build}" && pwd)
[ "$(id -u)" = 0 ] || { echo "disk-full: needs root to mount a tmpfs" >&2; exit 1; }
work=$(mktemp -d /tmp/nas-diskfull.XXXXXX)
mnt="$work/small"
mkdir -p "$mnt"
# 32: the mount was refused (a container without the capability): nothing was tested.
mount -t tmpfs -o size=1m tmpfs "$mnt" 2>/dev/null || { echo "disk-full: cannot mount a tmpfs here" >&2; rm -rf "$work"; exit 32; }
trap 'umount "$mnt" 2>/dev/null || true; rm -rf "$work"' EXIT
fill() {  # leaves about $1 kB free on the tmpfs
  rm -f "$mnt/filler"
  local free_kb
  free_kb=$(df -k --output=avail "$mnt" | tail -1)
  dd if=/dev/zero of="$mnt/filler" bs=1k count=$(( free_kb - $1 )) status=none
}
fail=0
check_exit() {  # name, expected, actual, log
  if [ "$3" != "$2" ]; then echo "disk-full: $1 exited $3, expected $2:"; tail -5 "$4"; fail=1;
  else echo "disk-full: $1 exited $3: $(tail -1 "$4")"; fi
}

# 1. nas-test-model: the model files do not fit.
mkdir -p "$work/exp"
"$build/nas" search --dataset synthetic --train-subset 128 --eval-subset 64 --n-trials 2 \
  --max-population 2 --sample-size 1 --epochs 1 --latency-batch 16 --threads 1 --device cpu \
  --experiment-dir "$work/exp" --experiment-id d --log-level warn >/dev/null 2>&1
fill 40
set +e
"$build/nas-test-model" "$work/exp/d/trials/0" --epochs 1 --train-subset 128 --eval-subset 64 \
  --threads 1 --device cpu --out "$mnt/retrain" >"$work/test-model.log" 2>&1
code=$?
set -e
check_exit nas-test-model 1 $code "$work/test-model.log"
if ls "$mnt/retrain"/*.tmp* >/dev/null 2>&1; then echo "disk-full: temporary files left"; fail=1; fi
if [ -f "$mnt/retrain/retrain.json" ] && grep -q '"status": "running"' "$mnt/retrain/retrain.json"; then
  echo "disk-full: retrain.json left running"; fail=1
fi

# 2. nas search: its experiment folder does not fit.
rm -rf "${mnt:?}"/retrain
fill 12
set +e
"$build/nas" search --dataset synthetic --train-subset 128 --eval-subset 64 --n-trials 4 \
  --max-population 2 --sample-size 1 --epochs 2 --latency-batch 16 --threads 1 --device cpu \
  --experiment-dir "$mnt/exp" --log-level warn >"$work/search.log" 2>&1
code=$?
set -e
check_exit "nas search" 1 $code "$work/search.log"
for d in "$mnt"/exp/*/; do
  [ -d "$d" ] || continue
  [ -f "$d/experiment.json" ] || { echo "disk-full: $d has no experiment.json"; fail=1; }
done
exit $fail
