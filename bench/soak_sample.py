"""Samples a running fmselect job through Flink's REST API every INTERVAL seconds into a CSV (bench/soak.sh).

Usage: soak_sample.py URL JOB_ID WORK_DIR JOB_PID INTERVAL_S
Writes WORK_DIR/samples.csv (one row per sample) and WORK_DIR/vertices.csv (busy and backpressured time per
vertex and sample). Standard library only. Runs until killed; a figure the job does not report (yet) is empty.
"""
import csv, json, os, re, sys, time, urllib.parse, urllib.request

url, job, work, job_pid, interval = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
MB = 1e6

COLUMNS = ["t_s", "epoch_ms", "produced", "acked", "source_records", "source_rate", "membership_events",
           "members", "selected", "event_time_lag_s", "wall_clock_lag_s",
           "cp_completed", "cp_failed", "cp_last_id", "cp_duration_s", "cp_size_mb", "cp_full_mb",
           "busy_max", "busy_vertex", "bp_max", "bp_vertex",
           "heap_used_mb", "heap_max_mb", "jm_heap_used_mb", "rss_mb",
           "member_cache_mb", "member_cache_loads", "member_cache_evictions",
           "rocksdb_sst_mb", "rocksdb_live_mb", "rocksdb_dir_mb", "checkpoints_dir_mb", "kafka_dir_mb"]


def get(path):
    with urllib.request.urlopen(url + path, timeout=5) as r:
        return json.load(r)


def subtask_metrics(vid, ids, agg):
    if not ids:
        return {}
    q = ",".join(urllib.parse.quote(i, safe="") for i in ids)
    return {m["id"]: m.get(agg) for m in get(f"/jobs/{job}/vertices/{vid}/subtasks/metrics?get={q}&agg={agg}")}


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_blocks * 512  # on disk (Kafka preallocates its indexes)
            except OSError:
                pass  # removed while walking (compaction, checkpoint cleanup)
    return total


def producer_progress():
    try:
        with open(os.path.join(work, "produce.err")) as f:
            lines = [l for l in f if l.startswith("progress:")]
    except OSError:
        return None, None
    if not lines:
        return 0, 0
    m = re.match(r"progress: (\d+) sent, (\d+) acknowledged", lines[-1])
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def rss_mb():
    try:
        with open(f"/proc/{job_pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024 / MB
    except OSError:
        return None


def short(name):
    """A vertex's first operator, as a short label ("Source: samples -> decode-validate" -> "samples")."""
    return re.split(r" -> |\(", name)[0].replace("Source: ", "").strip()[:24]


verts = {}  # vertex id -> short name
ids = {}  # vertex id -> available subtask metric ids (listed again every 30 s: RocksDB's appear with states)
listed = 0.0
start = time.time()
last_rate = None  # (time, source records)
with open(os.path.join(work, "samples.csv"), "w", newline="") as f, \
        open(os.path.join(work, "vertices.csv"), "w", newline="") as fv:
    out, outv = csv.writer(f), csv.writer(fv)
    out.writerow(COLUMNS)
    outv.writerow(["t_s", "vertex", "busy_ms_per_s", "backpressured_ms_per_s"])
    while True:
        due = time.time() + interval
        row = dict.fromkeys(COLUMNS)
        now = time.time()
        row["t_s"] = round(now - start, 1)
        row["epoch_ms"] = int(now * 1000)
        row["produced"], row["acked"] = producer_progress()
        row["rss_mb"] = rss_mb()
        try:
            if not verts:
                verts = {v["id"]: short(v["name"]) for v in get(f"/jobs/{job}")["vertices"]}
            if now - listed > 30:
                ids = {v: [m["id"] for m in get(f"/jobs/{job}/vertices/{v}/subtasks/metrics")] for v in verts}
                listed = now
            sst = live = cache = loads = evictions = 0.0
            busy, bp = {}, {}
            for v, name in verts.items():
                mine = ids.get(v, [])
                mx = subtask_metrics(v, [i for i in mine if i in ("busyTimeMsPerSecond", "backPressuredTimeMsPerSecond")
                                         or i.endswith("freshness.eventTimeLag") or i.endswith("freshness.wallClockLag")
                                         or i.endswith("freshness.members") or i.endswith("freshness.selected")], "max")
                sm = subtask_metrics(v, [i for i in mine if i.endswith(("rocksdb_total-sst-files-size",
                                                                        "rocksdb_estimate-live-data-size",
                                                                        "memberCacheBytes", "memberCacheLoads",
                                                                        "memberCacheEvictions"))
                                         or (name == "samples" and i.endswith("samples.numRecordsOut"))
                                         or i.endswith("publish-membership.numRecordsOut")], "sum")
                busy[name] = mx.get("busyTimeMsPerSecond")
                bp[name] = mx.get("backPressuredTimeMsPerSecond")
                outv.writerow([row["t_s"], name, busy[name], bp[name]])
                for i, val in mx.items():
                    try:
                        val = float(val)
                    except (TypeError, ValueError):
                        continue  # not reported yet
                    for suffix, col, scale in (("eventTimeLag", "event_time_lag_s", 1000),
                                               ("wallClockLag", "wall_clock_lag_s", 1000),
                                               ("freshness.members", "members", 1),
                                               ("freshness.selected", "selected", 1)):
                        if i.endswith(suffix) and val is not None and val == val:  # NaN: not known yet
                            row[col] = round(val / scale, 3) if scale != 1 else int(val)
                for i, val in sm.items():
                    try:
                        val = float(val)
                    except (TypeError, ValueError):
                        continue
                    if i.endswith("total-sst-files-size"):
                        sst += val
                    elif i.endswith("estimate-live-data-size"):
                        live += val
                    elif i.endswith("memberCacheBytes"):
                        cache += val
                    elif i.endswith("memberCacheLoads"):
                        loads += val
                    elif i.endswith("memberCacheEvictions"):
                        evictions += val
                    elif i.endswith("samples.numRecordsOut"):
                        row["source_records"] = int(val)
                    elif i.endswith("publish-membership.numRecordsOut"):
                        row["membership_events"] = int(val)
            known = {k: x for k, x in busy.items() if x is not None}
            if known:
                row["busy_vertex"] = max(known, key=known.get)
                row["busy_max"] = known[row["busy_vertex"]]
            known = {k: x for k, x in bp.items() if x is not None}
            if known:
                row["bp_vertex"] = max(known, key=known.get)
                row["bp_max"] = known[row["bp_vertex"]]
            row["rocksdb_sst_mb"] = round(sst / MB, 1)
            row["rocksdb_live_mb"] = round(live / MB, 1)
            row["member_cache_mb"] = round(cache / MB, 1)
            row["member_cache_loads"], row["member_cache_evictions"] = int(loads), int(evictions)
            if row["source_records"] is not None:
                if last_rate and now > last_rate[0]:
                    row["source_rate"] = round((row["source_records"] - last_rate[1]) / (now - last_rate[0]), 1)
                last_rate = (now, row["source_records"])
            cps = get(f"/jobs/{job}/checkpoints")
            row["cp_completed"] = cps["counts"]["completed"]
            row["cp_failed"] = cps["counts"]["failed"]
            done = (cps.get("latest") or {}).get("completed")
            if done:
                row["cp_last_id"] = done["id"]
                row["cp_duration_s"] = round(done["end_to_end_duration"] / 1000, 3)
                row["cp_size_mb"] = round(done.get("checkpointed_size", done["state_size"]) / MB, 1)
                row["cp_full_mb"] = round(done["state_size"] / MB, 1)
            for tm in get("/taskmanagers")["taskmanagers"][:1]:  # a local MiniCluster has one TaskManager
                m = {x["id"]: float(x["value"]) for x in get(f"/taskmanagers/{tm['id']}/metrics"
                                                                "?get=Status.JVM.Memory.Heap.Used,Status.JVM.Memory.Heap.Max")}
                row["heap_used_mb"] = round(m.get("Status.JVM.Memory.Heap.Used", 0) / MB, 1)
                row["heap_max_mb"] = round(m.get("Status.JVM.Memory.Heap.Max", 0) / MB, 1)
            m = {x["id"]: float(x["value"]) for x in get("/jobmanager/metrics?get=Status.JVM.Memory.Heap.Used")}
            if m:
                row["jm_heap_used_mb"] = round(m["Status.JVM.Memory.Heap.Used"] / MB, 1)
        except Exception as e:  # the job starting, restarting or stopping: write what is known
            print(f"sample at {row['t_s']} s: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        row["rocksdb_dir_mb"] = round(dir_bytes(os.path.join(work, "rocksdb")) / MB, 1)
        row["checkpoints_dir_mb"] = round(dir_bytes(os.path.join(work, "checkpoints")) / MB, 1)
        row["kafka_dir_mb"] = round(dir_bytes(os.path.join(work, "kafka")) / MB, 1)
        out.writerow([row[c] for c in COLUMNS])
        f.flush()
        fv.flush()
        time.sleep(max(0.0, due - time.time()))
