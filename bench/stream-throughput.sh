#!/usr/bin/env bash
# Streaming throughput: Kafka -> fmselect job -> Kafka, against a plain Kafka consume-and-produce copy of
# the same records, in the same run, on a local broker process.
# Data: ROWS samples, 2 FMs x 512 float32 dims, 100 classes, event times 1 ms apart, 10 s windows.
# JOB_JAVA_OPTS: JVM options for the job only (e.g. -XX:StartFlightRecording=filename=job.jfr,settings=profile).
# METHOD=uniform: the same 4 KB per sample as one FM of 1024 dims, selected by a seeded draw: the job's
# dataflow (Kafka, state, shuffles) without RAM-APL's work, for comparison.
# After each run, the records the job committed to the subset topic are counted; each job's disk writes
# (the machine's, from /proc/diskstats, while the job runs: RocksDB, checkpoints, its Kafka output) and the
# size of its checkpoint folder at the end go to disk.txt.
# WINDOW: the job's window (default 10s). JOB_ARGS: more flags for the job (e.g.
# "-D execution.checkpointing.interval=1s"). REGISTRY=1: every record in the Confluent wire format through a
# schema registry (bench/lib.sh).
# Usage: bench/stream-throughput.sh [ROWS] [RUNS] [PARALLELISM]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rows="${1:-100000}"; runs="${2:-3}"; par="${3:-2}"
. "$here/bench/lib.sh"
bench_setup bench-stream 39092
method="${METHOD:-ram-apl}"
if [[ "$method" == ram-apl ]]; then
  fms=(--fm fm1=512 --fm fm2=512)
  produce_samples "$rows"
else
  fms=(--fm fm1=1024)
  "$fm" generate --out-dir "$work/data" --rows "$rows" --classes 100 --dims 1024 --names fm1 --noise 1.5 > /dev/null
  "$fm" produce --bootstrap-servers $bs --topic samples --labels "$work/data/labels.npy" \
    --features fm1="$work/data/fm1.npy" --interval-ms 1 --start-time 0 "${registry[@]}" 2> /dev/null
fi
for ((i = 1; i <= runs; i++)); do
  "$fm" bench-copy --bootstrap-servers $bs --from samples --to "copy-$i" 2> /dev/null | tee -a "$work/copy.txt"
  rm -rf "$work/checkpoints"
  written_before=$(disk_written)
  FMSELECT_JAVA_OPTS="${JOB_JAVA_OPTS:-}" "$fm" run -D execution.checkpointing.dir="file://$work/checkpoints" --bootstrap-servers $bs --input-topic samples --output-topic "subset-$i" --rejects-topic "rejects-$i" \
    --group-id "bench-$i" "${fms[@]}" --method "$method" --fraction 0.1 --window "${WINDOW:-10s}" --bounded --parallelism "$par" \
    --no-web-ui "${registry[@]}" ${JOB_ARGS:-} 2> "$work/job-$i.err" | grep done | sed "s/^/job: $rows records, /" | tee -a "$work/job.txt"
  written=$(( $(disk_written) - written_before ))
  printf 'disk: %s bytes written (%s B/sample); checkpoints: %s bytes\n' "$written" $((written / rows)) \
    "$(du -sb "$work/checkpoints" | cut -f1)" | tee -a "$work/disk.txt"
  "$here/bin/fmselect" bench-latency --bootstrap-servers $bs --topic "subset-$i" --duration-s 300 --quiet-s 10 "${registry[@]}" \
    2> /dev/null | sed 's/ in .*//; s/^/published: /' | tee -a "$work/published.txt"
done
printf 'median disk written %s B/sample\n' "$(grep -o '([0-9]* B/sample)' "$work/disk.txt" | tr -d '(' | awk '{print $1}' | median)"
copy_rate=$(grep -o '([0-9]* records/s)' "$work/copy.txt" | tr -d '(' | awk '{print $1}' | median)
job_s=$(grep -o 'runtime [0-9.]*' "$work/job.txt" | awk '{print $2}' | median)
job_rate=$(echo "$rows / $job_s" | bc -l)
printf 'median copy %.0f records/s; median job %.0f records/s (net runtime %s s); job/copy %.2f\n' \
  "$copy_rate" "$job_rate" "$job_s" "$(echo "$job_rate / $copy_rate" | bc -l)"
