#!/usr/bin/env bash
# Cost of one window recompute after 1% of members changed, against a full recompute of the same state.
# Data: ROWS samples (2 FMs x 512 float32 dims, 100 classes) in the first 100 s window, then ROWS/100 new
# samples in each of the next five windows. The job runs at parallelism 1 twice per repetition: with the
# member cache (incremental: RAM from the cached embeddings, pseudo-labels reused where their bounds hold)
# and without it (every member read back from RocksDB, every pseudo-label computed: a full recompute).
# Figures: class-selection's logged time per window (its whole work: the window's changes, the selection,
# state writes and membership events), median over windows 3-6 (warm) and over runs.
# Usage: bench/recompute.sh [ROWS] [RUNS]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rows="${1:-100000}"; runs="${2:-3}"
. "$here/bench/lib.sh"
bench_setup bench-recompute 39093
step=$((rows / 100)); total=$((rows + 5 * step))
"$fm" generate --out-dir "$work/data" --rows "$total" --classes 100 --dims 512,512 --names fm1,fm2 --noise 1.5 > /dev/null
send() {
  "$fm" produce --bootstrap-servers $bs --topic samples --labels "$work/data/labels.npy" \
    --features fm1="$work/data/fm1.npy" --features fm2="$work/data/fm2.npy" "$@" > /dev/null 2>&1
}
# the first window (event times 1 .. 100 s) takes ROWS samples; windows 2-6 take ROWS/100 each
send --to-row "$rows" --start-time 1 --interval-ms $((100000 / rows > 0 ? 100000 / rows : 1))
send --from-row "$rows" --start-time 100001 --interval-ms $((100000 / step))
for ((i = 1; i <= runs; i++)); do
  for cache in true false; do
    "$fm" run -D execution.checkpointing.dir="file://$work/checkpoints" --bootstrap-servers $bs --input-topic samples --output-topic "subset-$cache-$i" \
      --rejects-topic "rejects-$cache-$i" --group-id "bench-$cache-$i" --fm fm1=512 --fm fm2=512 --fraction 0.1 \
      --window 100s --bounded --parallelism 1 --no-web-ui -D fmselect.selector.member-cache=$cache \
      > /dev/null 2> "$work/job-$cache-$i.err"
    grep -E "window end 1970-01-01T00:(05:00|06:40|08:20|10:00)Z" "$work/job-$cache-$i.err" \
      | sed 's/.*window end/window end/' | tee -a "$work/$cache.txt"
  done
done
figure() { grep -o "$1 [0-9.]* ms" "$work/$2.txt" | awk '{print $(NF-1)}' | median; }
printf 'window after %d of %d members changed (medians of %d runs x 4 windows):\n' "$step" "$total" "$runs"
printf '  class stage (changes, selection, state, membership events): incremental %s ms, full %s ms, ratio %.3f\n' \
  "$(figure in true)" "$(figure in false)" "$(echo "$(figure in true) / $(figure in false)" | bc -l)"
