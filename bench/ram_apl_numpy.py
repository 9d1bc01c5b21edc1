#!/usr/bin/env python3
"""Plain numpy RAM-APL subset selection: the side-by-side speed baseline for the Java batch selector.

Usage:
  python3 bench/ram_apl_numpy.py --labels labels.npy --features A=a.npy [--features B=b.npy ...] \
      --fraction 0.1 --out selected.txt [--a 0.2 --k 1 --s 0.5] [--no-mmap]

Rule, per class c with members S_c in row order (n_c members), M feature sets, fraction r:
  budget  b_c = rint(n_c * r)                     (round half to even)
  RAM(x)  = mean over m of rank_m(x) / n_c, rank_m = position of x when the class is sorted
            (stable) by Euclidean distance to the class's own centroid in feature set m
  APL(x)  = fraction of feature sets whose nearest centroid (over all classes, ties to the
            smaller label) is not x's class; distances via ||x||^2 - 2 x.c + ||c||^2 in float32
  W1 = a + (1 - a) / (1 + exp(k (r - s))), W2 = 1 - W1, score = W1 RAM + W2 APL
  each class keeps its b_c lowest scores (stable, ties to the earlier row).
Writes the kept 0-based row indices ascending, one per line, and prints one timing line to stderr:
load_s (from script start, imports included), select_s, write_s, total_s. Feature files are
memory-mapped by default, so reading them from the page cache is counted in select_s.
Note: OPENBLAS_CORETYPE=Haswell in the environment makes OpenBLAS skip its AVX-512 kernels on
AVX-512 machines (the float32 GEMM ran ~2x slower in our measurements).
"""
import time

T0 = time.perf_counter()

import argparse
import sys

import numpy as np


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--labels", required=True, help=".npy, 1-D int32/int64")
    p.add_argument("--features", required=True, action="append", metavar="NAME=PATH",
                   help=".npy, 2-D float32 (N x D); repeat for each feature set")
    p.add_argument("--fraction", required=True, type=float, help="fraction r of each class to keep")
    p.add_argument("--out", required=True, help="output text file of selected row indices")
    p.add_argument("--a", type=float, default=0.2)
    p.add_argument("--k", type=float, default=1.0)
    p.add_argument("--s", type=float, default=0.5)
    p.add_argument("--no-mmap", dest="mmap", action="store_false",
                   help="read the feature files into memory instead of memory-mapping them "
                        "(mapping is the default: it skips one copy and was faster and steadier)")
    args = p.parse_args(argv)
    feats = []
    for spec in args.features:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            p.error(f"--features expects NAME=PATH, got {spec!r}")
        feats.append((name, path))
    args.features = feats
    return args


def load(args):
    labels = np.load(args.labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise SystemExit(f"labels must be a 1-D integer array, got {labels.dtype} {labels.shape}")
    feats = []
    for name, path in args.features:
        x = np.load(path, mmap_mode="r" if args.mmap else None)
        if x.ndim != 2 or x.shape[0] != labels.shape[0]:
            raise SystemExit(f"features {name}: expected ({labels.shape[0]}, D), got {x.shape}")
        if x.dtype != np.float32:
            x = x.astype(np.float32)
        feats.append(x)
    return labels, feats


def select(labels, feats, r, a, k, s):
    n = labels.shape[0]
    # Class index 0..C-1 in ascending label order, so "smallest index" == "smallest label".
    _, inv, counts = np.unique(labels, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    # Group rows by class, keeping row order within each class (stable sort).
    order = np.argsort(inv, kind="stable")
    cls = inv[order]                                   # class of each grouped row (non-decreasing)
    ends = np.cumsum(counts)
    starts = ends - counts
    start_of = np.repeat(starts, counts)               # start offset of each grouped row's class
    pos = np.arange(n)

    rank_sum = np.zeros(n, dtype=np.int64)             # sum over m of rank_m, grouped order
    mismatch = np.zeros(n, dtype=np.int64)             # number of m whose pseudo-label != label
    for x in feats:
        xs = x[order]                                  # grouped copy (float32), modified below
        # Centroids: per-class mean accumulated in float64, then cast to float32.
        # (np.add.reduceat with dtype=float64 is ~10x slower than this loop over classes.)
        mu = np.stack([xs[b:e].sum(axis=0, dtype=np.float64) for b, e in zip(starts, ends)])
        mu /= counts[:, None]
        mu32 = mu.astype(np.float32)

        # APL: nearest centroid over all classes, full N x C squared distances via float32 BLAS.
        xx = np.einsum("ij,ij->i", xs, xs)
        cc = np.einsum("ij,ij->i", mu32, mu32)
        d2 = xs @ mu32.T
        d2 *= np.float32(-2.0)
        d2 += xx[:, None]
        d2 += cc[None, :]
        mismatch += d2.argmin(axis=1) != cls           # argmin: first minimum -> smaller label

        # RAM: exact distance to own centroid (squared: same order), stable rank within class.
        for c, (b, e) in enumerate(zip(starts, ends)):
            xs[b:e] -= mu32[c]
        own = np.einsum("ij,ij->i", xs, xs)
        del xs, d2
        perm = np.lexsort((own, cls))                  # by class, then distance, then row
        rank = np.empty(n, dtype=np.int64)
        rank[perm] = pos - start_of
        rank_sum += rank

    m = len(feats)
    ram = rank_sum / m / counts[cls]
    apl = mismatch / m
    w1 = a + (1.0 - a) / (1.0 + np.exp(k * (r - s)))
    score = w1 * ram + (1.0 - w1) * apl

    budget = np.rint(counts * r).astype(np.int64)
    perm = np.lexsort((score, cls))                    # by class, then score, then row
    keep = perm[(pos - start_of) < budget[cls]]
    return np.sort(order[keep])


def main(argv=None):
    args = parse_args(argv)
    labels, feats = load(args)
    t_load = time.perf_counter()
    selected = select(labels, feats, args.fraction, args.a, args.k, args.s)
    t_select = time.perf_counter()
    np.savetxt(args.out, selected, fmt="%d")
    t_end = time.perf_counter()
    print(f"load_s={t_load - T0:.3f} select_s={t_select - t_load:.3f} "
          f"write_s={t_end - t_select:.3f} total_s={t_end - T0:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
