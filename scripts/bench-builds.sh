#!/usr/bin/env bash
# The two LibTorch builds side by side on this machine, in one run (docs/PERFORMANCE.md, "Debian's
# LibTorch against the official one"): `nas bench` on data/arch min, macs12m and max at 1 and 2
# threads, what each hand-written CPU lever still gains (`nas bench --without LEVER`), the same
# with the CPU kernels held to AVX2 (as on the project's slower machines, which lack AVX-512),
# and `nas search --quick --seed 1`. Prints markdown tables; asserts nothing.
#
#   scripts/bench-builds.sh [--builds "build build-pip"] [--skip-search] [--skip-levers]
#
# Each build folder must hold a built nas (scripts/setup.sh --torch debian / --torch pip
# --build-dir build-pip).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
builds="build build-pip"
skip_search=0
skip_levers=0
while [ $# -gt 0 ]; do
  case "$1" in
    --builds) builds=$2; shift 2 ;;
    --skip-search) skip_search=1; shift ;;
    --skip-levers) skip_levers=1; shift ;;
    *) echo "usage: $0 [--builds \"DIR DIR\"] [--skip-search] [--skip-levers]" >&2; exit 2 ;;
  esac
done
for b in $builds; do
  [ -x "$b/nas" ] || { echo "bench-builds: no $b/nas: build it first (scripts/setup.sh)" >&2; exit 1; }
done

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
avx512=$(grep -o -w -m1 'avx512f' /proc/cpuinfo | head -1 || true)
echo "# $(date -u +%F), $(nproc) cores, ${cpu} (family $(lscpu | sed -n "s/^CPU family: *//p"), model $(lscpu | sed -n "s/^Model: *//p")), AVX-512: $([ -n "$avx512" ] && echo yes || echo no)"
for b in $builds; do echo "# $b: $("$b/nas" --version)"; done

# bench BUILD ARCH INPUT THREADS [flags...]: "train eval latency" from nas bench --json.
bench() {
  local build=$1 arch=$2 input=$3 threads=$4 batches=20
  shift 4
  [ "$arch" = max ] && batches=6
  "$build/nas" bench "data/arch/$arch.json" --input "$input" --threads "$threads" \
    --batches "$batches" --json "$@" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.0f %.0f %.4f" % (d["train_images_per_s"], d["eval_images_per_s"], d["latency_ms"]))'
}

echo
echo "## nas bench, channels-last (the default), 3x32x32, batch 64"
echo
echo "| arch | threads | build | train img/s | eval img/s | latency ms/image |"
echo "|---|---:|---|---:|---:|---:|"
for arch in min macs12m max; do
  for threads in 1 2; do
    for b in $builds; do
      read -r train eval lat < <(bench "$b" "$arch" 3,32,32 "$threads")
      echo "| $arch | $threads | $b | $train | $eval | $lat |"
    done
  done
done

if [ $skip_levers = 0 ]; then
  # ISA: what the CPU kernels may use. "avx2" holds LibTorch's own kernels, oneDNN (both names of
  # its variable, for 1.13's and 2.x's), OpenBLAS (Debian) and MKL (pip) to AVX2.
  run_isa() {
    if [ "$1" = avx2 ]; then
      shift
      ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2 \
        OPENBLAS_CORETYPE=Haswell MKL_ENABLE_INSTRUCTIONS=AVX2 "$@"
    else
      shift
      "$@"
    fi
  }
  echo
  echo "## What each lever gains: macs12m, 1 thread, train img/s with the lever on / off"
  echo
  echo "| ISA | build | input | lever | on | off | gain |"
  echo "|---|---|---|---|---:|---:|---:|"
  for isa in native avx2; do
    [ "$isa" = native ] && [ -z "$avx512" ] && continue
    for b in $builds; do
      for lever in crop adam stem-cl dw; do
        input=3,32,32
        [ $lever = stem-cl ] && input=1,28,28
        # On and off twice, interleaved, best of each: a shared machine drifts.
        best_on=0 best_off=0
        for _ in 1 2; do
          read -r on _ _ < <(run_isa $isa bench "$b" macs12m $input 1)
          read -r off _ _ < <(run_isa $isa bench "$b" macs12m $input 1 --without $lever)
          [ "$on" -gt "$best_on" ] && best_on=$on
          [ "$off" -gt "$best_off" ] && best_off=$off
        done
        gain=$(python3 -c "print('%.2fx' % ($best_on / $best_off))")
        echo "| $isa | $b | $input | $lever | $best_on | $best_off | $gain |"
      done
    done
  done
fi

if [ $skip_search = 0 ]; then
  echo
  echo "## nas search --quick --seed 1 (2 cores)"
  echo
  echo "| build | wall s | best trial | its metric |"
  echo "|---|---:|---|---:|"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  for b in $builds; do
    t0=$(date +%s.%N)
    "$b/nas" search --quick --seed 1 --experiment-dir "$tmp/$b" --log-level warn >/dev/null
    wall=$(python3 -c "import sys; print('%.0f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)")
    best=$(python3 - "$tmp/$b" <<'PY'
import glob, json, sys
best = None
for f in glob.glob(sys.argv[1] + "/*/trials/*/trial.json"):
    t = json.load(open(f))
    m = t.get("metric")
    if m is not None and (best is None or m > best[1]):
        best = (t.get("id", f.split("/")[-2]), m)
print("%s %.4f" % best if best else "- -")
PY
)
    echo "| $b | $wall | ${best% *} | ${best#* } |"
  done
fi
