#!/usr/bin/python3
"""Plots a soak run's samples (bench/soak.sh) and prints its summary.

Usage: bench/soak_plot.py WORK_DIR RATE  -> WORK_DIR/soak.png, WORK_DIR/summary.txt (also printed).
Quarters are those of the producing phase (first to last sample with the producer running).
"""
import csv, statistics, sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

work, rate = sys.argv[1], float(sys.argv[2])
rows = list(csv.DictReader(open(f"{work}/samples.csv")))


def col(name, rs=rows):
    return [float(r[name]) if r[name] not in ("", "None") else None for r in rs]


t = [x / 60 for x in col("t_s")]
produced = col("produced")
# producing phase: from the first sample with samples sent to the first one with all of them sent
active = [i for i, p in enumerate(produced) if p]
first = active[0] if active else 0
last = next((i for i in active if produced[i] == max(produced[j] for j in active)), len(rows) - 1) if active else len(rows) - 1
phase = rows[first:last + 1]

fig, ax = plt.subplots(3, 2, figsize=(13, 11), sharex=True)


def line(a, name, label, scale=1.0, **kw):
    ys = col(name)
    a.plot([x for x, y in zip(t, ys) if y is not None], [y * scale for y in ys if y is not None], label=label, **kw)


a = ax[0][0]
line(a, "cp_duration_s", "last checkpoint's duration (s)", color="C0")
a.set_ylabel("s"); a.set_title("Checkpoints")
b = a.twinx()
line(b, "cp_size_mb", "its size, incremental (MB)", color="C1")
line(b, "cp_full_mb", "full state size (MB)", color="C2")
b.set_ylabel("MB")
a.legend(loc="upper left", fontsize=8); b.legend(loc="lower right", fontsize=8)

a = ax[0][1]
vert = list(csv.DictReader(open(f"{work}/vertices.csv")))
for name in dict.fromkeys(r["vertex"] for r in vert):
    pts = [(float(r["t_s"]) / 60, float(r["busy_ms_per_s"])) for r in vert
           if r["vertex"] == name and r["busy_ms_per_s"] not in ("", "None")]
    if pts:
        a.plot(*zip(*pts), label=f"{name} busy", lw=1)
line(a, "bp_max", "backpressured (max over vertices)", color="k", lw=2)
a.set_ylabel("ms per s (max over subtasks)"); a.set_ylim(0, 1050); a.set_title("Busy and backpressured time")
a.legend(fontsize=7, loc="upper left")

a = ax[1][0]
line(a, "heap_used_mb", "heap used", 1e-3)
line(a, "member_cache_mb", "member cache", 1e-3)
line(a, "rss_mb", "process RSS", 1e-3)
line(a, "heap_max_mb", "heap max", 1e-3, ls="--")
a.set_ylabel("GB"); a.set_title("Memory (one JVM: JobManager and TaskManager)"); a.legend(fontsize=8)

a = ax[1][1]
line(a, "rocksdb_sst_mb", "RocksDB SST files (native metric)", 1e-3)
line(a, "rocksdb_live_mb", "RocksDB live data estimate", 1e-3)
line(a, "rocksdb_dir_mb", "RocksDB working dir (du)", 1e-3, ls="--")
line(a, "checkpoints_dir_mb", "checkpoints dir (du)", 1e-3, ls=":")
line(a, "kafka_dir_mb", "Kafka log dir (du)", 1e-3, ls=":")
a.set_ylabel("GB"); a.set_title("State on disk"); a.legend(fontsize=8)

a = ax[2][0]
line(a, "event_time_lag_s", "eventTimeLag")
line(a, "wall_clock_lag_s", "wallClockLag")
a.set_ylabel("s"); a.set_xlabel("minutes"); a.set_title("Freshness"); a.legend(fontsize=8)

a = ax[2][1]
line(a, "members", "members", 1e-6)
line(a, "selected", "selected", 1e-6)
line(a, "produced", "produced", 1e-6, ls="--")
a.set_ylabel("millions"); a.set_xlabel("minutes"); a.set_title("Members and records")
b = a.twinx()
# the source's rate over the last 60 s (the REST API's figures are a few seconds stale, so 10 s differences jitter)
src = [(x, y) for x, y in zip(col("t_s"), col("source_records")) if y is not None]
pts = [(x1 / 60, (y1 - y0) / (x1 - x0)) for (x0, y0), (x1, y1) in zip(src, src[6:])]
if pts:
    b.plot(*zip(*pts), color="C3", lw=0.8, label="source records/s (60 s)")
b.axhline(rate, color="C3", ls=":", lw=0.8, label=f"producer rate {rate:.0f}/s")
b.set_ylabel("records/s")
a.legend(loc="upper left", fontsize=8); b.legend(loc="lower right", fontsize=8)
if active:  # the producer's end
    for row_ in ax:
        for a in row_:
            a.axvline(t[last], color="grey", ls=":", lw=0.8)
fig.suptitle(f"fmselect soak run: {rate:.0f} samples/s, parallelism 2 ({work}; dotted: the producer done)")
fig.tight_layout()
fig.savefig(f"{work}/soak.png", dpi=90)

# Summary: medians and maxima per quarter of the producing phase, and the sustained rate.
out = []
n = len(phase)
quarters = [phase[n * q // 4:n * (q + 1) // 4] for q in range(4)] if n >= 4 else [phase]
figures = [("cp_duration_s", "checkpoint duration s"), ("cp_size_mb", "checkpoint size MB (incr.)"),
           ("cp_full_mb", "full state MB"), ("bp_max", "backpressured ms/s"), ("busy_max", "busiest vertex ms/s"),
           ("heap_used_mb", "heap used MB"), ("member_cache_mb", "member cache MB"), ("rss_mb", "RSS MB"),
           ("rocksdb_sst_mb", "RocksDB SST MB"), ("rocksdb_dir_mb", "RocksDB dir MB"),
           ("event_time_lag_s", "eventTimeLag s"), ("wall_clock_lag_s", "wallClockLag s"), ("members", "members")]
out.append(f"{'median / max per quarter':28s}" + "".join(f"{'Q' + str(q + 1):>22s}" for q in range(len(quarters))))
for name, label in figures:
    cells = []
    for q in quarters:
        ys = [y for y in col(name, q) if y is not None]
        cells.append(f"{statistics.median(ys):.4g} / {max(ys):.4g}" if ys else "-")
    out.append(f"{label:28s}" + "".join(f"{c:>22s}" for c in cells))


def rate_of(name, rs):
    pts = [(float(r["t_s"]), float(r[name])) for r in rs if r[name] not in ("", "None")]
    return (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0]) if len(pts) >= 2 and pts[-1][0] > pts[0][0] else None


# rates per quarter from the last sample before it to its last one, so that no interval is left out
spans = [phase[max(0, n * q // 4 - 1):n * (q + 1) // 4] for q in range(4)] if n >= 4 else [phase]


def fmt(x):
    return f"{x:,.0f}/s" if x is not None else "-"


out.append("sustained rate (producing phase): source " + fmt(rate_of("source_records", phase)) + ", producer "
           + fmt(rate_of("produced", phase)) + f", target {rate:,.0f}/s")
out.append("per quarter, source / producer: " + "; ".join(
    f"Q{i + 1} {fmt(rate_of('source_records', q))} / {fmt(rate_of('produced', q))}" for i, q in enumerate(spans)))
end = rows[-1]
out.append(f"at the end: {end['members']} members, {end['selected']} selected, {end['source_records']} records from the"
           f" source, {end['membership_events']} membership events, {end['cp_completed']} checkpoints completed,"
           f" {end['cp_failed']} failed")
out.append(f"plot: {work}/soak.png; samples: {work}/samples.csv, {work}/vertices.csv")
open(f"{work}/summary.txt", "w").write("\n".join(out) + "\n")
print("\n".join(out))
