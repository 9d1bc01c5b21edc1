#!/usr/bin/env python3
"""PyTorch eager images/s for an architecture of tools/export_fm.py (random weights), the baseline of
bench/embed-vit.sh. Usage: torch_eager.py ARCH [IMAGES] [BATCH] [THREADS] [RUNS]"""
import statistics
import sys
import time

import torch

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/tools")
import export_fm  # noqa: E402

arch = sys.argv[1]
n, batch, threads, runs = (int(x) for x in (sys.argv[2:] + ["48", "16", "2", "3"][len(sys.argv) - 2:])[:4])
torch.set_num_threads(threads)
model = export_fm.random_vit(arch, 0).eval()
size = export_fm.ARCHS[arch][0]
x = torch.randn(batch, 3, size, size)
rates = []
with torch.no_grad():
    model(x)  # warm-up
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(0, n, batch):
            model(x)
        rates.append(n / (time.perf_counter() - t0))
print(f"{arch}: PyTorch {torch.__version__} eager, batch {batch}, {threads} threads: "
      f"{statistics.median(rates):.1f} images/s (median of {runs})")
