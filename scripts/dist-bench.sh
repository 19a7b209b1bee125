#!/usr/bin/env bash
# How a search spread over MPI ranks scales: nas_dist_sim (a search whose trials only sleep
# --epoch-seconds per epoch) with 1, 2, 4, 8, 16 and 32 worker ranks of 4 slots each, all on this
# machine (oversubscribed: the trials sleep). Prints one table for docs/PERFORMANCE.md; asserts
# nothing. Usage: scripts/dist-bench.sh [--workers "1 2 4"] [--epoch-seconds S] [--waves W]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
workers="1 2 4 8 16 32"
epoch_seconds=2
waves=8
slots=4
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers=$2; shift 2 ;;
    --epoch-seconds) epoch_seconds=$2; shift 2 ;;
    --waves) waves=$2; shift 2 ;;
    *) echo "usage: $0 [--workers \"1 2 4\"] [--epoch-seconds S] [--waves W]" >&2; exit 2 ;;
  esac
done
sim=build/nas_dist_sim
[ -x "$sim" ] || { echo "build first (with MPI): scripts/setup.sh" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "# nas_dist_sim: 3 epochs of ${epoch_seconds} s per trial, cull ratio 0.3, population 30, $slots slots per worker,"
echo "# $waves trials per slot; $(date -u +%F), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '| %7s | %5s | %6s | %8s | %13s | %13s | %10s | %9s | %13s | %14s |\n' workers slots trials "wall s" "trials/hour" "ideal" "efficiency" "steady" "driver ms CPU/trial" "cull round trip ms"
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for n in $workers; do
  total=$((n * slots * waves))
  [ "$total" -lt 40 ] && total=40  # past the population, so culling and mutation both run
  out=$(mpirun --oversubscribe -np $((n + 1)) "$sim" --n-trials "$total" --epochs 3 \
    --epoch-seconds "$epoch_seconds" --slots "$slots" --experiment-dir "$tmp/$n" 2>"$tmp/err" | tail -1) ||
    { echo "nas_dist_sim failed with $n workers:" >&2; cat "$tmp/err" >&2; exit 1; }
  python3 - "$out" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
print("| %7d | %5d | %6d | %8.1f | %13.0f | %13.0f | %9.1f%% | %8.1f%% | %13.2f | %14.2f |" % (
    d["workers"], d["slots"], d["finished"], d["wall_seconds"], d["trials_per_hour"],
    d["ideal_trials_per_hour"], 100 * d["efficiency"], 100 * d["steady_efficiency"],
    d["driver_cpu_ms_per_trial"], d["decision_round_trip_ms"]))
PY
done
