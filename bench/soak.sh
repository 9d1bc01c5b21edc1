#!/usr/bin/env bash
# Soak run: a live producer sends RATE samples/s for MINUTES minutes (2 FMs x 512 float32 dims, 100
# classes, cycling over 50,000 generated rows with new ids, so every sample is a new member and the state
# grows for the whole run) into the job running unbounded with its web UI, default settings (config.yaml:
# RocksDB, 10 s checkpoints, 10 s windows), parallelism 2, on a local broker process. Every 10 s
# bench/soak_sample.py reads the job's figures through Flink's REST API into target/soak/samples.csv
# (checkpoints, busy/backpressured time per vertex, heap, RocksDB's native size metrics, which only this
# run enables, and the sizes of its folders on disk; the REST API's metrics are refreshed every 2 s instead of 10 s, records, the freshness gauges, the producer's
# progress). After the producer is done it samples 60 s more (the last windows are published by the idle
# flush), stops the job and the broker, draws target/soak/soak.png and prints a summary per quarter of
# the run (bench/soak_plot.py, Debian's python3-matplotlib, installed if missing).
# Default rate: 1,000/s, see docs/benchmarks.md "Soak run" for why (a 30-minute run ends with 1.8 million
# members, about what the member cache holds with default settings on this 24 GB machine).
# Extra arguments go to `run` (e.g. -D fmselect.selector.member-cache-size=2g).
# Usage: bench/soak.sh [MINUTES] [RATE] [run flags ...]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
minutes="${1:-30}"; rate="${2:-1000}"; shift 2 || shift $# || true
count=$((rate * 60 * minutes))
. "$here/bench/lib.sh"
bench_setup soak 39098 # sets work=target/soak, starts the broker ($broker)
producer= sampler=
finish() {
  local rc=$?
  trap - EXIT INT TERM
  # by PID only: the processes this script started
  kill $producer $sampler $job 2> /dev/null || true
  wait $producer $sampler $job 2> /dev/null || true
  kill $broker 2> /dev/null || true
  wait $broker 2> /dev/null || true
  if [[ -f "$work/samples.csv" && $(wc -l < "$work/samples.csv") -gt 2 ]]; then
    "$here/bench/soak_plot.py" "$work" "$rate" || rc=1
  fi
  exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM
/usr/bin/python3 -c 'import matplotlib' 2> /dev/null || {
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y --no-install-recommends python3-matplotlib > /dev/null \
    || { $sudo apt-get update > /dev/null && $sudo apt-get install -y --no-install-recommends python3-matplotlib > /dev/null; }
  /usr/bin/python3 -c 'import matplotlib'
}
"$fm" generate --out-dir "$work/data" --rows 50000 --classes 100 --dims 512,512 --names fm1,fm2 --noise 1.5 > /dev/null
data=(--labels "$work/data/labels.npy" --features fm1="$work/data/fm1.npy" --features fm2="$work/data/fm2.npy")
# one sample first: it creates the topic, which `run` wants to find (its id, 0000049999, comes again as the
# producer's sample 49,999: one upsert of the same row among all the new ids)
"$fm" produce --bootstrap-servers $bs --topic samples "${data[@]}" --live --count 1 --from-row 49999 > /dev/null 2>&1
"$fm" run -D execution.checkpointing.dir="file://$work/checkpoints" -D state.backend.rocksdb.localdir="$work/rocksdb" \
  -D state.backend.rocksdb.metrics.total-sst-files-size=true -D state.backend.rocksdb.metrics.estimate-live-data-size=true \
  -D metrics.fetcher.update-interval=2s \
  --bootstrap-servers $bs --input-topic samples --output-topic subset --fm fm1=512 --fm fm2=512 --fraction 0.1 \
  --parallelism 2 "$@" > "$work/job.out" 2> "$work/job.err" < /dev/null &
job=$!
ui=
for _ in $(seq 1 180); do
  ui=$(grep -o 'Flink web UI: http[^ ]*' "$work/job.out" || true)
  [[ -n "$ui" ]] && break
  kill -0 $job 2> /dev/null || { echo "the job stopped: $work/job.err" >&2; tail -5 "$work/job.err" >&2; exit 1; }
  sleep 1
done
[[ -n "$ui" ]] || { echo "no web UI line from the job in 180 s ($work/job.out)" >&2; exit 1; }
ui=${ui#Flink web UI: }
base=${ui%%/#*}; jid=${ui##*/}
echo "job $jid, web UI $ui; $rate samples/s for $minutes min ($count samples); figures: $work/samples.csv"
python3 "$here/bench/soak_sample.py" "$base" "$jid" "$work" "$job" 10 2> "$work/sampler.err" &
sampler=$!
sleep 10 # the job is up before the first sample
"$fm" produce --bootstrap-servers $bs --topic samples "${data[@]}" --live --rate "$rate" --count "$count" \
  --progress-s 2 > "$work/produce.out" 2> "$work/produce.err" < /dev/null &
producer=$!
started=$(date +%s)
while kill -0 $producer 2> /dev/null; do
  if ! kill -0 $job 2> /dev/null; then
    jrc=0; wait $job || jrc=$?; job=
    echo "the job stopped during the run (exit status $jrc; 137: killed from outside): $work/job.err" >&2; exit 1
  fi
  sleep 5
done
wait $producer || { echo "the producer failed: $work/produce.err" >&2; tail -3 "$work/produce.err" >&2; exit 1; }
producer=
echo "producer done after $(($(date +%s) - started)) s: $(cat "$work/produce.out")"
sleep 60 # the idle flush publishes the last windows
