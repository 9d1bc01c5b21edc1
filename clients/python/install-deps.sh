#!/usr/bin/env bash
# Installs what the Python reader needs, from Debian: python3-confluent-kafka and python3-avro, for the
# system's /usr/bin/python3. Does nothing if they are there. Needs root (or sudo).
set -euo pipefail
if /usr/bin/python3 -c 'import confluent_kafka, avro' 2> /dev/null; then
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
pkgs=(python3-confluent-kafka python3-avro)
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y --no-install-recommends "${pkgs[@]}" > /dev/null \
  || { $sudo apt-get update > /dev/null && $sudo apt-get install -y --no-install-recommends "${pkgs[@]}" > /dev/null; }
/usr/bin/python3 -c 'import confluent_kafka, avro'
