package io.fmselect.stream.window;

/**
 * The versions of one class's sums that may still be asked for, oldest first. A class's window-T
 * computation uses, for every class, the latest version with windowEnd <= T; versions that no timer
 * can ask for any more are pruned as the watermark advances.
 */
public class CentroidHistory {
  public long[] windowEnds = new long[0];
  public long[] counts = new long[0];
  public double[][] sums = new double[0][];

  public CentroidHistory() {}

  /** Index of the latest version with windowEnd <= t, or -1. */
  public int at(long t) {
    int found = -1;
    for (int i = 0; i < windowEnds.length; i++) {
      if (windowEnds[i] <= t) {
        found = i;
      }
    }
    return found;
  }

  /** True if some version has windowEnd in (after, upTo]. */
  public boolean changedIn(long after, long upTo) {
    for (long w : windowEnds) {
      if (w > after && w <= upTo) {
        return true;
      }
    }
    return false;
  }

  /** A copy with {@code u} added (replacing a version of the same window) and old versions pruned. */
  public CentroidHistory with(CentroidUpdate u, long watermark) {
    int keepFrom = 0;
    for (int i = 0; i < windowEnds.length; i++) {
      if (windowEnds[i] <= watermark && windowEnds[i] < u.windowEnd) {
        keepFrom = i; // every lookup from now on is for t >= watermark: only the newest such version matters
      }
    }
    int n = 0;
    long[] w = new long[windowEnds.length - keepFrom + 1];
    long[] c = new long[w.length];
    double[][] s = new double[w.length][];
    for (int i = keepFrom; i < windowEnds.length; i++) {
      if (windowEnds[i] != u.windowEnd) {
        w[n] = windowEnds[i];
        c[n] = counts[i];
        s[n] = sums[i];
        n++;
      }
    }
    w[n] = u.windowEnd;
    c[n] = u.count;
    s[n] = u.sums;
    n++;
    // keep ascending order of windowEnd
    CentroidHistory h = new CentroidHistory();
    h.windowEnds = java.util.Arrays.copyOf(w, n);
    h.counts = java.util.Arrays.copyOf(c, n);
    h.sums = java.util.Arrays.copyOf(s, n);
    for (int i = 1; i < n; i++) {
      for (int j = i; j > 0 && h.windowEnds[j - 1] > h.windowEnds[j]; j--) {
        long tw = h.windowEnds[j];
        h.windowEnds[j] = h.windowEnds[j - 1];
        h.windowEnds[j - 1] = tw;
        long tc = h.counts[j];
        h.counts[j] = h.counts[j - 1];
        h.counts[j - 1] = tc;
        double[] ts = h.sums[j];
        h.sums[j] = h.sums[j - 1];
        h.sums[j - 1] = ts;
      }
    }
    return h;
  }
}
