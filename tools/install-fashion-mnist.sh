#!/usr/bin/env bash
# Installs Fashion-MNIST from Debian (package dataset-fashion-mnist: the IDX files in
# /usr/share/datasets/fashion-mnist/), which the demo, produce --demo-data and bench quality read. Does
# nothing if it is there. Needs root (or sudo).
set -euo pipefail
if [[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]]; then
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y --no-install-recommends dataset-fashion-mnist > /dev/null \
  || { $sudo apt-get update > /dev/null && $sudo apt-get install -y --no-install-recommends dataset-fashion-mnist > /dev/null; }
test -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
