#!/usr/bin/env bash
# Live latency: a producer sends RATE samples per second for SECONDS seconds, event time = wall clock
# (2 FMs x 512 float32 dims, 100 classes, cycling through 100,000 generated rows with new ids), into a
# job running unbounded; a read_committed consumer of the subset topic measures, for every record, the
# wall-clock time it became visible minus its window end. The last window, published by the idle flush
# once the producer stops, is left out of the figures, and so is the first window (the job starting).
# Extra arguments go to `run` (e.g. a low-latency setting: --window 1s -D execution.checkpointing.interval=1s).
# Usage: bench/latency.sh [RATE] [SECONDS] [run flags ...]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rate="${1:-2000}"; seconds="${2:-600}"; shift 2 || true
. "$here/bench/lib.sh"
bench_setup bench-latency 39096
"$fm" generate --out-dir "$work/data" --rows 100000 --classes 100 --dims 512,512 --names fm1,fm2 --noise 1.5 > /dev/null
# one sample first: it creates the topic, which `run` wants to find (its window is left out of the figures)
"$fm" produce --bootstrap-servers $bs --topic samples --labels "$work/data/labels.npy" --features fm1="$work/data/fm1.npy" \
  --features fm2="$work/data/fm2.npy" --live --count 1 --from-row 99999 > /dev/null 2>&1
"$fm" run -D execution.checkpointing.dir="file://$work/checkpoints" --bootstrap-servers $bs --input-topic samples \
  --output-topic subset --fm fm1=512 --fm fm2=512 --fraction 0.1 --parallelism 2 --no-web-ui "$@" \
  > "$work/job.out" 2> "$work/job.err" < /dev/null &
job=$!
sleep 15 # the job is up before the first sample
start=$(date +%s%3N)
"$fm" bench-latency --bootstrap-servers $bs --topic subset --duration-s $((seconds + 120)) --quiet-s 60 \
  --since $((start + 10000)) --until $((start + seconds * 1000)) > "$work/latency.txt" 2> "$work/latency.err" &
consumer=$!
"$fm" produce --bootstrap-servers $bs --topic samples --labels "$work/data/labels.npy" \
  --features fm1="$work/data/fm1.npy" --features fm2="$work/data/fm2.npy" --live --rate "$rate" \
  --count $((rate * seconds)) 2> "$work/produce.err" | tee "$work/produce.txt"
end=$(date +%s%3N)
printf 'produced for %.1f s (%.0f samples/s)\n' "$(echo "($end - $start) / 1000" | bc -l)" \
  "$(echo "$rate * $seconds / (($end - $start) / 1000)" | bc -l)"
wait $consumer || true
cat "$work/latency.txt"
grep "window end" "$work/job.err" | tail -2 || true
