# Shared by the streaming benchmarks (sourced): a fresh work folder and a local broker process.
# Usage: bench_setup NAME PORT  -> sets fm, work, bs; stops the broker (and $job, if set) on exit.
bench_setup() {
  fm="${FM:-$here/bin/fmselect}" # FM=<other checkout>/bin/fmselect measures another build
  work="$here/target/$1"; rm -rf "$work"; mkdir -p "$work"
  "$fm" kafka --port "$2" --data-dir "$work/kafka" > "$work/kafka.out" 2> "$work/kafka.err" &
  broker=$!
  job=
  trap 'kill $job $broker 2>/dev/null; wait $job $broker 2>/dev/null || true' EXIT
  for _ in $(seq 1 60); do grep -q ready "$work/kafka.out" && break; sleep 1; done
  bs=127.0.0.1:$2
}
