#!/usr/bin/env bash
# Three searches with the same budget and seed, for docs/BUDGETS.md (issue 22): the original's
# scalar metric; the same search under a hard --max-latency set to the scalar search's median
# latency (measured before training, the figure the limit compares); and --objective pareto.
# Prints, per search: search time, trials trained and rejected, the best accuracy of a completed
# trial within the limit (by its latency before training, the figure the limit compares), and of
# any completed trial, the front's size and its hypervolume (one reference
# point for the three: nas-report --compare). Prints figures; asserts nothing.
#
# Each search is skipped when its experiment exists, so an interrupted study continues when run
# again with the same flags.
# Usage: scripts/budget-study.sh [--out DIR] [--seed 1] [--dataset fashion-mnist]
#          [--build-dir build] [-- extra nas search flags]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=budget-study seed=1 dataset=fashion-mnist build=$root/build
usage() { sed -n '11,12p' "${BASH_SOURCE[0]}" | sed 's/^# //' >&2; exit 2; }
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2 ;;
    --seed) seed=$2 ;;
    --dataset) dataset=$2 ;;
    --build-dir) build=$2 ;;
    --) shift; extra=("$@"); break ;;
    *) usage ;;
  esac
  [ $# -ge 2 ] || usage
  shift 2
done
for p in nas nas-report; do
  [ -x "$build/$p" ] || { echo "budget-study: $build/$p is missing; build first (scripts/setup.sh)" >&2; exit 1; }
done
mkdir -p "$out"
exps=$(cd "$out" && pwd)/experiments

search() {  # ID FLAGS...
  local id=$1; shift
  if [ -f "$exps/$id/experiment.json" ] && grep -q '"status": *"completed"' "$exps/$id/experiment.json"; then
    echo "budget-study: $id exists, kept" >&2
    return
  fi
  rm -rf "${exps:?}/$id"
  "$build/nas" search --quick --dataset "$dataset" --seed "$seed" --experiment-dir "$exps" \
    --experiment-id "$id" --log-level warn "${extra[@]}" "$@" >/dev/null
}

search scalar
# The median untrained latency of the scalar search's trained trials: the limit half of its
# networks would have broken.
limit=$(python3 - "$exps/scalar" <<'EOF'
import json, pathlib, statistics, sys
lat = [json.loads(p.read_text()).get("latency_before_ms")
       for p in pathlib.Path(sys.argv[1]).glob("trials/*/trial.json")]
print(f"{statistics.median([v for v in lat if v is not None]):.4f}")
EOF
)
echo "budget-study: --max-latency $limit (the scalar search's median untrained latency)" >&2
search limited --max-latency "$limit"
search pareto --objective pareto

"$build/nas-report" --experiment-dir "$exps" --compare scalar limited pareto --json \
  >"$out/compare.json"
for id in scalar limited pareto; do
  "$build/nas-report" --experiment-dir "$exps" "$id" --json >"$out/$id.json"
done
python3 - "$out" "$limit" "$exps" <<'EOF'
import json, pathlib, sys
out, limit, exps = sys.argv[1], float(sys.argv[2]), pathlib.Path(sys.argv[3])
compare = {c["experiment"]: c for c in json.load(open(f"{out}/compare.json"))["cells"]}
ref = json.load(open(f"{out}/compare.json"))
print(f"--max-latency {limit} ms; hypervolume reference: {ref['reference_accuracy']:.1f}% and "
      f"{ref['reference_latency_ms']:.4f} ms")
print("| search | search time (s) | trained | rejected | best accuracy within the limit (%) "
      "| best accuracy (%) | front size | hypervolume |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for id in ("scalar", "limited", "pareto"):
    r = json.load(open(f"{out}/{id}.json"))
    c = r["counts"]
    trials = [json.loads(p.read_text()) for p in (exps / id).glob("trials/*/trial.json")]
    done = [t for t in trials if t["status"] == "completed"]
    # "Within the limit" by the figure the limit compares: the latency measured before training.
    within = [t["accuracy"] for t in done if t["latency_before_ms"] <= limit]
    best = max((t["accuracy"] for t in done), default=None)
    fmt = lambda v, p=2: "-" if v is None else f"{v:.{p}f}"
    print(f"| {id} | {fmt(r['experiment']['search_seconds'], 1)} "
          f"| {c['completed'] + c['culled'] + c['failed']} | {c.get('rejected', 0)} "
          f"| {fmt(max(within, default=None))} | {fmt(best)} "
          f"| {compare[id]['front_size']} | {fmt(compare[id]['hypervolume'], 3)} |")
EOF
