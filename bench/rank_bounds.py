"""How many of a class's members an exact, bound-based RAM pass must still read in one window.

RAM ranks members by distance to their class centroid. After a window's changes the centroid moves by
delta, so every member's distance is known to within +-delta without reading it (triangle inequality).
A member's rank is exact only once every member whose interval overlaps its own is settled; the
selection needs exact ranks for the members whose score interval straddles the selection threshold. This
counts, per FM, the share of members inside the distance bands of those uncertain members: the members
whose embeddings the pass must read. Data as the stream benchmarks make it: Gaussian noise 1.5, 2 FMs x
512 dims, fraction 0.1, RAM-APL weights at their defaults (APL = 0 for all, the case that leaves the
fewest members certain). Needs numpy.

Usage: python3 bench/rank_bounds.py
"""
import numpy as np

rng = np.random.default_rng(1)
D, SIGMA, FMS, R = 512, 1.5, 2, 0.1
W1 = 0.2 + 0.8 / (1 + np.exp(R - 0.5))
for n, add in [(2000, 100), (10000, 100), (10000, 10), (100000, 100)]:
    old = [rng.normal(0, SIGMA, (n, D)).astype(np.float32) for _ in range(FMS)]
    new = [rng.normal(0, SIGMA, (add, D)).astype(np.float32) for _ in range(FMS)]
    lo_rank, hi_rank, dist, delta = [], [], [], []
    for m in range(FMS):
        mu = old[m].mean(0, dtype=np.float64)
        mu2 = (old[m].sum(0, dtype=np.float64) + new[m].sum(0, dtype=np.float64)) / (n + add)
        d = np.linalg.norm(old[m] - mu, axis=1)
        dl = np.linalg.norm(mu2 - mu)
        dn = np.sort(np.linalg.norm(new[m] - mu2, axis=1))
        lo = np.sort(d - dl)
        hi = np.sort(d + dl)
        lo_rank.append(np.searchsorted(hi, d - dl) + np.searchsorted(dn, d - dl))
        hi_rank.append(np.searchsorted(lo, d + dl) - 1 + np.searchsorted(dn, d + dl))
        dist.append(d)
        delta.append(dl)
    N = n + add
    s_lo = W1 * sum(lo_rank) / FMS / N
    s_hi = W1 * sum(hi_rank) / FMS / N
    b = int(round(N * R))
    certain_in = np.searchsorted(np.sort(s_lo), s_hi) < b
    certain_out = np.searchsorted(np.sort(s_hi), s_lo, side="left") >= b
    uncertain = ~(certain_in | certain_out)
    for m in range(FMS):
        order = np.argsort(dist[m])
        ds = dist[m][order]
        a = np.searchsorted(ds, dist[m][uncertain] - 2 * delta[m])
        z = np.searchsorted(ds, dist[m][uncertain] + 2 * delta[m])
        cover = np.zeros(n + 1, int)
        np.add.at(cover, a, 1)
        np.add.at(cover, z, -1)
        need = (np.cumsum(cover)[:n] > 0).mean()
        print(f"class of {n:6d}, {add:3d} new, FM {m}: centroid moved {delta[m]:.4f}; "
              f"{uncertain.mean():5.1%} near the threshold; exact distances needed for {need:5.1%} of members")
