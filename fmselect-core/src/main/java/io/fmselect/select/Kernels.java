package io.fmselect.select;

/**
 * Distance and dot-product kernels.
 *
 * <p><b>The reference double arithmetic.</b> Every exact decision of the selection core (ranks,
 * greedy picks, nearest centroids) compares values computed by {@link #squaredDistance} and
 * {@link #dot}. Both widen their inputs to double and accumulate in eight fixed "virtual lanes":
 * element {@code j < D8} ({@code D8} = D rounded down to a multiple of 8) goes to lane {@code j % 8}
 * through a fused multiply-add, the lanes are combined as
 * {@code ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7))}, and the remaining {@code D - D8} elements are added in
 * order, again by FMA. The definition does not depend on the CPU's vector width, so the result is
 * bit-for-bit the same on every machine, interpreted or compiled. The kernels are plain Java with
 * eight independent accumulators (two FMA chains per cycle keep them busy; the JIT compiles them in
 * no time, unlike Vector API shape conversions); {@link #squaredDistanceScalar} and {@link #dotScalar}
 * spell the definition out element by element and tests hold the kernels to them.
 *
 * <p><b>The float32 fast path.</b> {@link #dotsF32} computes one row's dot products with many
 * centroids in float32 SIMD, in whatever lane order the hardware likes. Its callers never trust it
 * blindly: {@link #f32DotErrorFactor} bounds its error (Higham, "Accuracy and Stability of Numerical
 * Algorithms", 2nd ed., §3.1: |fl(x·y) - x·y| <= gamma_k sum |x_i y_i|), and decisions whose margin is
 * inside that bound are recomputed with the reference kernel.
 *
 * <p><b>With or without the vector API.</b> The vector forms live in {@code VectorKernels}, used only when
 * the JVM has {@code jdk.incubator.vector} ({@link VectorApi}); otherwise {@link ScalarKernels} does the
 * same work in plain Java. The reference results are the same bit for bit either way (both follow the
 * definition above); the float32 fast path differs in its last bits, within the bound its callers check
 * against, so every decision, and every answer of the selection core, is the same.
 */
final class Kernels {
  /** Whether the vector forms run (decided once per JVM; see {@link VectorApi}). */
  static final boolean VECTOR = VectorApi.AVAILABLE;
  /** Lanes of the float32 fast path, for its error bound: the vector species', or the scalar form's eight. */
  private static final int FL = VECTOR ? VectorKernels.FL : ScalarKernels.F32_LANES;

  private Kernels() {}

  // ---------------------------------------------------------------- reference, scalar form

  /** The reference squared distance, spelled out in scalar code (see class comment). */
  public static double squaredDistanceScalar(Embeddings a, int i, Embeddings b, int j) {
    int dim = a.dim();
    double[] lanes = new double[8];
    int d8 = dim & ~7;
    for (int k = 0; k < d8; k++) {
      double d = a.get(i, k) - b.get(j, k);
      lanes[k & 7] = Math.fma(d, d, lanes[k & 7]);
    }
    double s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    for (int k = d8; k < dim; k++) {
      double d = a.get(i, k) - b.get(j, k);
      s = Math.fma(d, d, s);
    }
    return s;
  }

  /** The reference dot product, spelled out in scalar code (see class comment). */
  public static double dotScalar(Embeddings a, int i, Embeddings b, int j) {
    int dim = a.dim();
    double[] lanes = new double[8];
    int d8 = dim & ~7;
    for (int k = 0; k < d8; k++) {
      lanes[k & 7] = Math.fma(a.get(i, k), b.get(j, k), lanes[k & 7]);
    }
    double s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    for (int k = d8; k < dim; k++) {
      s = Math.fma(a.get(i, k), b.get(j, k), s);
    }
    return s;
  }

  // ---------------------------------------------------------------- reference, vector form

  /** Reference squared Euclidean distance between row {@code i} of {@code a} and row {@code j} of {@code b}. */
  public static double squaredDistance(Embeddings a, int i, Embeddings b, int j) {
    checkDims(a, b);
    if (a.isFloat()) {
      if (b.isFloat()) {
        return sqDistFF(a.floatBlock(i), a.offset(i), b.floatBlock(j), b.offset(j), a.dim());
      }
      return sqDistFD(a.floatBlock(i), a.offset(i), b.doubleBlock(j), b.offset(j), a.dim());
    }
    if (b.isFloat()) {
      // (x - y)^2 == (y - x)^2 exactly: negation is exact.
      return sqDistFD(b.floatBlock(j), b.offset(j), a.doubleBlock(i), a.offset(i), a.dim());
    }
    return sqDistDD(a.doubleBlock(i), a.offset(i), b.doubleBlock(j), b.offset(j), a.dim());
  }

  /** Reference dot product of row {@code i} of {@code a} and row {@code j} of {@code b}. */
  public static double dot(Embeddings a, int i, Embeddings b, int j) {
    checkDims(a, b);
    if (a.isFloat()) {
      if (b.isFloat()) {
        return dotFF(a.floatBlock(i), a.offset(i), b.floatBlock(j), b.offset(j), a.dim());
      }
      return dotFD(a.floatBlock(i), a.offset(i), b.doubleBlock(j), b.offset(j), a.dim());
    }
    if (b.isFloat()) {
      return dotFD(b.floatBlock(j), b.offset(j), a.doubleBlock(i), a.offset(i), a.dim());
    }
    return dotDD(a.doubleBlock(i), a.offset(i), b.doubleBlock(j), b.offset(j), a.dim());
  }

  /**
   * The reference squared distance of every row of {@code x} to row {@code c} of {@code means}, into
   * {@code out}: bit for bit {@link #squaredDistance}, for float32 rows in vector form. Each row's eight
   * virtual lanes are two 4-lane double vectors (the same operations in the same order per lane, so the
   * same result), and four rows go at once, so that eight independent FMA chains hide the FMA latency
   * that one row's two chains cannot: about 4x faster than the scalar form once compiled. The RAM pass
   * of a class computes one such distance per member and FM.
   */
  public static void squaredDistances(Embeddings x, Embeddings means, int c, double[] out) {
    checkDims(x, means);
    int n = x.rows();
    int dim = x.dim();
    if (!x.isFloat() || means.isFloat()) {
      for (int i = 0; i < n; i++) {
        out[i] = squaredDistance(x, i, means, c);
      }
      return;
    }
    double[] y = means.doubleBlock(c);
    int yo = means.offset(c);
    if (!VECTOR) {
      for (int i = 0; i < n; i++) {
        out[i] = sqDistFD(x.floatBlock(i), x.offset(i), y, yo, dim);
      }
      return;
    }
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      VectorKernels.sqDistFDVector4(x.floatBlock(i), x.offset(i), x.floatBlock(i + 1), x.offset(i + 1),
          x.floatBlock(i + 2), x.offset(i + 2), x.floatBlock(i + 3), x.offset(i + 3), y, yo, dim, out, i);
    }
    for (; i < n; i++) {
      out[i] = VectorKernels.sqDistFDVector(x.floatBlock(i), x.offset(i), y, yo, dim);
    }
  }

  /** Reference squared norm of one row ({@code dot(a, i, a, i)}). */
  public static double squaredNorm(Embeddings a, int i) {
    return dot(a, i, a, i);
  }

  private static void checkDims(Embeddings a, Embeddings b) {
    if (a.dim() != b.dim()) {
      throw new IllegalArgumentException("dimensions differ: " + a.dim() + " vs " + b.dim());
    }
  }

  static double sqDistFF(float[] x, int xo, float[] y, int yo, int dim) {
    double l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
    int d8 = dim & ~7;
    for (int k = 0; k < d8; k += 8) {
      double d0 = (double) x[xo + k + 0] - (double) y[yo + k + 0];
      l0 = Math.fma(d0, d0, l0);
      double d1 = (double) x[xo + k + 1] - (double) y[yo + k + 1];
      l1 = Math.fma(d1, d1, l1);
      double d2 = (double) x[xo + k + 2] - (double) y[yo + k + 2];
      l2 = Math.fma(d2, d2, l2);
      double d3 = (double) x[xo + k + 3] - (double) y[yo + k + 3];
      l3 = Math.fma(d3, d3, l3);
      double d4 = (double) x[xo + k + 4] - (double) y[yo + k + 4];
      l4 = Math.fma(d4, d4, l4);
      double d5 = (double) x[xo + k + 5] - (double) y[yo + k + 5];
      l5 = Math.fma(d5, d5, l5);
      double d6 = (double) x[xo + k + 6] - (double) y[yo + k + 6];
      l6 = Math.fma(d6, d6, l6);
      double d7 = (double) x[xo + k + 7] - (double) y[yo + k + 7];
      l7 = Math.fma(d7, d7, l7);
    }
    double s = ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
    for (int k = d8; k < dim; k++) {
      double d = (double) x[xo + k] - (double) y[yo + k];
      s = Math.fma(d, d, s);
    }
    return s;
  }

  static double sqDistFD(float[] x, int xo, double[] y, int yo, int dim) {
    double l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
    int d8 = dim & ~7;
    for (int k = 0; k < d8; k += 8) {
      double d0 = (double) x[xo + k + 0] - y[yo + k + 0];
      l0 = Math.fma(d0, d0, l0);
      double d1 = (double) x[xo + k + 1] - y[yo + k + 1];
      l1 = Math.fma(d1, d1, l1);
      double d2 = (double) x[xo + k + 2] - y[yo + k + 2];
      l2 = Math.fma(d2, d2, l2);
      double d3 = (double) x[xo + k + 3] - y[yo + k + 3];
      l3 = Math.fma(d3, d3, l3);
      double d4 = (double) x[xo + k + 4] - y[yo + k + 4];
      l4 = Math.fma(d4, d4, l4);
      double d5 = (double) x[xo + k + 5] - y[yo + k + 5];
      l5 = Math.fma(d5, d5, l5);
      double d6 = (double) x[xo + k + 6] - y[yo + k + 6];
      l6 = Math.fma(d6, d6, l6);
      double d7 = (double) x[xo + k + 7] - y[yo + k + 7];
      l7 = Math.fma(d7, d7, l7);
    }
    double s = ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
    for (int k = d8; k < dim; k++) {
      double d = (double) x[xo + k] - y[yo + k];
      s = Math.fma(d, d, s);
    }
    return s;
  }

  static double sqDistDD(double[] x, int xo, double[] y, int yo, int dim) {
    double l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
    int d8 = dim & ~7;
    for (int k = 0; k < d8; k += 8) {
      double d0 = x[xo + k + 0] - y[yo + k + 0];
      l0 = Math.fma(d0, d0, l0);
      double d1 = x[xo + k + 1] - y[yo + k + 1];
      l1 = Math.fma(d1, d1, l1);
      double d2 = x[xo + k + 2] - y[yo + k + 2];
      l2 = Math.fma(d2, d2, l2);
      double d3 = x[xo + k + 3] - y[yo + k + 3];
      l3 = Math.fma(d3, d3, l3);
      double d4 = x[xo + k + 4] - y[yo + k + 4];
      l4 = Math.fma(d4, d4, l4);
      double d5 = x[xo + k + 5] - y[yo + k + 5];
      l5 = Math.fma(d5, d5, l5);
      double d6 = x[xo + k + 6] - y[yo + k + 6];
      l6 = Math.fma(d6, d6, l6);
      double d7 = x[xo + k + 7] - y[yo + k + 7];
      l7 = Math.fma(d7, d7, l7);
    }
    double s = ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
    for (int k = d8; k < dim; k++) {
      double d = x[xo + k] - y[yo + k];
      s = Math.fma(d, d, s);
    }
    return s;
  }

  static double dotFF(float[] x, int xo, float[] y, int yo, int dim) {
    double l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
    int d8 = dim & ~7;
    for (int k = 0; k < d8; k += 8) {
      l0 = Math.fma((double) x[xo + k + 0], (double) y[yo + k + 0], l0);
      l1 = Math.fma((double) x[xo + k + 1], (double) y[yo + k + 1], l1);
      l2 = Math.fma((double) x[xo + k + 2], (double) y[yo + k + 2], l2);
      l3 = Math.fma((double) x[xo + k + 3], (double) y[yo + k + 3], l3);
      l4 = Math.fma((double) x[xo + k + 4], (double) y[yo + k + 4], l4);
      l5 = Math.fma((double) x[xo + k + 5], (double) y[yo + k + 5], l5);
      l6 = Math.fma((double) x[xo + k + 6], (double) y[yo + k + 6], l6);
      l7 = Math.fma((double) x[xo + k + 7], (double) y[yo + k + 7], l7);
    }
    double s = ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
    for (int k = d8; k < dim; k++) {
      s = Math.fma((double) x[xo + k], (double) y[yo + k], s);
    }
    return s;
  }

  static double dotFD(float[] x, int xo, double[] y, int yo, int dim) {
    double l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
    int d8 = dim & ~7;
    for (int k = 0; k < d8; k += 8) {
      l0 = Math.fma((double) x[xo + k + 0], y[yo + k + 0], l0);
      l1 = Math.fma((double) x[xo + k + 1], y[yo + k + 1], l1);
      l2 = Math.fma((double) x[xo + k + 2], y[yo + k + 2], l2);
      l3 = Math.fma((double) x[xo + k + 3], y[yo + k + 3], l3);
      l4 = Math.fma((double) x[xo + k + 4], y[yo + k + 4], l4);
      l5 = Math.fma((double) x[xo + k + 5], y[yo + k + 5], l5);
      l6 = Math.fma((double) x[xo + k + 6], y[yo + k + 6], l6);
      l7 = Math.fma((double) x[xo + k + 7], y[yo + k + 7], l7);
    }
    double s = ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
    for (int k = d8; k < dim; k++) {
      s = Math.fma((double) x[xo + k], y[yo + k], s);
    }
    return s;
  }

  static double dotDD(double[] x, int xo, double[] y, int yo, int dim) {
    double l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
    int d8 = dim & ~7;
    for (int k = 0; k < d8; k += 8) {
      l0 = Math.fma(x[xo + k + 0], y[yo + k + 0], l0);
      l1 = Math.fma(x[xo + k + 1], y[yo + k + 1], l1);
      l2 = Math.fma(x[xo + k + 2], y[yo + k + 2], l2);
      l3 = Math.fma(x[xo + k + 3], y[yo + k + 3], l3);
      l4 = Math.fma(x[xo + k + 4], y[yo + k + 4], l4);
      l5 = Math.fma(x[xo + k + 5], y[yo + k + 5], l5);
      l6 = Math.fma(x[xo + k + 6], y[yo + k + 6], l6);
      l7 = Math.fma(x[xo + k + 7], y[yo + k + 7], l7);
    }
    double s = ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
    for (int k = d8; k < dim; k++) {
      s = Math.fma(x[xo + k], y[yo + k], s);
    }
    return s;
  }

  // ---------------------------------------------------------------- float32 fast path

  /**
   * Dot products of one float32 row with {@code count} float32 centroids packed row-major in
   * {@code cents} ({@code dim} values each), written to {@code out[0..count)}. Summation order is
   * unspecified; see {@link #f32DotErrorFactor}.
   */
  public static void dotsF32(float[] x, int xo, float[] cents, int count, int dim, float[] out) {
    if (VECTOR) {
      VectorKernels.dotsF32(x, xo, cents, count, dim, out);
    } else {
      ScalarKernels.dotsF32(x, xo, cents, count, dim, out, 0);
    }
  }

  /**
   * Dot products of four float32 rows with {@code count} centroids packed row-major in {@code cents};
   * row r's results go to {@code out[r * count .. r * count + count)}. Summation order is unspecified; see
   * {@link #f32DotErrorFactor}.
   */
  public static void dotsF32x4(float[] xa, int x0, float[] xb, int x1, float[] xc, int x2, float[] xd, int x3,
      float[] cents, int count, int dim, float[] out) {
    if (VECTOR) {
      VectorKernels.dotsF32x4(xa, x0, xb, x1, xc, x2, xd, x3, cents, count, dim, out);
    } else {
      ScalarKernels.dotsF32x4(xa, x0, xb, x1, xc, x2, xd, x3, cents, count, dim, out);
    }
  }

  /**
   * Centroids per panel of the panel fast path ({@link #dotsPanel4}); 0 when it is not available
   * (no vector API: the callers use {@link #dotsF32x4}).
   */
  static final int PANEL = VECTOR ? VectorKernels.PANEL : 0;

  /**
   * Dot products of four float32 rows with the {@link #PANEL} centroids of one panel of {@code panels}
   * (see {@link Centroids#panels()}) over the elements {@code [k0, k1)}: row r's results to
   * {@code out[o_r .. o_r + PANEL)}. Each is one float32 FMA chain in element order, from zero, so its
   * error is within {@link #panelDotErrorFactor} (and a dot product summed from such chains over
   * consecutive ranges, S chains added in order, within it while {@code S <= 4}: every product goes
   * through at most {@code dim + S - 1} roundings). Only with the vector API ({@link #PANEL} {@code > 0}).
   */
  static void dotsPanel4(float[] xa, int x0, float[] xb, int x1, float[] xc, int x2, float[] xd, int x3,
      float[] panels, int panel, int dim, int k0, int k1, float[] out, int o0, int o1, int o2, int o3) {
    VectorKernels.dotsPanel4(xa, x0, xb, x1, xc, x2, xd, x3, panels, panel, dim, k0, k1, out, o0, o1, o2, o3);
  }

  /** {@link #dotsPanel4} for one row. */
  static void dotsPanel1(float[] xa, int x0, float[] panels, int panel, int dim, int k0, int k1, float[] out, int o0) {
    VectorKernels.dotsPanel1(xa, x0, panels, panel, dim, k0, k1, out, o0);
  }

  /**
   * A factor {@code g} such that {@code |dotsPanel(x, c) - x·c| <= g * sum_i |x_i c_i|}: one FMA chain
   * of {@code dim} steps, each rounding once, so {@code g = gamma_dim} (Higham §3.1); taken as
   * {@code gamma_(dim + 4)}, the lanes-of-one case of {@link #f32DotErrorFactor(int, int)}.
   */
  public static double panelDotErrorFactor(int dim) {
    return f32DotErrorFactor(dim, 1);
  }

  /**
   * A factor {@code g} such that {@code |dotsF32(x, c) - x·c| <= g * sum_i |x_i c_i|} for rows of
   * {@code dim} values, whatever order the lanes are added in: each lane accumulates at most
   * {@code ceil(dim / L)} products by FMA, the lane reduction and the scalar tail add at most
   * {@code L + L} more, so {@code k <= dim / L + 2L + 1} rounding steps and {@code g = gamma_k}.
   */
  public static double f32DotErrorFactor(int dim) {
    return f32DotErrorFactor(dim, FL);
  }

  /** {@link #f32DotErrorFactor(int)} for a fast path of {@code lanes} lanes. */
  static double f32DotErrorFactor(int dim, int lanes) {
    double u = 0x1p-24;
    double k = (double) dim / lanes + 2.0 * lanes + 2.0;
    return k * u / (1 - k * u);
  }
}
