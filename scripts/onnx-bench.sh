#!/usr/bin/env bash
# The same network in ONNX Runtime (what `nas export` writes) and in nas's own LibTorch loop
# (`nas bench`), on the CPU at 1 and 2 threads: latency in ms per image at the search's latency
# batch, and their ratio. Prints a markdown table for docs/PERFORMANCE.md; asserts nothing.
#
#   scripts/onnx-bench.sh [--build-dir DIR] [--arch "FILE ..."] [--dataset NAME] [--batch N]
#
# Defaults: build, data/arch/min.json, macs12m.json and max.json, fashion-mnist, batch 64. ONNX
# Runtime comes from the venv scripts/peer/onnx-parity.sh prepares (.venv-ort): Debian 12 packages
# no ONNX Runtime library for C++, so its Python API times it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=build archs="data/arch/min.json data/arch/macs12m.json data/arch/max.json"
dataset=fashion-mnist batch=64
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --arch) archs=$2; shift 2 ;;
    --dataset) dataset=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    *) echo "usage: $0 [--build-dir DIR] [--arch \"FILE ...\"] [--dataset NAME] [--batch N]" >&2
       exit 2 ;;
  esac
done
[ -x "$build/nas" ] || { echo "onnx-bench: no $build/nas: build it first" >&2; exit 1; }
bash scripts/peer/onnx-parity.sh --setup-only >/dev/null
py=${NAS_ORT_VENV:-$root/.venv-ort}/bin/python
work=$(mktemp -d "${TMPDIR:-/tmp}/onnx-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
ort=$("$py" -c 'import onnxruntime; print(onnxruntime.__version__)')
echo "CPU: $cpu; $("$build/nas" --version | head -1); ONNX Runtime $ort (CPU provider); $dataset, batch $batch; $(date -u +%F)"
echo
echo "| network | threads | nas bench ms/image | ONNX Runtime ms/image | ORT / nas |"
echo "|---|---:|---:|---:|---:|"
for arch in $archs; do
  name=$(basename "$arch" .json)
  "$build/nas" export "$arch" --dataset "$dataset" --out "$work/$name.onnx" >/dev/null
  for threads in 1 2; do
    ours=$("$build/nas" bench "$arch" --dataset "$dataset" --threads "$threads" --batches 3 \
             --latency-batch "$batch" --json | "$py" -c 'import json,sys; print(json.load(sys.stdin)["latency_ms"])')
    theirs=$("$py" scripts/peer/onnx_parity.py bench --model "$work/$name.onnx" --batch "$batch" \
               --threads "$threads" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["latency_ms"])')
    "$py" -c "import sys; a, b = float(sys.argv[3]), float(sys.argv[4]); print(f'| {sys.argv[1]} | {sys.argv[2]} | {a:.4f} | {b:.4f} | {b / a:.2f} |')" \
      "$name" "$threads" "$ours" "$theirs"
  done
done
