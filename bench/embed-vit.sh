#!/usr/bin/env bash
# FM inference throughput (issue 4): images/s through fmselect's embed path for a ViT-S/14-shaped
# (DINOv2-S) and a ViT-B/32-shaped (CLIP-B/32) encoder at 224 px with random weights, exported to ONNX
# (run by ONNX Runtime) and to TorchScript (run by libtorch), both through DJL, against PyTorch eager
# on the same machine and model; then the batching gain of the small generated model (batch 32 vs 1)
# at 8, 16 and 32 px. Needs Debian's PyTorch for the export and the baseline:
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
  [ -f "$work/$arch-ts.pt" ] || "$py" "$here/tools/export_fm.py" --arch "$arch" --random-init --format torchscript \
    --name "$arch-ts" --out "$work" 2> /dev/null
  "$py" "$here/bench/torch_eager.py" "$arch" "$images" 16 2 "$runs"
  for spec in "$arch" "$arch-ts"; do
    "$here/bin/fmselect" bench-embed --spec "$work/$spec.yaml" --images "$images" --batch 16 --threads 2 --runs "$runs" \
      --operator
  done
done
# the generated conv net at the tests' size and larger: the gain is the per-call cost amortized, so it
# shrinks as the model's own work per image grows (16384 images, so that batch 1 is warm too)
for size in 8 16 32; do
  "$here/bin/fmselect" bench-embed --size "$size" --images 16384 --batch 32 --threads 2 --runs 7
done
