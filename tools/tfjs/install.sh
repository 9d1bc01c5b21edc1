#!/usr/bin/env bash
# Installs TensorFlow.js (pure-JS CPU backend, pinned in package.json) into tools/tfjs/node_modules for
# parity.js, once: does nothing when that version is already there. Needs node and npm.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
want=4.22.0
have="$(node -p "require('$here/node_modules/@tensorflow/tfjs/package.json').version" 2> /dev/null || true)"
if [[ "$have" == "$want" ]]; then
  exit 0
fi
cd "$here"
npm install --no-audit --no-fund --no-package-lock --silent > /dev/null
have="$(node -p "require('$here/node_modules/@tensorflow/tfjs/package.json').version")"
[[ "$have" == "$want" ]] || { echo "install.sh: @tensorflow/tfjs $have installed, $want wanted" >&2; exit 1; }
