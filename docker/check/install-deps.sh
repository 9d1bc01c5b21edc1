#!/usr/bin/env bash
# Installs what the deployment checks need, from Debian: docker-compose (1.29), which parses and resolves
# docker/compose.yaml offline (`docker-compose -f docker/compose.yaml config`); no Docker engine is
# needed or started. Does nothing if it is there. Needs root (or sudo).
set -euo pipefail
if command -v docker-compose > /dev/null; then
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y --no-install-recommends docker-compose > /dev/null \
  || { $sudo apt-get update > /dev/null && $sudo apt-get install -y --no-install-recommends docker-compose > /dev/null; }
docker-compose version > /dev/null
