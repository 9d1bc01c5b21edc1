# Shared by the streaming benchmarks (sourced): a fresh work folder and a local broker process.
# Usage: bench_setup NAME PORT  -> sets fm, work, bs; stops the broker (and $job, if set) on exit.
#        produce_samples ROWS   -> the streaming benchmarks' data (2 FMs x 512 dims, 100 classes, event times
#                                  1 ms apart from 0) in $work/data and on topic samples
#        median                 -> the median of the numbers on stdin, one per line
# REGISTRY=1: bench_setup also starts a schema registry (this checkout's `fmselect registry`, in memory) and sets
#        registry=(--schema-registry URL), which produce_samples and the job then use: every record in the
#        Confluent wire format (FM= must be a build that knows --schema-registry)
bench_setup() {
  fm="${FM:-$here/bin/fmselect}" # FM=<other checkout>/bin/fmselect measures another build
  work="$here/target/$1"; rm -rf "$work"; mkdir -p "$work"
  "$fm" kafka --port "$2" --data-dir "$work/kafka" > "$work/kafka.out" 2> "$work/kafka.err" &
  broker=$!
  job=
  trap 'kill $job $broker 2>/dev/null; wait $job $broker 2>/dev/null || true' EXIT
  for _ in $(seq 1 60); do grep -q ready "$work/kafka.out" && break; sleep 1; done
  bs=127.0.0.1:$2
  registry=()
  if [[ -n "${REGISTRY:-}" ]]; then
    "$here/bin/fmselect" registry --port $(($2 + 1000)) > "$work/registry.out" 2> "$work/registry.err" &
    broker="$broker $!"
    for _ in $(seq 1 60); do grep -q ready "$work/registry.out" && break; sleep 1; done
    registry=(--schema-registry "$(sed -n 's/^ready //p' "$work/registry.out")")
  fi
}

produce_samples() {
  "$fm" generate --out-dir "$work/data" --rows "$1" --classes 100 --dims 512,512 --names fm1,fm2 --noise 1.5 > /dev/null
  "$fm" produce --bootstrap-servers "$bs" --topic samples --labels "$work/data/labels.npy" \
    --features fm1="$work/data/fm1.npy" --features fm2="$work/data/fm2.npy" --interval-ms 1 --start-time 0 \
    "${registry[@]}" 2> /dev/null
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# Bytes written to the machine's disks so far (whole disks in /proc/diskstats, 512-byte sectors).
disk_written() { awk '$3 ~ /^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme[0-9]+n[0-9]+)$/ {s += $10} END {printf "%.0f\n", s * 512}' /proc/diskstats; }
