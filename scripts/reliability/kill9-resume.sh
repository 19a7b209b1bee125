#!/usr/bin/env bash
# kill -9 and resume, over and over: a small search is killed with SIGKILL at random moments
# KILLS times (default 8), resumed after each, and finally run to its end. Passes when the
# experiment completes with exactly its trial count, every trial.json is valid, and nas-report
# names no corrupt file. docs/RELIABILITY.md records the runs.
#
#   scripts/reliability/kill9-resume.sh [KILLS] [BUILD_DIR]
set -euo pipefail
kills=${1:-8}
build=$(cd "${2:-$(dirname "$0")/../../build}" && pwd)
root=$(mktemp -d /tmp/nas-kill9.XXXXXX)
trap 'rm -rf "$root"' EXIT
trials=10
search=("$build/nas" search --dataset synthetic --train-subset 128 --eval-subset 64 \
  --n-trials $trials --max-population 4 --sample-size 2 --epochs 3 --cull-ratio 0.3 \
  --latency-batch 16 --threads 1 --concurrent-trials 2 --device cpu --seed 7 \
  --experiment-dir "$root" --experiment-id k9 --log-level warn)
RANDOM=7
for i in $(seq "$kills"); do
  "${search[@]}" >/dev/null 2>&1 &
  pid=$!
  sleep "$(( 1 + RANDOM % 5 )).$(( RANDOM % 10 ))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  done_now=$(ls "$root/k9/trials" 2>/dev/null | wc -l || true)
  echo "kill9: kill $i after some $done_now trial folders"
done
"${search[@]}" >/dev/null 2>&1 || { echo "kill9: the final resume failed" >&2; exit 1; }
report=$("$build/nas-report" k9 --experiment-dir "$root" --json)
python3 - "$report" "$trials" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); n = int(sys.argv[2])
c = r["counts"]
finished = c["completed"] + c["culled"] + c["failed"]
problems = r["problems"]
assert r["experiment"]["status"] == "completed", r["experiment"]["status"]
assert finished == n, (finished, n, c)
assert not problems, problems
print(f"kill9: completed with {finished} finished trials ({c}), no corrupt file")
PY
