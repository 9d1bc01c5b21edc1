#!/usr/bin/env bash
# RAM-APL batch benchmark: fmselect select vs the numpy formulation (bench/ram_apl_numpy.py), side by side.
# ROWS rows (default 100,000), two feature sets of 768 and 512 float32 dims, CLASSES classes (default 100),
# fraction 0.1. Whole-process wall time of each, alternating, RUNS times; prints every run, the medians
# and the ratio.
# Usage: [ROWS=N] [CLASSES=C] [FM=path/to/fmselect] bench/ram-apl.sh [DATA_DIR] [RUNS]
#   (needs python3 with numpy for the comparison). The default data dir names the size:
#   target/bench-ram-apl for the default size, target/bench-ram-apl-<ROWS>x<CLASSES> otherwise. FM: the
#   fmselect to time (default: this checkout's bin/fmselect; the data is always generated with this one),
#   e.g. a build of an earlier commit, to compare before and after on the same data in the same session.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rows="${ROWS:-100000}"
classes="${CLASSES:-100}"
if [[ "$rows" == 100000 && "$classes" == 100 ]]; then default_dir="$here/target/bench-ram-apl"
else default_dir="$here/target/bench-ram-apl-${rows}x${classes}"; fi
data="${1:-$default_dir}"
runs="${2:-5}"
gen="$here/bin/fmselect"
fm="${FM:-$here/bin/fmselect}"

if [[ ! -f "$data/clip.npy" ]]; then
  echo "generating $data ..." >&2
  "$gen" generate --out-dir "$data" --rows "$rows" --classes "$classes" --dims 768,512 --names dinov2,clip \
    --noise 1.5 --flip 0.05 --seed 1
fi
data_rows=$(python3 -c "import numpy as np, sys; print(np.load(sys.argv[1], mmap_mode='r').shape[0])" "$data/labels.npy")
echo "data: $data ($data_rows rows); fmselect: $fm"
cat "$data"/*.npy > /dev/null   # warm the page cache for both tools alike

args=(--fraction 0.1 --labels "$data/labels.npy" --features "dinov2=$data/dinov2.npy" --features "clip=$data/clip.npy")
now() { date +%s.%N; }
java_t=(); numpy_t=()
"$fm" select "${args[@]}" --out "$data/warmup.txt" 2>/dev/null   # builds the jar if needed; not timed
for ((i = 1; i <= runs; i++)); do
  t0=$(now); "$fm" select "${args[@]}" --out "$data/java.txt" --stats 2> "$data/java-stats.txt"; t1=$(now)
  java_t+=("$(echo "$t1 - $t0" | bc)")
  t0=$(now); env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 "$here/bench/ram_apl_numpy.py" "${args[@]}" \
    --out "$data/numpy.txt" 2> "$data/numpy-stats.txt"; t1=$(now)
  numpy_t+=("$(echo "$t1 - $t0" | bc)")
  echo "run $i: fmselect $(printf %.3f "${java_t[-1]}") s [$(grep -o 'centroid_pass_s=[0-9.]* method_pass_s=[0-9.]*' "$data/java-stats.txt")]  numpy $(printf %.3f "${numpy_t[-1]}") s [$(cat "$data/numpy-stats.txt")]"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mj=$(median "${java_t[@]}"); mn=$(median "${numpy_t[@]}")
echo "median whole-process: fmselect ${mj} s, numpy ${mn} s, ratio $(echo "scale=3; $mj / $mn" | bc)"
if cmp -s "$data/java.txt" "$data/numpy.txt"; then echo "selections identical"; else
  echo "selections differ in $(diff "$data/java.txt" "$data/numpy.txt" | grep -c '^[<>]') lines (numpy decides close calls in float32)"; fi
grep -o 'heap_peak_bytes=[0-9]* feature_bytes=[0-9]* heap_over_features=[0-9.]*' "$data/java-stats.txt"
# The heap bound, enforced: run with a maximum heap of 1.5x the feature bytes.
feature_mb=$(( data_rows * (768 + 512) * 4 / 1000000 ))
xmx=$(( feature_mb * 3 / 2 ))
FMSELECT_JAVA_OPTS="-Xmx${xmx}m" "$fm" select "${args[@]}" --out "$data/java-xmx.txt" && cmp -s "$data/java-xmx.txt" "$data/java.txt" \
  && echo "ok under -Xmx${xmx}m (1.5 x ${feature_mb} MB of features)"
