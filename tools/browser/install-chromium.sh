#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard test (a headless browser opening the Flink web UI).
# Does nothing if /usr/bin/chromium is there. Needs root (or sudo).
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y --no-install-recommends chromium > /dev/null \
  || { $sudo apt-get update > /dev/null && $sudo apt-get install -y --no-install-recommends chromium > /dev/null; }
/usr/bin/chromium --version > /dev/null
