#!/usr/bin/env bash
# RocksDB state per sample against the raw embedding bytes (2 FMs x 512 float32 = 4096 bytes): what the
# job writes (RocksDB's own statistic bytes_written: every Put, Merge and Delete, per operator, through
# Flink's native RocksDB metrics) and what it keeps (the full state size per operator of a checkpoint).
# Runs the job unbounded with the web UI on ROWS samples plus one replay of the last sample 30 minutes of
# event time later (a no-op that moves the watermark past every window, so nothing is left waiting),
# waits until the class stage's watermark has passed the last window end, then reads the metrics and the
# checkpoint started 15 s later (Flink REST). -D state.backend.type=hashmap measures the same state as
# heap objects serialized, i.e. its logical size. With incremental checkpoints (the default) the size is
# that of the SST files the checkpoint refers to, dead entries not yet compacted away included;
# -D execution.checkpointing.incremental=false gives the live data only.
# FM=/path/to/other/bin/fmselect measures another build with the same script.
# Usage: bench/state-size.sh [ROWS] [-D KEY=VALUE ...]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rows="${1:-100000}"; shift || true
. "$here/bench/lib.sh"
bench_setup bench-state 39094
produce_samples "$rows" > /dev/null
"$fm" produce --bootstrap-servers $bs --topic samples --labels "$work/data/labels.npy" --from-row $((rows - 1)) \
  --features fm1="$work/data/fm1.npy" --features fm2="$work/data/fm2.npy" --start-time $((rows + 1800000)) > /dev/null 2>&1
"$fm" run -D execution.checkpointing.dir="file://$work/checkpoints" --bootstrap-servers $bs --input-topic samples \
  --output-topic subset --fm fm1=512 --fm fm2=512 --fraction 0.1 --window 10s --parallelism 2 -D rest.bind-port=8089 \
  -D state.backend.rocksdb.metrics.bytes-written=true -D state.backend.rocksdb.metrics.compaction-write-bytes=true \
  "$@" > "$work/job.out" 2> "$work/job.err" &
job=$!
python3 - "$rows" <<'PY'
import json, sys, time, urllib.request
rows = int(sys.argv[1]); base = "http://127.0.0.1:8089"
def get(p):
    return json.load(urllib.request.urlopen(base + p, timeout=5))
deadline = time.time() + 1800
jid = None
while jid is None and time.time() < deadline:
    try:
        jid = next(j["id"] for j in get("/jobs")["jobs"] if j["status"] == "RUNNING")
    except Exception:
        time.sleep(1)
verts = {v["id"]: v["name"] for v in get(f"/jobs/{jid}")["vertices"]}
selector = next(v for v, n in verts.items() if n.startswith("class-selection"))
last_window = -(-rows // 10000) * 10000
while time.time() < deadline:  # the class stage has passed the last window end: nothing is waiting
    w = get(f"/jobs/{jid}/vertices/{selector}/watermarks")
    if w and min(float(x["value"]) for x in w) >= last_window:
        break
    time.sleep(1)
since = time.time() * 1000 + 15000
while time.time() < deadline:  # a checkpoint started 15 s after that (the last window's output written)
    latest = get(f"/jobs/{jid}/checkpoints")["latest"]["completed"]
    if latest and latest["trigger_timestamp"] > since:
        break
    time.sleep(1)
def metric_sum(vid, suffix):
    names = [m["id"] for m in get(f"/jobs/{jid}/vertices/{vid}/metrics") if m["id"].endswith(suffix)]
    if not names:
        return None
    vals = get(f"/jobs/{jid}/vertices/{vid}/metrics?get=" + ",".join(names))
    return sum(float(v["value"]) for v in vals)
details = get(f"/jobs/{jid}/checkpoints/details/{latest['id']}")
raw = rows * 4096
total = written_total = compacted_total = 0
print(f"{'operator':40s} {'state':>10s} {'B/sample':>9s} {'written':>10s} {'B/sample':>9s} {'compaction':>11s}")
for vid, name in verts.items():
    size = details["tasks"].get(vid, {}).get("state_size", 0)
    written = metric_sum(vid, "rocksdb_bytes_written") or 0
    compacted = metric_sum(vid, "rocksdb_compact_write_bytes") or 0
    total += size; written_total += written; compacted_total += compacted
    if size or written:
        print(f"{name[:40]:40s} {size / 1e6:8.1f}MB {size / rows:9.1f} {written / 1e6:8.1f}MB {written / rows:9.1f}"
              f" {compacted / 1e6:9.1f}MB")
print(f"state: {total / 1e6:.1f} MB = {total / rows:.0f} B/sample = {total / raw:.2f}x raw; "
      f"RocksDB bytes written: {written_total / rows:.0f} B/sample = {written_total / raw:.2f}x raw "
      f"(compaction writes {compacted_total / rows:.0f} B/sample more); raw embeddings {raw / 1e6:.1f} MB")
PY
