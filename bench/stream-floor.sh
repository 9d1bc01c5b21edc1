#!/usr/bin/env bash
# The dataflow's floor: what the job's parts cost on their own, against the plain Kafka copy, in the same
# run. The data are stream-throughput.sh's (ROWS samples, 2 FMs x 512 float32 dims, 100 classes, event
# times 1 ms apart). Each run copies the topic, then runs the job cut after each part
# (-D fmselect.bench.dataflow-floor=STAGE: no selection, no output; see DataflowFloor.java), then the whole
# job (FULL=0 leaves it out):
#   READ        Kafka source, decoding, validation
#   SHUFFLE     + records keyed by sample id
#   ONE_WRITE   + each embedding written once to RocksDB keyed state
#   TWO_WRITES  + keyed by class and written a second time (the two copies the job keeps), nothing else
# STAGES: the cuts to run (default "READ SHUFFLE ONE_WRITE TWO_WRITES").
# JOB_ARGS: more flags for every job (e.g. "-D state.backend.rocksdb.localdir=/dev/shm/fmselect-rocksdb
# -D execution.checkpointing.dir=file:///dev/shm/fmselect-checkpoints" puts RocksDB and the checkpoints in
# memory, to see what the disk costs).
# Usage: bench/stream-floor.sh [ROWS] [RUNS] [PARALLELISM]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rows="${1:-100000}"; runs="${2:-3}"; par="${3:-2}"
. "$here/bench/lib.sh"
bench_setup bench-floor 39094
produce_samples "$rows"
rm -rf "$work/data"
read -r -a stages <<< "${STAGES:-READ SHUFFLE ONE_WRITE TWO_WRITES}"
[[ "${FULL:-1}" == 1 ]] && stages+=(FULL)
job() { # NAME RUN [FLAGS...]: one job run; appends its net runtime to $work/NAME.txt
  local name=$1 i=$2; shift 2
  rm -rf "$work/checkpoints"
  local s
  # shellcheck disable=SC2086
  s=$("$fm" run -D execution.checkpointing.dir="file://$work/checkpoints" --bootstrap-servers $bs --input-topic samples \
    --output-topic "subset-$name-$i" --rejects-topic "rejects-$name-$i" --group-id "floor-$name-$i" \
    --fm fm1=512 --fm fm2=512 --fraction 0.1 --window 10s --bounded --parallelism "$par" --no-web-ui \
    "$@" ${JOB_ARGS:-} 2> "$work/job-$name-$i.err" | grep -o 'runtime [0-9.]*' | awk '{print $2}')
  echo "$s" >> "$work/$name.txt"
  echo "run $i: $name $s s"
}
for ((i = 1; i <= runs; i++)); do
  "$fm" bench-copy --bootstrap-servers $bs --from samples --to "copy-$i" 2> /dev/null | tee -a "$work/copy.txt"
  for st in "${stages[@]}"; do
    if [[ "$st" == FULL ]]; then job FULL "$i"; else job "$st" "$i" -D fmselect.bench.dataflow-floor="$st"; fi
  done
done
copy_rate=$(grep -o '([0-9]* records/s)' "$work/copy.txt" | tr -d '(' | awk '{print $1}' | median)
printf 'median copy: %.0f records/s (%.1f s)\n' "$copy_rate" "$(echo "$rows / $copy_rate" | bc -l)"
for st in "${stages[@]}"; do
  s=$(median < "$work/$st.txt")
  printf '%-10s median %7.1f s = %6.0f records/s, %.2fx the copy\n' "$st" "$s" "$(echo "$rows / $s" | bc -l)" \
    "$(echo "$rows / $s / $copy_rate" | bc -l)"
done
