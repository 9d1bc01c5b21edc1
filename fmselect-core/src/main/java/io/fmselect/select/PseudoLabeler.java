package io.fmselect.select;

/**
 * Nearest-centroid pseudo-labels, exact under the reference double arithmetic, fast in float32.
 *
 * <p>Problem: for each row x, the class c minimizing the reference squared distance
 * {@code ||x - mu_c||^2} (see {@link Kernels}), ties to the smaller label (lower index).
 *
 * <p>Method: the distance is expanded as {@code ||x||^2 + ||mu_c||^2 - 2 x·mu_c}; the squared norms
 * come from the reference kernel, the dot products from the float32 SIMD kernel, whose error is
 * bounded by {@code e_c = 2 (gamma_k + 3u) ||x|| ||mu_c||} (float rounding of the products, of the
 * centroid and of a float64 input row; Cauchy-Schwarz bounds {@code sum |x_i mu_i|}) plus a margin for
 * the double arithmetic on both sides. Every class whose lower bound reaches the smallest upper bound
 * is a candidate; with one candidate the answer is certain, with several (close calls and exact ties)
 * the candidates are compared with the reference kernel. So the result is the reference answer,
 * bit for bit, at float32 speed.
 *
 * <p>Complexity: O(n C D) float32 multiply-adds plus O(n D) per close call. Thread-safe (no state).
 */
public final class PseudoLabeler {
  private PseudoLabeler() {}

  /** Counters of one run, to see how often the fast path was not enough. */
  public static final class Stats {
    long rows;
    long rechecked;
    long skipped;

    public synchronized long rows() {
      return rows;
    }

    public synchronized long rechecked() {
      return rechecked;
    }

    /** Rows a {@link PseudoLabelMemo} settled without computing them. */
    public synchronized long skipped() {
      return skipped;
    }

    synchronized void add(long rowsDone, long recheckedRows) {
      rows += rowsDone;
      rechecked += recheckedRows;
    }

    synchronized void skip(long rowsSkipped) {
      skipped += rowsSkipped;
    }
  }

  /**
   * Index (into {@code centroids}) of the nearest centroid of every row of {@code rows}.
   *
   * @param stats optional counters, may be null
   */
  public static int[] nearest(Embeddings rows, Centroids centroids, Stats stats) {
    return nearest(rows, centroids, stats, null, null);
  }

  /** Pseudo-labels (indexes into the centroids' table) and what they leave for the next computation. */
  public record Labeled(int[] nearest, PseudoLabelMemo memo) {}

  /** Relative margin between the bounds kept and the reference arithmetic (whose error is below 1e-12). */
  private static final double MARGIN = 1e-9;

  /**
   * As {@link #nearest}, for rows that may have a memo from an earlier table ({@code before}, rows
   * aligned with {@code rows}; may be null): rows whose bounds still settle them keep their label,
   * the others are computed. Always the same answer as {@link #nearest}.
   */
  public static Labeled nearest(Embeddings rows, Centroids centroids, PseudoLabelMemo before, Stats stats) {
    int n = rows.rows();
    long[] labels = new long[n];
    double[] upper = new double[n];
    double[] lower = new double[n];
    int[] out = new int[n];
    int[] todo = new int[n];
    int pending = 0;
    double[] moved = before == null ? null : movements(before.centroids(), centroids);
    // the two largest movements, so "the largest over every class but one" is O(1)
    int top = -1;
    double first = 0;
    double second = 0;
    if (moved != null) {
      for (int c = 0; c < moved.length; c++) {
        if (top < 0 || moved[c] > first) {
          second = first;
          first = moved[c];
          top = c;
        } else if (moved[c] > second) {
          second = moved[c];
        }
      }
    }
    for (int i = 0; i < n; i++) {
      int c = moved == null || before.labels[i] == PseudoLabelMemo.NONE ? -1 : centroids.indexOf(before.labels[i]);
      if (c >= 0) {
        double u = (before.upper[i] + moved[c]) * (1 + MARGIN);
        double l = (before.lower[i] - (c == top ? second : first)) * (1 - MARGIN);
        if (u < l) {
          out[i] = c;
          labels[i] = before.labels[i];
          upper[i] = u;
          lower[i] = l;
          continue;
        }
      }
      todo[pending++] = i;
    }
    if (stats != null) {
      stats.skip(n - pending);
    }
    if (pending > 0) {
      int[] rowsTodo = java.util.Arrays.copyOf(todo, pending);
      Embeddings sub = pending == n ? rows : rows.gather(rowsTodo);
      double[] up2 = new double[pending];
      double[] lo2 = new double[pending];
      int[] got = nearest(sub, centroids, stats, up2, lo2);
      for (int k = 0; k < pending; k++) {
        int i = rowsTodo[k];
        out[i] = got[k];
        labels[i] = centroids.label(got[k]);
        upper[i] = Math.sqrt(up2[k] * (1 + MARGIN) + Double.MIN_NORMAL);
        lower[i] = Math.sqrt(Math.max(0, lo2[k] * (1 - MARGIN) - Double.MIN_NORMAL));
      }
    }
    return new Labeled(out, new PseudoLabelMemo(centroids, labels, upper, lower));
  }

  /**
   * Per class of {@code now}, an upper bound on how far its centroid moved since {@code before};
   * infinite for a class {@code before} did not have. Kept in {@code now}: all classes of a window
   * compare the same two tables.
   */
  static double[] movements(Centroids before, Centroids now) {
    Centroids.Moved known = now.moved();
    if (known != null && known.since().get() == before) {
      return known.distance();
    }
    double[] out = new double[now.count()];
    for (int c = 0; c < out.length; c++) {
      int b = before.indexOf(now.label(c));
      out[c] = b < 0 || before.dim() != now.dim() ? Double.POSITIVE_INFINITY
          : Math.sqrt(Kernels.squaredDistance(now.means(), c, before.means(), b) * (1 + MARGIN) + Double.MIN_NORMAL);
    }
    now.moved(new Centroids.Moved(new java.lang.ref.WeakReference<>(before), out));
    return out;
  }

  /**
   * The nearest centroid of every row; with {@code upper2}/{@code lower2}, also per row an upper bound
   * on the squared distance to it and a lower bound on the squared distance to every other centroid.
   */
  private static int[] nearest(Embeddings rows, Centroids centroids, Stats stats, double[] upper2, double[] lower2) {
    int n = rows.rows();
    int count = centroids.count();
    int dim = rows.dim();
    if (centroids.dim() != dim) {
      throw new IllegalArgumentException("rows have dimension " + dim + ", centroids " + centroids.dim());
    }
    int[] out = new int[n];
    if (count == 0) {
      java.util.Arrays.fill(out, -1);
      return out;
    }
    float[] packed = centroids.packedFloat();
    // mm[count] and nm[count] hold the largest squared norm and norm
    double[] mm = new double[count + 1];
    double[] nm = new double[count + 1];
    for (int c = 0; c < count; c++) {
      mm[c] = centroids.squaredNorm(c);
      nm[c] = Math.sqrt(mm[c]);
      mm[count] = Math.max(mm[count], mm[c]);
      nm[count] = Math.max(nm[count], nm[c]);
    }
    double u = 0x1p-24;
    double relDot = 2.0 * (Kernels.f32DotErrorFactor(dim) + 3.0 * u);
    double relDouble = 4.0 * (dim + 16) * 0x1p-52;
    float[] dots = new float[4 * count];
    float[] single = new float[count];
    float[] scratch = rows.isFloat() ? null : new float[4 * dim];
    double[] lb = new double[count];
    long rechecked = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      if (rows.isFloat()) {
        Kernels.dotsF32x4(rows.floatBlock(i), rows.offset(i), rows.floatBlock(i + 1), rows.offset(i + 1),
            rows.floatBlock(i + 2), rows.offset(i + 2), rows.floatBlock(i + 3), rows.offset(i + 3),
            packed, count, dim, dots);
      } else {
        for (int r = 0; r < 4; r++) {
          toFloat(rows, i + r, scratch, r * dim);
        }
        Kernels.dotsF32x4(scratch, 0, scratch, dim, scratch, 2 * dim, scratch, 3 * dim, packed, count, dim, dots);
      }
      for (int r = 0; r < 4; r++) {
        int best = decide(rows, i + r, centroids, dots, r * count, mm, nm, relDot, relDouble, lb, upper2, lower2);
        if (best < 0) {
          rechecked++;
          best = -best - 1;
        }
        out[i + r] = best;
      }
    }
    for (; i < n; i++) {
      if (rows.isFloat()) {
        Kernels.dotsF32(rows.floatBlock(i), rows.offset(i), packed, count, dim, single);
      } else {
        toFloat(rows, i, scratch, 0);
        Kernels.dotsF32(scratch, 0, packed, count, dim, single);
      }
      int best = decide(rows, i, centroids, single, 0, mm, nm, relDot, relDouble, lb, upper2, lower2);
      if (best < 0) {
        rechecked++;
        best = -best - 1;
      }
      out[i] = best;
    }
    if (stats != null) {
      stats.add(n, rechecked);
    }
    return out;
  }

  private static void toFloat(Embeddings rows, int i, float[] dst, int at) {
    double[] a = rows.doubleBlock(i);
    int off = rows.offset(i);
    for (int j = 0; j < rows.dim(); j++) {
      dst[at + j] = (float) a[off + j];
    }
  }

  /**
   * The nearest centroid of row i given its float32 dot products {@code dots[at .. at + count)}:
   * the index if the fast path settled it, {@code -(index + 1)} if candidates had to be compared
   * with the reference kernel. With {@code upper2}, also writes the row's bounds (see {@link #nearest}).
   */
  private static int decide(Embeddings rows, int i, Centroids centroids, float[] dots, int at, double[] mm,
      double[] nm, double relDot, double relDouble, double[] lb, double[] upper2, double[] lower2) {
    int count = mm.length - 1;
    double xx = Kernels.squaredNorm(rows, i);
    double nx = Math.sqrt(xx);
    // Quick test first: ||x||^2 is common to every class, so compare e_c = ||mu_c||^2 - 2 x.mu_c
    // against one bound valid for all classes (the largest centroid norm); if no other class comes
    // within twice that bound of the best, the best is certain.
    double nmMax = nm[count];
    double crossMax = nx * nmMax;
    double errMax = relDot * crossMax + relDouble * (xx + mm[count] + 2.0 * crossMax) + Double.MIN_NORMAL;
    double bestE = Double.POSITIVE_INFINITY;
    double nextE = Double.POSITIVE_INFINITY;
    int best = 0;
    for (int c = 0; c < count; c++) {
      double e = mm[c] - 2.0 * dots[at + c];
      if (e < bestE) {
        nextE = bestE;
        bestE = e;
        best = c;
      } else if (e < nextE) {
        nextE = e;
      }
    }
    if (nextE > bestE + 2.0 * errMax) { // no other class within reach: the best is certain
      if (upper2 != null) {
        upper2[i] = xx + bestE + errMax;
        lower2[i] = xx + nextE - errMax;
      }
      return best;
    }
    // Precise bounds per class.
    double minUb = Double.POSITIVE_INFINITY;
    best = 0;
    for (int c = 0; c < count; c++) {
      double cross = nx * nm[c];
      double est = (xx + mm[c]) - 2.0 * dots[at + c];
      double err = relDot * cross + relDouble * (xx + mm[c] + 2.0 * cross) + Double.MIN_NORMAL;
      double ub = est + err;
      lb[c] = est - err;
      if (ub < minUb) {
        minUb = ub;
        best = c;
      }
    }
    int candidates = 0;
    for (int c = 0; c < count; c++) {
      if (lb[c] <= minUb) {
        candidates++;
      }
    }
    if (candidates == 1) {
      if (upper2 != null) {
        upper2[i] = minUb;
        lower2[i] = minOther(lb, best);
      }
      return best;
    }
    Embeddings means = centroids.means();
    double bestD = Double.POSITIVE_INFINITY;
    best = -1;
    for (int c = 0; c < count; c++) {
      if (lb[c] <= minUb) {
        double d = Kernels.squaredDistance(rows, i, means, c);
        lb[c] = d; // exact now: a tighter lower bound for the memo
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
    }
    if (upper2 != null) {
      upper2[i] = bestD;
      lower2[i] = minOther(lb, best);
    }
    return -best - 1;
  }

  private static double minOther(double[] lb, int best) {
    double m = Double.POSITIVE_INFINITY;
    for (int c = 0; c < lb.length; c++) {
      if (c != best) {
        m = Math.min(m, lb[c]);
      }
    }
    return m;
  }

  /** The reference answer by brute force in double: for tests and for checking the fast path. */
  public static int[] nearestReference(Embeddings rows, Centroids centroids) {
    int[] out = new int[rows.rows()];
    for (int i = 0; i < rows.rows(); i++) {
      double bestD = Double.POSITIVE_INFINITY;
      int best = -1;
      for (int c = 0; c < centroids.count(); c++) {
        double d = Kernels.squaredDistanceScalar(rows, i, centroids.means(), c);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      out[i] = best;
    }
    return out;
  }
}
