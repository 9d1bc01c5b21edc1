#!/usr/bin/env bash
# The pulled CNNs at their own input size against a smaller one: nearest-centroid accuracy of the
# features on 2,000 Fashion-MNIST test images (200 per class; 5 folds: class centroids from four fifths,
# cosine on L2-normalized features, the rest classified), and the embedding time. Needs Debian's
# dataset-fashion-mnist and python3-numpy / python3-pil (/usr/bin/python3), and `fmselect models pull`.
# Usage: bench/input-size.sh [SIZE]   (default 96)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
size="${1:-96}"
work="$here/target/input-size"
rm -rf "$work"; mkdir -p "$work/small"
/usr/bin/python3 "$here/bench/input_size.py" images "$work/images"
for spec in "$here"/models/*.yaml; do
  name="$(basename "$spec" .yaml)"
  sed -e "s|^model: .*|model: $here/models/$name.onnx|; s|^input_size: .*|input_size: $size|; s|^resize: .*|resize: $size|" \
    "$spec" > "$work/small/$name.yaml"
done
for run in own small; do
  models="$here/models"; [[ $run == small ]] && models="$work/small"
  mkdir -p "$work/$run"
  start=$(date +%s.%N)
  "$here/bin/fmselect" embed --models "$models" --images "$work/images" --out "$work/$run/" > /dev/null
  printf "%s: embedded 2,000 images with every model in %.1f s\n" "$run" "$(echo "$(date +%s.%N) - $start" | bc)"
  /usr/bin/python3 "$here/bench/input_size.py" score "$work/$run/"
done
