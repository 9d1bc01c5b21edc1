package io.fmselect.select;

/**
 * Stable orderings. Members are held in sample order, so a stable sort breaks ties by sample order,
 * the tie rule of every ordering in docs/design.md §1. Keys compare as doubles ({@code -0.0 == 0.0});
 * NaN keys are not allowed.
 */
public final class Order {
  private Order() {}

  /**
   * The permutation that lists indexes by ascending key, ties by ascending index. O(n log n): a stable
   * bottom-up merge sort over runs of 16 sorted by insertion, with each key moved along with its index
   * so that merging reads both arrays in order (no key lookups by index, which miss the cache on large
   * classes).
   */
  public static int[] ascending(double[] keys) {
    int n = keys.length;
    int[] a = new int[n];
    double[] ka = keys.clone();
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    final int run = 16;
    for (int lo = 0; lo < n; lo += run) { // insertion sort: stable, since only strictly greater keys move
      int hi = Math.min(lo + run, n);
      for (int i = lo + 1; i < hi; i++) {
        double k = ka[i];
        int v = a[i];
        int j = i - 1;
        while (j >= lo && ka[j] > k) {
          ka[j + 1] = ka[j];
          a[j + 1] = a[j];
          j--;
        }
        ka[j + 1] = k;
        a[j + 1] = v;
      }
    }
    int[] b = new int[n];
    double[] kb = new double[n];
    for (int width = run; width < n; width <<= 1) {
      for (int lo = 0; lo < n; lo += width << 1) {
        int mid = Math.min(lo + width, n);
        int hi = Math.min(lo + (width << 1), n);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
          // take from the right run only if strictly smaller: keeps equal keys in index order
          if (ka[j] < ka[i]) {
            kb[k] = ka[j];
            b[k++] = a[j++];
          } else {
            kb[k] = ka[i];
            b[k++] = a[i++];
          }
        }
        System.arraycopy(a, i, b, k, mid - i);
        System.arraycopy(ka, i, kb, k, mid - i);
        k += mid - i;
        System.arraycopy(a, j, b, k, hi - j);
        System.arraycopy(ka, j, kb, k, hi - j);
      }
      int[] t = a;
      a = b;
      b = t;
      double[] tk = ka;
      ka = kb;
      kb = tk;
    }
    return a;
  }

  /**
   * As {@link #ascending(double[])}, starting from the order of an earlier call on mostly the same
   * elements (a stream's previous window, where keys moved a little): the elements carried over are
   * put in their earlier order and sorted by insertion, which costs about one step per element when the
   * keys barely moved; the new ones are sorted apart and merged in. If the carried-over elements turn
   * out far from sorted (more than a few moves per element), it sorts from scratch. The result is the
   * same either way.
   *
   * @param previous the earlier call's order, in the earlier call's index space (null: none)
   * @param from for every index, its index in the earlier call, or -1 if it is new (null: none)
   */
  public static int[] ascending(double[] keys, int[] previous, int[] from) {
    int n = keys.length;
    if (previous == null || from == null || from.length != n) {
      return ascending(keys);
    }
    int[] toNew = new int[previous.length];
    java.util.Arrays.fill(toNew, -1);
    int fresh = 0;
    for (int i = 0; i < n; i++) {
      if (from[i] >= 0 && from[i] < toNew.length) {
        toNew[from[i]] = i;
      } else {
        fresh++;
      }
    }
    int[] old = new int[n - fresh];
    int m = 0;
    for (int p : previous) {
      int i = p < toNew.length ? toNew[p] : -1;
      if (i >= 0) {
        old[m++] = i;
      }
    }
    if (m != old.length || !insertionSort(keys, old, 8L * m + 64)) {
      return ascending(keys);
    }
    int[] added = new int[fresh];
    double[] addedKeys = new double[fresh];
    for (int i = 0, k = 0; i < n; i++) {
      if (from[i] < 0 || from[i] >= toNew.length) {
        added[k] = i;
        addedKeys[k++] = keys[i];
      }
    }
    int[] addedOrder = ascending(addedKeys); // in index order, so ties stay by index
    int[] out = new int[n];
    int i = 0;
    int j = 0;
    for (int k = 0; k < n; k++) {
      if (j == fresh || i < m && before(keys, old[i], added[addedOrder[j]])) {
        out[k] = old[i++];
      } else {
        out[k] = added[addedOrder[j++]];
      }
    }
    return out;
  }

  /** Ascending key, ties by ascending index. */
  private static boolean before(double[] keys, int a, int b) {
    return keys[a] < keys[b] || keys[a] == keys[b] && a < b;
  }

  /** Sorts idx by (key, index) by insertion; gives up (false) past {@code maxMoves} moves. */
  private static boolean insertionSort(double[] keys, int[] idx, long maxMoves) {
    long moves = 0;
    for (int p = 1; p < idx.length; p++) {
      int v = idx[p];
      int q = p - 1;
      while (q >= 0 && before(keys, v, idx[q])) {
        idx[q + 1] = idx[q];
        q--;
        if (++moves > maxMoves) {
          return false;
        }
      }
      idx[q + 1] = v;
    }
    return true;
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
