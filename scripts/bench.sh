#!/usr/bin/env bash
# Benchmarks for docs/PERFORMANCE.md: `nas bench` on the min, max and a 12 M-MAC architecture,
# NCHW (the original's layout) against channels-last, then one full-data Fashion-MNIST epoch and
# the README's small-budget search. Prints figures; asserts nothing.
# Usage: scripts/bench.sh [--threads N] [--skip-search]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
threads=1
skip_search=0
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --skip-search) skip_search=1; shift ;;
    *) echo "usage: $0 [--threads N] [--skip-search]" >&2; exit 2 ;;
  esac
done
nas=build/nas
[ -x "$nas" ] || { echo "build first: scripts/setup.sh" >&2; exit 1; }

echo "# nas bench, $threads thread(s), $(date -u +%F), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%-10s %-10s %-14s %12s %12s %12s\n' arch input layout "train img/s" "eval img/s" "latency ms"
for arch in min macs12m max; do
  for input in 3,32,32 1,28,28; do
    for layout in nchw channels-last; do
      flag=""; [ $layout = nchw ] && flag=--nchw
      batches=20; [ $arch = max ] && batches=5
      out=$($nas bench --arch data/arch/$arch.json --input $input --threads "$threads" --batches $batches $flag --json)
      python3 -c "import json,sys; d=json.loads(sys.argv[1]); print('%-10s %-10s %-14s %12.0f %12.0f %12.4f' % (sys.argv[2], sys.argv[3], sys.argv[4], d['train_images_per_s'], d['eval_images_per_s'], d['latency_ms']))" "$out" $arch $input $layout
    done
  done
done

echo
echo "# one full-data Fashion-MNIST epoch (60000 train / 10000 test), macs12m, $threads thread(s)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/time -f "wall %e s (includes loading the data set)" build/nas-test-model data/arch/macs12m.json \
  --epochs 1 --threads "$threads" --seed 1 --out "$tmp/retrain" --log-level warn

if [ $skip_search = 0 ]; then
  echo
  echo "# README small-budget search: nas search --quick --seed 1 (2 cores)"
  /usr/bin/time -f "wall %e s" $nas search --quick --seed 1 --experiment-dir "$tmp/exp" --log-level warn | tail -4
  python3 - "$tmp/exp" <<'PY'
import glob, json, sys
over = []
for f in glob.glob(sys.argv[1] + "/*/trials/*/trial.json"):
    t = json.load(open(f))
    over.append(t["seconds"] - sum(e["seconds"] for e in t["epochs"]))
print("per-trial overhead outside training/evaluation/latency: mean %.3f s, max %.3f s over %d trials"
      % (sum(over) / len(over), max(over), len(over)))
PY
fi
