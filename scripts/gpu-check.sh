#!/usr/bin/env bash
# The one-shot GPU check: builds what it needs against a CUDA LibTorch, runs the GPU tests, then
# measures nas bench (min, macs12m, max on CIFAR-shaped input; latency alone and under three
# background trainings), a 2-epoch nas-test-model and a short 4-slot search, and prints one table.
# Sized for a few minutes on one H100/H200 (device time is scarce); prints figures, asserts none.
#
# On the lent GPU machine (no package registry there), after ../shared/device/stage-deps.sh here:
#   bash scripts/gpu-check.sh            # builds through .device/gpu-build.sh, then checks
# Anywhere with nvcc and a CUDA LibTorch (Torch_DIR, CMAKE_PREFIX_PATH or a Python torch):
#   bash scripts/gpu-check.sh [--build-dir DIR] [--no-build] [--device cuda:N]
# A dry run of the script itself on CPU (small sizes, existing CPU build):
#   bash scripts/gpu-check.sh --device cpu --build-dir build --no-build
# Results: the table on stdout; raw JSON and logs in $OUT (device tool) or <build-dir>/gpu-check.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

build_dir=build-gpu
device=cuda:0
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "usage: $0 [--build-dir DIR] [--no-build] [--device cuda:N|cpu]" >&2; exit 2 ;;
  esac
done
out=${OUT:-$build_dir/gpu-check}
mkdir -p "$out"
t_start=$(date +%s)
stamp() { echo "[gpu-check $(( $(date +%s) - t_start )) s] $*" >&2; }
# timed FILE CMD...: runs CMD, writes its wall seconds to FILE, returns its status.
timed() {
  local file=$1 t0 rc=0
  shift
  t0=$(date +%s.%N)
  "$@" || rc=$?
  python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)" >"$file"
  return $rc
}

# ---- build -----------------------------------------------------------------------------------
targets="nas nas-test-model nas_torch_tests"
if [ "$build" = 1 ]; then
  stamp "building $targets into $build_dir"
  if [ -f .device/gpu-build.sh ]; then
    # The staged libraries of ../shared/device/stage-deps.sh; gpu-build.sh finds nvcc and torch.
    BUILD_DIR=$build_dir TARGETS="$targets" bash .device/gpu-build.sh 2>&1 | tee "$out/build.log" | tail -5
    # shellcheck disable=SC1091
    source .device/env.sh
  else
    # The torch of this machine's Python (or $Torch_DIR's LibTorch), found as setup.sh finds it.
    torch_mode=python
    [ -z "${Torch_DIR:-}" ] || torch_mode=auto
    bash scripts/configure.sh --torch "$torch_mode" --build-dir "$build_dir" 2>&1 | tee "$out/build.log"
    # shellcheck disable=SC2086
    cmake --build "$build_dir" -j"$(nproc)" --target $targets 2>&1 | tee -a "$out/build.log" | tail -3
  fi
  grep -h "LibTorch" "$out/build.log" | head -1 || true
fi
nas=$build_dir/nas
test_model=$build_dir/nas-test-model
[ -x "$nas" ] && [ -x "$test_model" ] || { echo "gpu-check: no build in $build_dir" >&2; exit 1; }

if [ "$device" != cpu ]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt" || true
  # A CUDA LibTorch whose CUDA library was dropped at link time sees no GPU at all.
  if ! "$nas" bench --arch data/arch/min.json --device "$device" --batches 1 --json >/dev/null 2>"$out/probe.err"; then
    echo "gpu-check: $nas cannot use $device: $(head -1 "$out/probe.err")" >&2
    echo "gpu-check: does it link libtorch_cuda? $(ldd "$nas" | grep -c torch_cuda) match(es)" >&2
    exit 1
  fi
fi

# ---- tests -----------------------------------------------------------------------------------
stamp "GPU-relevant tests"
filter='Gpu*:SlotStreams.*:MakeGenerator.*:Synchronize.*:ComputeSettings*:TrialRunnerTest.*:TrainerTest.*'
if "$build_dir/nas_torch_tests" --gtest_filter="$filter" >"$out/tests.log" 2>&1; then tests=passed; else tests=FAILED; fi
tests_line=$(grep -E "^\[  (PASSED  |FAILED  |SKIPPED ) \] [0-9]+ tests?[,.]" "$out/tests.log" | tr -s ' \n' ' ')
stamp "tests $tests: $tests_line"

# ---- nas bench -------------------------------------------------------------------------------
# GPU: full batches; CPU dry run: a handful, so the script's logic is checked in seconds.
if [ "$device" = cpu ]; then batches=2; threads=1; else batches=50; threads=2; fi
for arch in min macs12m max; do
  stamp "bench $arch"
  "$nas" bench --arch "data/arch/$arch.json" --input 3,32,32 --device "$device" --threads $threads \
    --batches $batches --background 3 --json >"$out/bench-$arch.json"
done

# ---- nas-test-model, 2 epochs ------------------------------------------------------------------
stamp "nas-test-model 2 epochs"
rm -rf "$out/retrain"
timed "$out/retrain.time" "$test_model" data/arch/macs12m.json --epochs 2 \
  --dataset synthetic --device "$device" --seed 1 --out "$out/retrain" --log-level warn \
  >"$out/retrain.log" 2>&1 || echo "gpu-check: nas-test-model failed (see $out/retrain.log)" >&2

# ---- a short search with 4 trials at once --------------------------------------------------------
stamp "search, 4 trials at once"
rm -rf "$out/exp"
mem_log=$out/memory.csv
sampler=""
if [ "$device" != cpu ] && command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 250 >"$mem_log" 2>/dev/null &
  sampler=$!
fi
if [ "$device" = cpu ]; then n_trials=4; else n_trials=12; fi
timed "$out/search.time" "$nas" search --dataset synthetic --train-subset 2000 \
  --eval-subset 500 --n-trials $n_trials --max-population 4 --sample-size 2 --epochs 2 \
  --concurrent-trials 4 --device "$device" --seed 1 --experiment-dir "$out/exp" --log-level warn \
  >"$out/search.log" 2>&1 || echo "gpu-check: search failed (see $out/search.log)" >&2
[ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true

# ---- the table ---------------------------------------------------------------------------------
stamp "done"
python3 - "$out" "$device" "$tests" "$tests_line" <<'PY'
import glob, json, os, statistics, sys
out, device, tests, tests_line = sys.argv[1:5]
def load(p):
    try:
        with open(p) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
gpu = open(os.path.join(out, "gpu.txt")).read().strip() if os.path.exists(os.path.join(out, "gpu.txt")) else device
print(f"# nas GPU check on {gpu} ({device})")
print(f"tests: {tests} {tests_line}")
print()
print("| arch | train img/s | eval img/s | latency ms/img alone: median (min-max, 10 runs) "
      "| with 3 trainings running | peak train memory MiB |")
print("|---|---:|---:|---:|---:|---:|")
spread = lambda l: f"{l['median']:.5f} ({l['min']:.5f}-{l['max']:.5f})" if l else "-"
for arch in ("min", "macs12m", "max"):
    b = load(os.path.join(out, f"bench-{arch}.json"))
    if not b:
        print(f"| {arch} | failed | | | | |")
        continue
    mem = b.get("peak_memory_mib")
    print(f"| {arch} | {b['train_images_per_s']:.0f} | {b['eval_images_per_s']:.0f} | "
          f"{spread(b['latency'])} | {spread(b.get('latency_loaded'))} | "
          f"{'-' if mem is None else f'{mem:.0f}'} |")
print()
r = load(os.path.join(out, "retrain", "retrain.json"))
t = open(os.path.join(out, "retrain.time")).read().split()[-1] if os.path.exists(os.path.join(out, "retrain.time")) else "-"
if r:
    eps = ", ".join(f"{e['seconds']:.1f}" for e in r["epochs"])
    print(f"nas-test-model macs12m, 2 epochs, synthetic 3x32x32: status {r['status']}, "
          f"accuracy {r.get('accuracy') or 0:.2f} %, latency {r.get('latency_ms') or 0:.5f} ms/img, "
          f"epochs {eps} s, wall {t} s")
else:
    print(f"nas-test-model: no retrain.json (wall {t} s)")
exps = glob.glob(os.path.join(out, "exp", "*", "experiment.json"))
if exps:
    e = load(exps[0])
    trials = [load(p) for p in glob.glob(os.path.join(os.path.dirname(exps[0]), "trials", "*", "trial.json"))]
    trials = [x for x in trials if x]
    secs = sorted(x["seconds"] for x in trials if x.get("seconds") is not None)
    states = {}
    for x in trials:
        states[x["status"]] = states.get(x["status"], 0) + 1
    wall = open(os.path.join(out, "search.time")).read().split()[-1] if os.path.exists(os.path.join(out, "search.time")) else "-"
    print(f"search, {len(trials)} trials, 4 at once, 2 epochs on 2000 synthetic images: status "
          f"{e['status']}, {states}, wall {wall} s")
    if secs:
        print(f"  trial wall times: min {secs[0]:.1f} s, median {statistics.median(secs):.1f} s, "
              f"max {secs[-1]:.1f} s")
    env = e.get("environment") or {}
    if env:
        names = ", ".join(f"{d['device']}={d['name']}" for d in env.get("devices", []))
        print(f"  environment: {names}; CUDA runtime {env.get('cuda_runtime')}, driver "
              f"{env.get('cuda_driver')}, cuDNN {env.get('cudnn')}, tf32 {env.get('tf32')}")
else:
    print("search: no experiment written")
mem = os.path.join(out, "memory.csv")
if os.path.exists(mem):
    used = [int(l) for l in open(mem).read().split() if l.strip().isdigit()]
    if used:
        print(f"  GPU memory during the search (nvidia-smi, every 250 ms): peak {max(used)} MiB")
PY
