#!/usr/bin/env bash
# What `nas export` writes, checked in ONNX Runtime: for --count seeded random architectures of each
# MobileNetV3 label set (mobilenetv3, nni-2.7), nas_peer_export gives every tensor a value of its
# own (fresh BatchNorm is the identity and fresh logits are tiny, which would hide a mistake) and
# writes them as NNI 2.7's state dict; `nas export --weights` turns that into model.onnx (dynamic
# batch) and, for every fourth, batch1.onnx (--batch 1); ONNX Runtime's CPU provider runs both and
# scripts/peer/onnx_parity.py compares its logits with the LibTorch logits of the sample files.
#
#   scripts/peer/onnx-parity.sh [--build-dir DIR] [--count N] [--seed S] [--work DIR] [--setup-only]
#
# --build-dir DIR  folder holding nas and nas_peer_export (default build)
# --count N        architectures per label set (default 20); --seed S first seed (default 0)
# --work DIR       keep the exports there (default: a temporary folder, removed after a pass)
#
# The virtual environment (.venv-ort, or $NAS_ORT_VENV) holds the pinned onnxruntime and numpy
# from PyPI and is reused while its pins are unchanged. ONNX Runtime is a reference here, never
# something nas needs to run.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
die() { echo "onnx-parity: $*" >&2; exit 1; }

build=build count=20 seed=0 work="" setup_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir|--count|--seed|--work)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in --build-dir) build=$2 ;; --count) count=$2 ;; --seed) seed=$2 ;;
                   --work) work=$2 ;; esac
      shift 2 ;;
    --setup-only) setup_only=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

pins=(onnxruntime==1.32.0 numpy==2.4.6)
venv=${NAS_ORT_VENV:-$root/.venv-ort}
stamp="${pins[*]}"
if ! { [ -f "$venv/.nas-ort-stamp" ] && [ "$(cat "$venv/.nas-ort-stamp")" = "$stamp" ] &&
       "$venv/bin/python" -c "import onnxruntime" >/dev/null 2>&1; }; then
  echo "onnx-parity: preparing $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" || die "cannot create $venv (python3-venv missing?)"
  # --no-deps: inference needs numpy alone; the rest of onnxruntime's requirements serve its tools.
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps "${pins[@]}" \
    >"$venv.pip.log" 2>&1 || die "pip install into $venv failed (see $venv.pip.log)"
  err=$("$venv/bin/python" -c "import onnxruntime" 2>&1 >/dev/null | tail -1) ||
    die "$venv: 'import onnxruntime' fails: $err"
  echo "$stamp" > "$venv/.nas-ort-stamp"
fi
[ $setup_only = 1 ] && { echo "onnx-parity: $venv ready"; exit 0; }

[ -x "$build/nas" ] || die "$build/nas not found (build it, or pass --build-dir DIR)"
[ -x "$build/nas_peer_export" ] || die "$build/nas_peer_export not found (build it, or pass --build-dir DIR)"
"$build/nas" export --help >/dev/null 2>&1 || die "$build/nas has no export command"
keep=1
if [ -z "$work" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/onnx-parity.XXXXXX")
  keep=0
fi
mkdir -p "$work"
dirs=()
n=0
for space in mobilenetv3 nni-2.7; do
  for ((i = 0; i < count; i++)); do
    s=$((seed + i))
    d=$work/$space-$s
    # Both data set shapes: one channel 28x28 (Fashion-MNIST) and three 32x32 (CIFAR-10).
    if ((i % 2)); then input=3,32,32 dataset=cifar10; else input=1,28,28 dataset=fashion-mnist; fi
    "$build/nas_peer_export" --space "$space" --seed "$s" --input "$input" --out "$d" >/dev/null
    "$build/nas" export "$d/arch.json" --weights "$d/model_state_dict.pt" --dataset "$dataset" \
      --seed "$s" --out "$d/model.onnx" >/dev/null
    if ((n % 4 == 0)); then
      "$build/nas" export "$d/arch.json" --weights "$d/model_state_dict.pt" --dataset "$dataset" \
        --seed "$s" --batch 1 --out "$d/batch1.onnx" >/dev/null
    fi
    dirs+=("$d")
    n=$((n + 1))
  done
done
status=0
"$venv/bin/python" scripts/peer/onnx_parity.py check --dir "${dirs[@]}" || status=$?
if [ $status = 0 ] && [ $keep = 0 ]; then rm -rf "$work"; fi
[ $status = 0 ] || echo "onnx-parity: exports kept in $work" >&2
exit $status
