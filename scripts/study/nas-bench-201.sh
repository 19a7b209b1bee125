#!/usr/bin/env bash
# How much better than random search is our regularized evolution, measured on NAS-Bench-201's
# table (issue 23), for docs/SEARCH-QUALITY.md. Every search runs `nas search --space
# nas-bench-201 --concurrent-trials 1` (one trial at a time: trial n's proposal depends only on
# the seed and the trials before it, never on timing), so the first B trials of a 300-trial
# search are exactly the B-trial search, and one 300-trial search per seed serves every budget.
#
#   study: evolution and random search, --seeds seeds each, on cifar10, cifar100 and
#          imagenet16-120; per strategy and budget (50, 100, 150, 300) the mean and standard
#          deviation of the best validation accuracy found and of the test accuracy of that
#          pick, the oracle (the table's best validation cell, and its test accuracy), and
#          evolution minus random in standard errors; then the best-so-far curve averaged
#          over seeds.
#   grid:  evolution on cifar10 at 150 trials, one setting varied at a time around the
#          defaults (population 30, sample 7, mutation 0.05).
#
# Searches whose experiment exists are kept, so an interrupted study continues when run again.
# Prints figures; asserts nothing.
# Usage: scripts/study/nas-bench-201.sh [--out DIR] [--seeds 50] [--build-dir build]
#          [--part study|grid|all]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=nb201-study seeds=50 build=$root/build part=all
usage() { sed -n '20,21p' "${BASH_SOURCE[0]}" | sed 's/^# //' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2 ;;
    --seeds) seeds=$2 ;;
    --build-dir) build=$2 ;;
    --part) part=$2 ;;
    *) usage ;;
  esac
  [ $# -ge 2 ] || usage
  shift 2
done
case "$part" in study|grid|all) ;; *) usage ;; esac
[ -x "$build/nas" ] || { echo "nas-bench-201 study: $build/nas is missing; build first (scripts/setup.sh)" >&2; exit 1; }
mkdir -p "$out"
exps=$(cd "$out" && pwd)/experiments
table=$root/data/nas-bench-201/nas-bench-201-12epoch.csv.gz

search() {  # ID FLAGS...
  local id=$1; shift
  if [ -f "$exps/$id/experiment.json" ] && grep -q '"status": *"completed"' "$exps/$id/experiment.json"; then
    return
  fi
  rm -rf "${exps:?}/$id"
  "$build/nas" search --space nas-bench-201 --nb201-table "$table" --concurrent-trials 1 \
    --experiment-dir "$exps" --experiment-id "$id" --log-level warn "$@" >/dev/null
}

start=$(date +%s)
if [ "$part" != grid ]; then
  for data in cifar10 cifar100 imagenet16-120; do
    for strategy in evolution random; do
      for seed in $(seq 1 "$seeds"); do
        search "study-$data-$strategy-$seed" --nb201-dataset "$data" --strategy "$strategy" \
          --seed "$seed" --n-trials 300
      done
    done
    echo "nas-bench-201 study: $data done ($(( $(date +%s) - start )) s)" >&2
  done
fi
grid=(
  "30 7 0.05" "10 7 0.05" "20 7 0.05" "50 7 0.05" "100 7 0.05"
  "30 3 0.05" "30 5 0.05" "30 10 0.05" "30 20 0.05"
  "30 7 0.2" "30 7 0.5" "30 7 1.0"
)
if [ "$part" != study ]; then
  for g in "${grid[@]}"; do
    read -r pop sample mut <<<"$g"
    for seed in $(seq 1 "$seeds"); do
      search "grid-$pop-$sample-$mut-$seed" --nb201-dataset cifar10 --seed "$seed" \
        --n-trials 150 --max-population "$pop" --sample-size "$sample" --mutation-prob "$mut"
    done
  done
  echo "nas-bench-201 study: grid done ($(( $(date +%s) - start )) s)" >&2
fi

python3 - "$exps" "$seeds" "$part" "$table" "${grid[@]}" <<'PY'
import gzip, json, math, pathlib, statistics, sys

exps, seeds, part, table = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
grid = [g.split() for g in sys.argv[5:]]
columns = {"cifar10": (2, 3), "cifar100": (4, 5), "imagenet16-120": (6, 7)}

def oracle(data):
    v, t = columns[data]
    best = None
    with gzip.open(table, "rt") as f:
        next(f)
        for line in f:
            cells = line.rstrip("\n").split(",")
            row = (float(cells[v]), float(cells[t]))
            if best is None or row[0] > best[0]:
                best = row
    return best

def picks(exp_id):
    """(val, test) of each trial in id order: the order the strategy proposed them."""
    trials = []
    for p in (exps / exp_id / "trials").glob("*/trial.json"):
        t = json.loads(p.read_text())
        trials.append((t["id"], t["nb201"]["val_accuracy"], t["nb201"]["test_accuracy"]))
    return [(v, te) for _, v, te in sorted(trials)]

def best_of(trials, budget):
    """The best validation accuracy among the first `budget` trials and that pick's test accuracy
    (ties to the earliest)."""
    best = None
    for v, te in trials[:budget]:
        if best is None or v > best[0]:
            best = (v, te)
    return best

def mean_sd(xs):
    return statistics.mean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)

if part in ("study", "all"):
    budgets = [50, 100, 150, 300]
    print("## Evolution vs random search (%d seeds each, --concurrent-trials 1)\n" % seeds)
    print("| data set | budget | strategy | best validation % (mean ± sd) | its test % (mean ± sd) "
          "| evolution − random (validation) | in standard errors |")
    print("|---|---:|---|---:|---:|---:|---:|")
    curves = {}
    for data in columns:
        runs = {s: [picks(f"study-{data}-{s}-{n}") for n in range(1, seeds + 1)]
                for s in ("evolution", "random")}
        for s, rs in runs.items():
            curves[(data, s)] = [statistics.mean(best_of(r, b)[0] for r in rs) for b in range(1, 301)]
        for b in budgets:
            stats = {}
            for s in ("evolution", "random"):
                vals = [best_of(r, b)[0] for r in runs[s]]
                tests = [best_of(r, b)[1] for r in runs[s]]
                stats[s] = (mean_sd(vals), mean_sd(tests))
            (me, se_), (mr, sr) = stats["evolution"][0], stats["random"][0]
            diff = me - mr
            se = math.sqrt(se_ ** 2 / seeds + sr ** 2 / seeds)
            z = diff / se if se > 0 else float("inf")
            for s in ("evolution", "random"):
                (m, sd), (tm, tsd) = stats[s]
                extra = f"| {diff:+.2f} | {z:+.1f} |" if s == "evolution" else "| | |"
                print(f"| {data} | {b} | {s} | {m:.2f} ± {sd:.2f} | {tm:.2f} ± {tsd:.2f} {extra}")
        ov, ot = oracle(data)
        print(f"| {data} | | oracle | {ov:.2f} | {ot:.2f} | | |")
    print("\n## Best validation accuracy so far, mean over seeds\n")
    marks = [10, 25, 50, 75, 100, 150, 200, 250, 300]
    print("| data set | strategy | " + " | ".join(str(m) for m in marks) + " |")
    print("|---|---|" + "---:|" * len(marks))
    for (data, s), curve in curves.items():
        print(f"| {data} | {s} | " + " | ".join(f"{curve[m - 1]:.2f}" for m in marks) + " |")

if part in ("grid", "all"):
    print("\n## Evolution's settings on cifar10, 150 trials (%d seeds each)\n" % seeds)
    print("| population | sample | mutation | best validation % (mean ± sd) | its test % (mean ± sd) "
          "| − defaults, in standard errors |")
    print("|---:|---:|---:|---:|---:|---:|")
    base = None
    for pop, sample, mut in grid:
        rs = [picks(f"grid-{pop}-{sample}-{mut}-{n}") for n in range(1, seeds + 1)]
        vals = [best_of(r, 150)[0] for r in rs]
        tests = [best_of(r, 150)[1] for r in rs]
        (m, sd), (tm, tsd) = mean_sd(vals), mean_sd(tests)
        if base is None:
            base = (m, sd)
            z = ""
        else:
            se = math.sqrt(sd ** 2 / seeds + base[1] ** 2 / seeds)
            z = f"{(m - base[0]) / se:+.1f}" if se > 0 else ""
        print(f"| {pop} | {sample} | {mut} | {m:.2f} ± {sd:.2f} | {tm:.2f} ± {tsd:.2f} | {z} |")
PY
echo "nas-bench-201 study: $(( $(date +%s) - start )) s in all" >&2
