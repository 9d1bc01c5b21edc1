#!/usr/bin/env bash
# FM inference throughput (issue 4): images/s through fmselect's embed path (DJL + ONNX Runtime) for a
# ViT-S/14-shaped (DINOv2-S) and a ViT-B/32-shaped (CLIP-B/32) encoder at 224 px with random weights,
# against PyTorch eager on the same machine and model; then the batching gain of the small generated
# model (batch 32 vs 1). Needs Debian's PyTorch for the export and the baseline:
#   apt-get install python3-torch python3-torchvision python3-onnx libopenblas0-pthread
# Usage: bench/embed-vit.sh [IMAGES] [RUNS]   (defaults 160 and 3: enough images that filling and draining the micro-batch pipeline is a small part)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
images="${1:-160}"; runs="${2:-3}"
py=/usr/bin/python3
"$py" -c "import torch, torchvision, onnx" 2> /dev/null \
  || { echo "needs python3-torch python3-torchvision python3-onnx libopenblas0-pthread (apt)" >&2; exit 1; }
work="$here/target/bench-embed"; mkdir -p "$work"
for arch in dinov2-vits14 clip-vitb32; do
  [ -f "$work/$arch.onnx" ] || "$py" "$here/tools/export_fm.py" --arch "$arch" --random-init --out "$work" 2> /dev/null
  "$py" "$here/bench/torch_eager.py" "$arch" "$images" 16 2 "$runs"
  "$here/bin/fmselect" bench-embed --spec "$work/$arch.yaml" --images "$images" --batch 16 --threads 2 --runs "$runs"
done
"$here/bin/fmselect" bench-embed --images 4096 --batch 32 --threads 2 --runs 7
