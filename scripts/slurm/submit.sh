#!/usr/bin/env bash
# Submits an experiment to Slurm as a job array of TASKS shards, and a merge
# job that starts when every shard has succeeded. Needs nothing of the site
# but sbatch: it creates ROOT and ROOT/logs itself.
#
# Usage: scripts/slurm/submit.sh SCENARIO ROOT TASKS [sbatch options...]
#   e.g. scripts/slurm/submit.sh scenarios/group_size.toml runs/group_size 16 --account=myproj
# The bonfire binary is $BONFIRE, else target/release/bonfire of this
# checkout (build it first: cargo build --release).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 SCENARIO ROOT TASKS [sbatch options...]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
scenario=$(realpath "$1")
root=$(realpath -m "$2")
tasks=$3
shift 3
export BONFIRE=${BONFIRE:-$(realpath "$here/../../target/release/bonfire")}
export BONFIRE_SHARDS=$tasks
# The memory check is the compute nodes' business (their --mem), not the
# login node's.
"$BONFIRE" check --no-memory-check "$scenario" >/dev/null
if compgen -G "$root/shard-*" >/dev/null; then
  echo "$root already holds shard folders of an earlier submission: choose a new ROOT" >&2
  echo "(or resubmit its failed tasks: see docs/cluster.md)" >&2
  exit 2
fi
mkdir -p "$root/logs"
array=$(sbatch --parsable --export=ALL --array="0-$((tasks - 1))" \
  --output="$root/logs/shard-%a.out" "$@" "$here/shard.sbatch" "$scenario" "$root")
merge=$(sbatch --parsable --export=ALL --dependency="afterok:${array%%;*}" \
  --output="$root/logs/merge.out" "$@" "$here/merge.sbatch" "$root")
echo "submitted shards (job $array) and merge (job $merge); results in $root/merged"
