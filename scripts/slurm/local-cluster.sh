#!/usr/bin/env bash
# Brings up a one-node Slurm cluster on this machine (Debian's slurmctld, slurmd and munge, as
# root, configuration in a temporary folder), runs scripts/slurm/search.sbatch on it with 3 ranks
# (the driver and two workers) on synthetic data, checks that the search completed, and tears
# the cluster down. Needs root and the packages of `scripts/setup.sh --with-slurm`.
# Usage: scripts/slurm/local-cluster.sh [--keep] (keep: leave the temporary folder for a look)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
keep=0
[ "${1:-}" = --keep ] && keep=1
[ "$(id -u)" = 0 ] || { echo "local-cluster: run as root (it starts munged, slurmctld, slurmd)" >&2; exit 1; }
for cmd in munged slurmctld slurmd sbatch scontrol; do
  command -v "$cmd" >/dev/null || { echo "local-cluster: $cmd missing: bash scripts/setup.sh --with-slurm" >&2; exit 1; }
done
[ -x build/nas ] || { echo "local-cluster: build first: bash scripts/setup.sh" >&2; exit 1; }

tmp=$(mktemp -d /tmp/nas-slurm.XXXXXX)
conf=$tmp/slurm.conf
host=$(hostname -s)
pids=()
cleanup() {
  [ -n "${SLURM_CONF:-}" ] && scancel --quiet --full "${job:-0}" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [ $keep = 1 ]; then echo "local-cluster: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# munge: a key of this cluster's own, a socket in the temporary folder.
mkdir -p "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 700 "$tmp/munge"; chmod 400 "$tmp/munge/munge.key"
munged --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/seed"
pids+=("$(cat "$tmp/munge/munged.pid")")

mkdir -p "$tmp/state" "$tmp/spool" "$tmp/log"
# Three tasks on a 2-core machine: the node is declared with more CPUs than it has
# (config_overrides), since the ranks mostly wait.
cat > "$conf" <<CONF
ClusterName=nas-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/socket
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
SlurmdParameters=config_overrides
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$host CPUs=8 RealMemory=1000 State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$conf
slurmctld -f "$conf"
sleep 1
pids+=("$(cat "$tmp/slurmctld.pid")")
slurmd -f "$conf"
sleep 1
pids+=("$(cat "$tmp/slurmd.pid")")
for _ in $(seq 60); do
  state=$(sinfo -h -N -o %t 2>/dev/null | head -1)
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || { echo "local-cluster: node not idle ($state)"; cat "$tmp/log/"*.log >&2; exit 1; }
echo "local-cluster: slurm up on $host ($(sinfo -h -o '%P %D %C'))"

export NAS_EXPERIMENT_DIR=$tmp/experiments NAS_EXPERIMENT_ID=local-search NAS_BIN=$root/build/nas
export NAS_SEARCH_ARGS="--dataset synthetic --train-subset 256 --eval-subset 128 --n-trials 8 --max-population 4 --sample-size 2 --concurrent-trials 2 --threads 1 --latency-batch 16 --device cpu --seed 7"
# The example as it is, sized for this node: 1 node, 3 ranks, no GPUs.
job=$(sbatch --parsable --nodes=1 --ntasks=3 --cpus-per-task=1 --gpus-per-node=0 \
  --time=10 --output="$tmp/job-%j.out" scripts/slurm/search.sbatch)
echo "local-cluster: submitted job $job"
for _ in $(seq 300); do
  state=$(scontrol show job "$job" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
  case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
  sleep 1
done
echo "local-cluster: job $job $state"
cat "$tmp"/job-*.out
status=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['status'])" \
  "$NAS_EXPERIMENT_DIR/local-search/experiment.json" 2>/dev/null || echo missing)
trials=$(ls "$NAS_EXPERIMENT_DIR/local-search/trials" 2>/dev/null | wc -l)
echo "local-cluster: experiment $status, $trials trials"
[ "$state" = COMPLETED ] && [ "$status" = completed ] && [ "$trials" = 8 ] || exit 1
echo "local-cluster: ok"
