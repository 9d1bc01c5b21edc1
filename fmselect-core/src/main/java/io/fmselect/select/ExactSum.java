package io.fmselect.select;

/**
 * Order-independent sums: the exact sum of a set of doubles, correctly rounded once.
 *
 * <p>Centroids are means of class members. A running double sum depends on the order of the
 * additions (and, in a stream with deletions, on history), so two programs summing the same members
 * in different orders could disagree in the last bit and break a tie differently. fmselect defines
 * the centroid from the exact sum instead, which depends on the member set alone.
 *
 * <p>Fast path (nearly always taken for float32 embeddings): add in double and check with Knuth's
 * TwoSum that no addition rounded; then the double sum is the exact sum. Fallback for a dimension
 * where some addition rounded: Shewchuk's non-overlapping partials ("Adaptive Precision
 * Floating-Point Arithmetic and Fast Robust Geometric Predicates", 1997), rounded once at the end
 * with the half-way correction that makes the result correctly rounded (round-half-even).
 *
 * <p>The fast path runs four columns at a time in the vector API when the JVM has it ({@link VectorApi}),
 * else one at a time: lane for lane the same operations, and the result is exact either way.
 */
final class ExactSum {
  private ExactSum() {}

  /**
   * Per-dimension exact sums of all rows of {@code e}, each correctly rounded to double.
   * Cost: O(rows * dim) plus O(rows * p) for each dimension that needs the fallback, where p is the
   * (small) number of partials.
   */
  public static double[] columnSums(Embeddings e) {
    return columnSums(e, VectorApi.AVAILABLE);
  }

  /** {@link #columnSums(Embeddings)}, with or without the vector API (tests compare the two). */
  static double[] columnSums(Embeddings e, boolean vector) {
    int dim = e.dim();
    int n = e.rows();
    double[] sum = new double[dim];
    double[] err = new double[dim];
    int d4 = vector ? dim & ~3 : 0;
    for (int i = 0; i < n; i++) {
      int off = e.offset(i);
      if (e.isFloat()) {
        float[] a = e.floatBlock(i);
        if (vector) {
          VectorKernels.twoSumRow(sum, err, a, off, d4);
        }
        for (int j = d4; j < dim; j++) {
          twoSumStep(sum, err, j, a[off + j]);
        }
      } else {
        double[] a = e.doubleBlock(i);
        if (vector) {
          VectorKernels.twoSumRow(sum, err, a, off, d4);
        }
        for (int j = d4; j < dim; j++) {
          twoSumStep(sum, err, j, a[off + j]);
        }
      }
    }
    for (int j = 0; j < dim; j++) {
      // err is a sum of |rounding errors|; it is 0 exactly when no addition rounded. A NaN or
      // infinite input also lands here and is summed the slow way (giving NaN / infinity).
      if (err[j] != 0 || !Double.isFinite(sum[j])) {
        sum[j] = columnFsum(e, j);
      }
    }
    return sum;
  }

  /** sum[j] += x, adding |rounding error| (Knuth's TwoSum, exact) to err[j]. */
  private static void twoSumStep(double[] sum, double[] err, int j, double x) {
    double s = sum[j] + x;
    double bv = s - sum[j];
    double r = (sum[j] - (s - bv)) + (x - bv);
    sum[j] = s;
    err[j] = Math.abs(r) + err[j];
  }

  private static double columnFsum(Embeddings e, int col) {
    Partials p = new Partials();
    for (int i = 0; i < e.rows(); i++) {
      p.add(e.get(i, col));
    }
    return p.value();
  }

  /** Exact sum of {@code values}, correctly rounded. */
  public static double fsum(double... values) {
    Partials p = new Partials();
    for (double v : values) {
      p.add(v);
    }
    return p.value();
  }

  /** An exact accumulator: a growing list of non-overlapping partials whose sum is the exact total. */
  static final class Partials {
    private double[] parts = new double[4];
    private int size;
    private double special; // sum of non-finite inputs, kept apart
    private boolean hasSpecial;

    void add(double x) {
      if (!Double.isFinite(x)) {
        special = hasSpecial ? special + x : x;
        hasSpecial = true;
        return;
      }
      int kept = 0;
      for (int i = 0; i < size; i++) {
        double y = parts[i];
        if (Math.abs(x) < Math.abs(y)) {
          double t = x;
          x = y;
          y = t;
        }
        double hi = x + y;
        double lo = y - (hi - x);
        if (lo != 0.0) {
          parts[kept++] = lo;
        }
        x = hi;
      }
      if (kept == parts.length) {
        parts = java.util.Arrays.copyOf(parts, parts.length * 2);
      }
      parts[kept++] = x;
      size = kept;
    }

    /** The exact sum rounded to nearest, ties to even. */
    double value() {
      if (hasSpecial) {
        return special;
      }
      int n = size;
      if (n == 0) {
        return 0.0;
      }
      double hi = parts[--n];
      double lo = 0.0;
      while (n > 0) {
        double x = hi;
        double y = parts[--n];
        hi = x + y;
        double yr = hi - x;
        lo = y - yr;
        if (lo != 0.0) {
          break;
        }
      }
      // hi + lo is exact; if lo is exactly half an ulp of hi and the remaining partials push the
      // same way, round away from the half-way point.
      if (n > 0 && ((lo < 0 && parts[n - 1] < 0) || (lo > 0 && parts[n - 1] > 0))) {
        double y = lo * 2;
        double x = hi + y;
        double yr = x - hi;
        if (y == yr) {
          hi = x;
        }
      }
      return hi;
    }
  }
}
