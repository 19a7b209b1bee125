#!/usr/bin/env bash
# Does the search's short-budget score rank architectures the way longer training does, and does
# re-estimating BatchNorm statistics before evaluation (--bn-recalibrate) make it rank better?
# Figures for docs/PROXY.md (issue 13). Prints figures; asserts nothing.
#
# 1. Two random-search experiments with the same seed, so the same architectures and the same
#    training, differing only in --bn-recalibrate (0 and N): every trial trains --proxy-epochs on
#    a subset and is scored after each epoch (no culling).
# 2. A reference per architecture: nas-test-model trains it longer (--ref-epochs on --ref-train
#    images) and measures test accuracy; it lands in the trial's retrain/ folder.
# 3. The references again, their trained weights re-evaluated with BatchNorm recalibrated
#    (nas-test-model --weights model.pt --epochs 0): a reference evaluated as the original did
#    can carry the stale statistics the study is about. They go into a copy of the first
#    experiment, proxy-n0-bn<N>, so both references stay readable.
# 4. nas-report --proxy-quality: Kendall's tau and Spearman's rho between each proxy and each
#    reference.
# 5. A search pair (evolution, --quick budget, same seed, --bn-recalibrate 0 and N) and the
#    reference accuracy of each search's best trial.
#
# Every step is skipped when its result exists, so an interrupted study continues where it
# stopped when run again with the same flags.
# Usage: scripts/proxy-study.sh [--out DIR] [--archs 16] [--seed 1] [--recalibrate 10]
#          [--proxy-epochs 3] [--proxy-train 2000] [--proxy-eval 1000]
#          [--ref-epochs 5] [--ref-train 20000] [--jobs 2] [--dataset fashion-mnist]
#          [--no-pair] [--build-dir build]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=proxy-study archs=16 seed=1 recal=10 proxy_epochs=3 proxy_train=2000 proxy_eval=1000
ref_epochs=5 ref_train=20000 jobs=2 dataset=fashion-mnist pair=1 build=$root/build
usage() { sed -n '18,21p' "${BASH_SOURCE[0]}" | sed 's/^# //' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2 ;;
    --archs) archs=$2 ;;
    --seed) seed=$2 ;;
    --recalibrate) recal=$2 ;;
    --proxy-epochs) proxy_epochs=$2 ;;
    --proxy-train) proxy_train=$2 ;;
    --proxy-eval) proxy_eval=$2 ;;
    --ref-epochs) ref_epochs=$2 ;;
    --ref-train) ref_train=$2 ;;
    --jobs) jobs=$2 ;;
    --dataset) dataset=$2 ;;
    --build-dir) build=$2 ;;
    --no-pair) pair=0; shift; continue ;;
    *) usage ;;
  esac
  [ $# -ge 2 ] || usage
  shift 2
done
for p in nas nas-report nas-test-model; do
  [ -x "$build/$p" ] || { echo "proxy-study: $build/$p is missing; build first (scripts/setup.sh)" >&2; exit 1; }
done
mkdir -p "$out"
exps=$(cd "$out" && pwd)/experiments
cores=$(nproc)
threads_per_job=$(( cores / jobs > 0 ? cores / jobs : 1 ))

nas() { "$build/nas" "$@"; }
report() { "$build/nas-report" --experiment-dir "$exps" --log-level warn "$@"; }

# One column of `nas-report --csv -`, as "trial-id value" lines (the columns before the
# architecture labels hold no commas).
csv_column() {
  report "$1" --csv - | awk -F, -v want="$2" '
    NR == 1 { for (i = 1; i <= NF; ++i) { if ($i == "id") id = i; if ($i == want) col = i }; next }
    { print $id, $col }'
}

# Starts the experiment, or continues it when it exists (--experiment-id), so a rerun only
# finishes what is missing.
search() {
  local id=$1; shift
  echo "== search $id: $*"
  nas search --experiment-dir "$exps" --experiment-id "$id" --seed "$seed" --dataset "$dataset" \
    --log-level warn "$@" >"$out/$id.log" 2>&1 || { tail -5 "$out/$id.log" >&2; exit 1; }
}

# Trains the reference of every completed trial of experiment $1 that has none yet, $jobs at once.
references() {
  local id=$1
  csv_column "$id" status | awk '$2 == "completed" { print $1 }' | while read -r n; do
    if [ -z "$(csv_column "$id" retrained_accuracy | awk -v n="$n" '$1 == n { print $2 }')" ]; then
      echo "$n"
    fi
  done | xargs -r -P "$jobs" -I{} sh -c '
      echo "== reference: '"$id"' trial {}"
      "$0" "$1/trials/{}" --epochs "$2" --train-subset "$3" --seed "$4" --threads "$5" \
        --dataset "$6" --bn-recalibrate 0 --log-level warn >"$7/reference-'"$id"'-{}.log" 2>&1 ||
        { echo "reference of trial {} failed; see $7/reference-'"$id"'-{}.log" >&2; exit 255; }' \
      "$build/nas-test-model" "$exps/$id" "$ref_epochs" "$ref_train" "$seed" "$threads_per_job" \
      "$dataset" "$out"
}

# The best trial of an experiment by the search's score.
best_trial() {
  csv_column "$1" metric | awk '$2 != "" && (m == "" || $2 > m) { m = $2; b = $1 } END { print b }'
}

value_of() { csv_column "$1" "$2" | awk -v n="$3" '$1 == n { print $2 }'; }

common=(--strategy random --n-trials "$archs" --epochs "$proxy_epochs"
        --cull-ratio 0 --train-subset "$proxy_train" --eval-subset "$proxy_eval" --threads "$cores"
        --concurrent-trials "$jobs")
search proxy-n0 "${common[@]}" --bn-recalibrate 0
search "proxy-n$recal" "${common[@]}" --bn-recalibrate "$recal"
references proxy-n0

# The copy holds the trained references; each trial then gets its re-evaluation as its latest.
recal_ref="proxy-n0-bn$recal"
if [ ! -d "$exps/$recal_ref" ]; then
  rm -rf "$exps/$recal_ref.tmp"
  cp -r "$exps/proxy-n0" "$exps/$recal_ref.tmp"
  rm -f "$exps/$recal_ref.tmp/.lock"
  sed -i "s/\"id\": *\"proxy-n0\"/\"id\": \"$recal_ref\"/" "$exps/$recal_ref.tmp/experiment.json"
  mv "$exps/$recal_ref.tmp" "$exps/$recal_ref"
fi
for trial in "$exps/$recal_ref"/trials/*/; do
  again="$trial/retrain/bn-recalibrated"
  grep -qs '"status": "completed"' "$again/retrain.json" && continue
  rm -rf "$again"
  weights=$(ls "$trial"/retrain/*/model.pt 2>/dev/null | head -1)
  [ -n "$weights" ] || continue
  echo "== reference re-evaluated with BatchNorm recalibrated: trial $(basename "$trial")"
  "$build/nas-test-model" "$trial" --weights "$weights" --epochs 0 --out "$again" \
    --train-subset "$ref_train" --seed "$seed" --threads "$cores" --dataset "$dataset" \
    --bn-recalibrate "$recal" --log-level warn >"$out/reevaluate-$(basename "$trial").log" 2>&1
done

if [ $pair = 1 ]; then
  for n in 0 "$recal"; do
    search "pair-n$n" --quick --bn-recalibrate "$n"
    best=$(best_trial "pair-n$n")
    [ -n "$best" ] || { echo "pair-n$n has no trial with a score" >&2; exit 1; }
    if [ -z "$(value_of "pair-n$n" retrained_accuracy "$best")" ]; then
      echo "== reference: pair-n$n trial $best"
      "$build/nas-test-model" "$exps/pair-n$n/trials/$best" --epochs "$ref_epochs" \
        --train-subset "$ref_train" --seed "$seed" --threads "$cores" --dataset "$dataset" \
        --bn-recalibrate 0 --log-level warn >"$out/reference-pair-n$n-$best.log" 2>&1
    fi
  done
fi

echo
echo "# Proxy quality, $(date -u +%F), $cores cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# proxy: $proxy_epochs epochs on $proxy_train training images, scored on $proxy_eval validation images"
echo "# reference: $ref_epochs epochs on $ref_train training images, test accuracy (nas-test-model --bn-recalibrate 0)"
echo
echo "## --bn-recalibrate 0 (the original's)"
report proxy-n0 --proxy-quality
echo
echo "## --bn-recalibrate $recal"
report "proxy-n$recal" --proxy-quality --reference proxy-n0
echo
echo "## Against the references re-evaluated with BatchNorm recalibrated on $recal batches"
echo "### --bn-recalibrate 0"
report proxy-n0 --proxy-quality --reference "$recal_ref"
echo "### --bn-recalibrate $recal"
report "proxy-n$recal" --proxy-quality --reference "$recal_ref"
[ $pair = 1 ] || exit 0
echo
echo "## Search pair: nas search --quick --seed $seed, the best trial's reference accuracy"
printf '%-16s %6s %10s %10s %12s  %s\n' experiment trial accuracy metric reference architecture
for id in pair-n0 "pair-n$recal"; do
  best=$(best_trial "$id")
  printf '%-16s %6s %10s %10.4f %12s  %s\n' "$id" "$best" "$(value_of "$id" accuracy "$best")" \
    "$(value_of "$id" metric "$best")" "$(value_of "$id" retrained_accuracy "$best")" \
    "$(value_of "$id" arch_key "$best")"
done
