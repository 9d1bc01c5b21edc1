package io.fmselect.select;

/**
 * Stable orderings. Members are held in sample order, so a stable sort breaks ties by sample order,
 * the tie rule of every ordering in docs/design.md §1. Keys compare as doubles ({@code -0.0 == 0.0});
 * NaN keys are not allowed.
 */
public final class Order {
  private Order() {}

  /** The permutation that lists indexes by ascending key, ties by ascending index. O(n log n). */
  public static int[] ascending(double[] keys) {
    int n = keys.length;
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    int[] b = new int[n];
    // Bottom-up merge sort: stable, no boxing.
    for (int width = 1; width < n; width <<= 1) {
      for (int lo = 0; lo < n; lo += width << 1) {
        int mid = Math.min(lo + width, n);
        int hi = Math.min(lo + (width << 1), n);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
          // take from the right run only if strictly smaller: keeps equal keys in index order
          if (keys[a[j]] < keys[a[i]]) {
            b[k++] = a[j++];
          } else {
            b[k++] = a[i++];
          }
        }
        while (i < mid) {
          b[k++] = a[i++];
        }
        while (j < hi) {
          b[k++] = a[j++];
        }
      }
      int[] t = a;
      a = b;
      b = t;
    }
    return a;
  }

  /** {@code rank[i]} = position of index i in {@link #ascending(double[])}. */
  public static int[] ranks(int[] order) {
    int[] rank = new int[order.length];
    for (int pos = 0; pos < order.length; pos++) {
      rank[order[pos]] = pos;
    }
    return rank;
  }
}
