#!/usr/bin/env bash
# How well a latency table predicts what `nas bench` measures: builds (or reuses) the table for the
# default space at each thread count, then for --count seeded random architectures compares the
# table's prediction (`nas arch --latency-table`) with the search's own measurement (`nas bench`,
# whose latency is measured exactly as a trial's; the median of three runs), and prints Spearman's rho, the median absolute
# percentage error, and the same for the plain sum of blocks (no overhead term). Prints markdown
# for docs/PERFORMANCE.md; asserts nothing.
#
#   scripts/latency-table-study.sh [--build-dir DIR] [--threads "1 2"] [--count N] [--dataset NAME]
#                                  [--work DIR]
#
# Defaults: build, threads 1 and 2, 50 architectures, fashion-mnist, tables kept in --work
# (default latency-study/, so a second run reuses them).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=build threads="1 2" count=50 dataset=fashion-mnist work=latency-study
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --dataset) dataset=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    *) echo "usage: $0 [--build-dir DIR] [--threads \"1 2\"] [--count N] [--dataset NAME] [--work DIR]" >&2
       exit 2 ;;
  esac
done
nas=$build/nas
[ -x "$nas" ] || { echo "latency-table-study: no $nas: build it first" >&2; exit 1; }
mkdir -p "$work/archs"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1); $("$nas" --version | head -1); $dataset; $(date -u +%F)"
echo
for ((i = 0; i < count; i++)); do
  [ -f "$work/archs/$i.json" ] || "$nas" arch --random --seed "$((1000 + i))" > "$work/archs/$i.json"
done
echo "| threads | blocks | build time | overhead ms | rho | median abs % error | rho, sum only | median abs % error, sum only |"
echo "|---:|---:|---|---:|---:|---:|---:|---:|"
for t in $threads; do
  table=$work/table-$dataset-t$t.json
  if ! python3 -c "import json,sys; sys.exit(0 if json.load(open('$table'))['complete'] else 1)" 2>/dev/null; then
    "$nas" latency-table --device cpu --threads "$t" --dataset "$dataset" --out "$table" >&2
  fi
  pairs=$work/pairs-t$t.txt
  : > "$pairs"
  for ((i = 0; i < count; i++)); do
    a=$work/archs/$i.json
    predicted=$("$nas" arch "$a" --latency-table "$table" --json |
                python3 -c 'import json,sys; print(json.load(sys.stdin)["predicted_latency_ms"])')
    # The median of three runs: on a shared machine one run of `nas bench` can be 50 % off.
    measured=$(for r in 1 2 3; do
                 "$nas" bench "$a" --dataset "$dataset" --threads "$t" --batches 1 --json
               done | python3 -c 'import json,statistics,sys; print(statistics.median(json.loads(l)["latency_ms"] for l in sys.stdin))')
    echo "$predicted $measured" >> "$pairs"
  done
  python3 - "$table" "$pairs" "$t" <<'PY'
import json, statistics, sys
table = json.load(open(sys.argv[1]))
pairs = [tuple(map(float, l.split())) for l in open(sys.argv[2]) if l.strip()]
overhead = table["overhead_ms"]

def ranks(v):
    order = sorted(range(len(v)), key=lambda i: v[i])
    r = [0.0] * len(v)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r

def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    ma, mb = statistics.mean(ra), statistics.mean(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    return cov / (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5

def mape(pred, meas):
    return statistics.median(abs(p - m) / m * 100 for p, m in zip(pred, meas))

pred = [p for p, _ in pairs]
meas = [m for _, m in pairs]
plain = [p - overhead for p in pred]
minutes = table["build_seconds"] / 60
print(f"| {sys.argv[3]} | {len(table['entries'])} | {minutes:.1f} min | {overhead:.4f} | "
      f"{spearman(pred, meas):.3f} | {mape(pred, meas):.1f} % | {spearman(plain, meas):.3f} | "
      f"{mape(plain, meas):.1f} % |")
PY
done
