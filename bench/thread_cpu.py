# CPU seconds per thread group of a running job: samples every thread's CPU time (utime+stime from
# /proc/PID/task/*/stat) of the java process whose command line contains ARG until it exits, then groups the
# threads (Flink task threads by operator; RocksDB, JIT, GC, Kafka clients). Usage, beside a benchmark run:
#   bench/stream-throughput.sh 1000000 1 2 & python3 bench/thread_cpu.py bench-1
import os, re, sys, time, glob
pat = sys.argv[1]
hz = os.sysconf('SC_CLK_TCK')
pid = None
while pid is None:
    for d in glob.glob('/proc/[0-9]*'):
        try:
            c = open(d + '/cmdline').read().replace('\0', ' ')
            if pat in c and 'java' in c and d.split('/')[-1] != str(os.getpid()):
                pid = d.split('/')[-1]; break
        except Exception:
            pass
    time.sleep(0.2)
seen = {}
while os.path.exists(f'/proc/{pid}'):
    for t in glob.glob(f'/proc/{pid}/task/*'):
        try:
            s = open(t + '/stat').read()
            comm = s[s.index('(') + 1:s.rindex(')')]
            f = s[s.rindex(')') + 2:].split()
            seen[t] = (comm, (int(f[11]) + int(f[12])) / hz)
        except Exception:
            pass
    time.sleep(0.5)
groups = {}
rules = [('source+decode+validate', r'^Source'), ('per-sample stage', r'^per-sample'), ('member store', r'^member-store'),
         ('publish clock', r'^publish-clock'), ('class selection', r'^class-select'), ('publisher+sinks', r'^(publish-memb|subset-sink|window|rejects|count-rej|classes|freshness)'),
         ('RocksDB background', r'^rocksdb'), ('checkpoint I/O', r'(async|Checkpoint|snapshot|AsyncOperation|Flink-Asyn)'),
         ('JIT', r'Compiler'), ('GC', r'(GC|G1|VM Thread)'), ('Kafka clients', r'(kafka|producer|consumer)')]
for comm, cpu in seen.values():
    g = next((n for n, r in rules if re.search(r, comm)), 'other: ' + re.sub(r'[0-9#/() -]+$', '', comm))
    groups[g] = groups.get(g, 0) + cpu
total = sum(groups.values())
for g, c in sorted(groups.items(), key=lambda x: -x[1]):
    if c >= 0.5:
        print(f'{g:40s} {c:7.1f} s {100 * c / total:5.1f} %')
print(f'{"total":40s} {total:7.1f} s')
