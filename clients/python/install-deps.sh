#!/usr/bin/env bash
# Installs what the Python reader needs, from Debian: python3-confluent-kafka and python3-avro, for the
# system's /usr/bin/python3; and python3-requests, which confluent_kafka.avro's schema registry client needs
# (only suggested by Debian's package). Does nothing if they are there. Needs root (or sudo).
set -euo pipefail
if /usr/bin/python3 -c 'import confluent_kafka, avro, requests' 2> /dev/null; then
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
pkgs=(python3-confluent-kafka python3-avro python3-requests)
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y --no-install-recommends "${pkgs[@]}" > /dev/null \
  || { $sudo apt-get update > /dev/null && $sudo apt-get install -y --no-install-recommends "${pkgs[@]}" > /dev/null; }
/usr/bin/python3 -c 'import confluent_kafka, avro, requests'
