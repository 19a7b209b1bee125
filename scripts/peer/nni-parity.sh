#!/usr/bin/env bash
# Parity check of our C++ network against the real NNI: NNI 2.7 (what the original ran) builds the
# reference networks and draws the 54-label architectures, NNI 3.0 draws 66-label ones.
#
#   scripts/peer/nni-parity.sh [--build-dir DIR] [--count N] [--ours N] [--seed S] [--work DIR]
#                              [--no-nni30] [--selftest] [--bench] [--setup-only]
#
# --build-dir DIR  folder holding nas and nas_peer_export (default build-pip)
# --count N     architectures per space drawn by NNI's samplers (default 20); --ours N: drawn by
#               `nas arch --random` per space (default 5); --seed S (default 0)
# --work DIR    keep the trial folders (parameter.cfg, exports) there
# --no-nni30    skip NNI 3.0 and the 66-label architectures it draws
# --selftest    only the NNI half (no build needed): reference figures, names file, round trip
# --bench       only the original's training-step benchmark (images/s, 1 and 2 threads)
# --setup-only  only create/refresh the virtual environments
#
# The two virtual environments (.venv-nni27, .venv-nni30, or under $NAS_PARITY_VENVS) hold NNI with
# --no-deps and the few pinned packages its import chain needs; torch is not installed in them but
# reused from the project's .venv (scripts/setup.sh --torch pip) through a .pth file. Override with
# NAS_PARITY_TORCH_SITE (a site-packages folder holding torch) and NAS_PARITY_PYTHON (the matching
# Python, default the one .venv was made with). NAS_PARITY_WHEELS: a folder of wheels pip may use
# first (e.g. nni-2.7-py3-none-manylinux1_x86_64.whl).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
die() { echo "nni-parity: $*" >&2; exit 1; }

build=build-pip count=20 ours=5 seed=0 work="" nni30=1 mode=check
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir|--count|--ours|--seed|--work)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in --build-dir) build=$2 ;; --count) count=$2 ;; --ours) ours=$2 ;;
                   --seed) seed=$2 ;; --work) work=$2 ;; esac
      shift 2 ;;
    --no-nni30) nni30=0; shift ;;
    --selftest) mode=selftest; shift ;;
    --bench) mode=bench; shift ;;
    --setup-only) mode=setup; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

# Pinned: what the import chains of `nni.retiarii` (2.7) and `nni.nas` (3.0) need on Python 3.11.
# 2.7 wants typeguard<3; 3.0 wants typeguard>=3,<4.1.3, scipy (nni.mutable) and pytorch-lightning
# (nni.nas.evaluator, imported by nni.nas). requests needs its four.
common=(numpy==2.4.6 colorama==0.4.6 cloudpickle==3.1.3 json-tricks==3.17.3 PyYAML==6.0.4
        psutil==7.2.2 requests==2.34.2 urllib3==2.8.0 idna==3.21 certifi==2026.10.19.post1
        charset-normalizer==3.5.3 astor==0.8.1 schema==0.7.8 packaging==26.4)
pins27=(nni==2.7 typeguard==2.13.3 "${common[@]}")
pins30=(nni==3.0 typeguard==4.1.2 scipy==1.17.1 pytorch-lightning==2.6.6 lightning-utilities==0.15.3
        torchmetrics==1.9.0 tqdm==4.70.1 "${common[@]}")

# torch to reuse, and the Python it was installed for.
torch_site=${NAS_PARITY_TORCH_SITE:-}
if [ -z "$torch_site" ]; then
  for d in "$root"/.venv/lib/python3*/site-packages; do
    [ -d "$d/torch" ] && torch_site=$d
  done
fi
[ -n "$torch_site" ] && [ -d "$torch_site/torch" ] ||
  die "no torch found (looked in .venv; run scripts/setup.sh --torch pip or set NAS_PARITY_TORCH_SITE)"
py=${NAS_PARITY_PYTHON:-}
if [ -z "$py" ] && [ -f "$root/.venv/pyvenv.cfg" ]; then
  py=$(sed -n 's/^executable *= *//p' "$root/.venv/pyvenv.cfg")
  [ -n "$py" ] || py="$(sed -n 's/^home *= *//p' "$root/.venv/pyvenv.cfg")/python3"
fi
py=${py:-python3}
command -v "$py" >/dev/null || die "Python '$py' not found (set NAS_PARITY_PYTHON)"
want=$(basename "$(dirname "$torch_site")")   # python3.X
have=$("$py" -c 'import sys; print("python%d.%d" % sys.version_info[:2])')
[ "$want" = "$have" ] || die "torch in $torch_site is for $want but $py is $have (set NAS_PARITY_PYTHON)"
venvs=${NAS_PARITY_VENVS:-$root}

# ensure_venv DIR SMOKE-IMPORT PIN...: create or refresh DIR unless its stamp matches.
ensure_venv() {
  local dir=$1 smoke=$2; shift 2
  local stamp="$* torch=$torch_site py=$have"
  if [ -f "$dir/.nas-parity-stamp" ] && [ "$(cat "$dir/.nas-parity-stamp")" = "$stamp" ] &&
     "$dir/bin/python" -W ignore -c "$smoke" >/dev/null 2>&1; then
    return 0
  fi
  echo "nni-parity: preparing $dir" >&2
  rm -rf "$dir"
  "$py" -m venv "$dir" || die "cannot create $dir with $py (python3-venv missing?)"
  local site
  site=$("$dir/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$torch_site" > "$site/_nas_parity_torch.pth"
  local extra=()
  [ -n "${NAS_PARITY_WHEELS:-}" ] && extra=(--find-links "$NAS_PARITY_WHEELS")
  "$dir/bin/python" -m pip install -q --disable-pip-version-check --no-deps ${extra[@]+"${extra[@]}"} "$@" \
    >"$dir.pip.log" 2>&1 || die "pip install into $dir failed (see $dir.pip.log)"
  local err
  err=$("$dir/bin/python" -W ignore -c "$smoke" 2>&1 >/dev/null | tail -1) ||
    die "$dir: '$smoke' fails: $err"
  echo "$stamp" > "$dir/.nas-parity-stamp"
}

v27=$venvs/.venv-nni27 v30=$venvs/.venv-nni30
ensure_venv "$v27" "import torch; from nni.retiarii import fixed_arch; from nni.retiarii.hub.pytorch import MobileNetV3Space" "${pins27[@]}"
if [ $nni30 = 1 ] && [ $mode = check ] || [ $mode = setup ]; then
  ensure_venv "$v30" "import torch; from nni.nas.hub.pytorch import MobileNetV3Space; from nni.nas.space import model_context" "${pins30[@]}"
fi

tool=scripts/peer/nni_parity.py
export PYTHONWARNINGS=ignore
case $mode in
  setup) echo "nni-parity: $v27 and $v30 ready (torch from $torch_site)" ;;
  selftest) exec "$v27/bin/python" "$tool" selftest --seed "$seed" ;;
  bench) exec "$v27/bin/python" "$tool" bench ;;
  check)
    [ -x "$build/nas" ] || die "$build/nas not found (build it, or pass --build-dir DIR)"
    [ -x "$build/nas_peer_export" ] || die "$build/nas_peer_export not found (build it, or pass --build-dir DIR)"
    work=${work:-$(mktemp -d "${TMPDIR:-/tmp}/nni-parity.XXXXXX")}
    mkdir -p "$work"
    args=(check --build "$build" --count "$count" --ours "$ours" --seed "$seed" --work "$work")
    if [ $nni30 = 1 ]; then
      "$v30/bin/python" "$tool" sample30 --count "$count" --seed "$seed" --out "$work/archs66.json"
      args+=(--archs66 "$work/archs66.json")
    fi
    "$v27/bin/python" "$tool" selftest --seed "$seed" --count 5
    exec "$v27/bin/python" "$tool" "${args[@]}" ;;
esac
