package io.fmselect.select;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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
 */
public final class Kernels {
  static final VectorSpecies<Float> FP = FloatVector.SPECIES_PREFERRED;
  private static final int FL = FP.length();

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
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      sqDistFDVector4(x.floatBlock(i), x.offset(i), x.floatBlock(i + 1), x.offset(i + 1), x.floatBlock(i + 2),
          x.offset(i + 2), x.floatBlock(i + 3), x.offset(i + 3), y, yo, dim, out, i);
    }
    for (; i < n; i++) {
      out[i] = sqDistFDVector(x.floatBlock(i), x.offset(i), y, yo, dim);
    }
  }

  private static DoubleVector widen(float[] x, int o) {
    return (DoubleVector) FloatVector.fromArray(F4, x, o).convertShape(VectorOperators.F2D, D4, 0);
  }

  private static double lanes(DoubleVector lo, DoubleVector hi) {
    return ((lo.lane(0) + lo.lane(1)) + (lo.lane(2) + lo.lane(3))) + ((hi.lane(0) + hi.lane(1)) + (hi.lane(2) + hi.lane(3)));
  }

  /** {@link #sqDistFDVector} of four rows at once into {@code out[at .. at + 4)}. */
  static void sqDistFDVector4(float[] xa, int oa, float[] xb, int ob, float[] xc, int oc, float[] xd, int od,
      double[] y, int yo, int dim, double[] out, int at) {
    DoubleVector a0 = DoubleVector.zero(D4);
    DoubleVector a1 = a0;
    DoubleVector b0 = a0;
    DoubleVector b1 = a0;
    DoubleVector c0 = a0;
    DoubleVector c1 = a0;
    DoubleVector d0 = a0;
    DoubleVector d1 = a0;
    int d8 = dim & ~7;
    for (int k = 0; k < d8; k += 8) {
      DoubleVector y0 = DoubleVector.fromArray(D4, y, yo + k);
      DoubleVector y1 = DoubleVector.fromArray(D4, y, yo + k + 4);
      DoubleVector e = widen(xa, oa + k).sub(y0);
      a0 = e.fma(e, a0);
      e = widen(xa, oa + k + 4).sub(y1);
      a1 = e.fma(e, a1);
      e = widen(xb, ob + k).sub(y0);
      b0 = e.fma(e, b0);
      e = widen(xb, ob + k + 4).sub(y1);
      b1 = e.fma(e, b1);
      e = widen(xc, oc + k).sub(y0);
      c0 = e.fma(e, c0);
      e = widen(xc, oc + k + 4).sub(y1);
      c1 = e.fma(e, c1);
      e = widen(xd, od + k).sub(y0);
      d0 = e.fma(e, d0);
      e = widen(xd, od + k + 4).sub(y1);
      d1 = e.fma(e, d1);
    }
    double sa = lanes(a0, a1);
    double sb = lanes(b0, b1);
    double sc = lanes(c0, c1);
    double sd = lanes(d0, d1);
    for (int k = d8; k < dim; k++) {
      double e = (double) xa[oa + k] - y[yo + k];
      sa = Math.fma(e, e, sa);
      e = (double) xb[ob + k] - y[yo + k];
      sb = Math.fma(e, e, sb);
      e = (double) xc[oc + k] - y[yo + k];
      sc = Math.fma(e, e, sc);
      e = (double) xd[od + k] - y[yo + k];
      sd = Math.fma(e, e, sd);
    }
    out[at] = sa;
    out[at + 1] = sb;
    out[at + 2] = sc;
    out[at + 3] = sd;
  }

  private static final jdk.incubator.vector.VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
  private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;

  /** {@link #sqDistFD} with lanes 0-3 and 4-7 as two double vectors. */
  static double sqDistFDVector(float[] x, int xo, double[] y, int yo, int dim) {
    DoubleVector lo = DoubleVector.zero(D4);
    DoubleVector hi = DoubleVector.zero(D4);
    int d8 = dim & ~7;
    for (int k = 0; k < d8; k += 8) {
      DoubleVector d0 = widen(x, xo + k).sub(DoubleVector.fromArray(D4, y, yo + k));
      DoubleVector d1 = widen(x, xo + k + 4).sub(DoubleVector.fromArray(D4, y, yo + k + 4));
      lo = d0.fma(d0, lo);
      hi = d1.fma(d1, hi);
    }
    double s = lanes(lo, hi);
    for (int k = d8; k < dim; k++) {
      double d = (double) x[xo + k] - y[yo + k];
      s = Math.fma(d, d, s);
    }
    return s;
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
    int dl = dim - dim % FL;
    int c = 0;
    for (; c + 4 <= count; c += 4) {
      int b0 = c * dim;
      int b1 = b0 + dim;
      int b2 = b1 + dim;
      int b3 = b2 + dim;
      FloatVector a0 = FloatVector.zero(FP);
      FloatVector a1 = FloatVector.zero(FP);
      FloatVector a2 = FloatVector.zero(FP);
      FloatVector a3 = FloatVector.zero(FP);
      for (int k = 0; k < dl; k += FL) {
        FloatVector xv = FloatVector.fromArray(FP, x, xo + k);
        a0 = xv.fma(FloatVector.fromArray(FP, cents, b0 + k), a0);
        a1 = xv.fma(FloatVector.fromArray(FP, cents, b1 + k), a1);
        a2 = xv.fma(FloatVector.fromArray(FP, cents, b2 + k), a2);
        a3 = xv.fma(FloatVector.fromArray(FP, cents, b3 + k), a3);
      }
      float s0 = a0.reduceLanes(VectorOperators.ADD);
      float s1 = a1.reduceLanes(VectorOperators.ADD);
      float s2 = a2.reduceLanes(VectorOperators.ADD);
      float s3 = a3.reduceLanes(VectorOperators.ADD);
      for (int k = dl; k < dim; k++) {
        float xk = x[xo + k];
        s0 = Math.fma(xk, cents[b0 + k], s0);
        s1 = Math.fma(xk, cents[b1 + k], s1);
        s2 = Math.fma(xk, cents[b2 + k], s2);
        s3 = Math.fma(xk, cents[b3 + k], s3);
      }
      out[c] = s0;
      out[c + 1] = s1;
      out[c + 2] = s2;
      out[c + 3] = s3;
    }
    for (; c < count; c++) {
      int b0 = c * dim;
      FloatVector a0 = FloatVector.zero(FP);
      for (int k = 0; k < dl; k += FL) {
        a0 = FloatVector.fromArray(FP, x, xo + k).fma(FloatVector.fromArray(FP, cents, b0 + k), a0);
      }
      float s0 = a0.reduceLanes(VectorOperators.ADD);
      for (int k = dl; k < dim; k++) {
        s0 = Math.fma(x[xo + k], cents[b0 + k], s0);
      }
      out[c] = s0;
    }
  }

  /**
   * Dot products of four float32 rows with {@code count} centroids packed row-major in {@code cents};
   * row r's results go to {@code out[r * count .. r * count + count)}. A 4 x 4 register block: each
   * loaded vector feeds four FMAs, so the loop runs at the FMA units' pace instead of the loads'.
   * Summation order is unspecified; see {@link #f32DotErrorFactor}.
   */
  public static void dotsF32x4(float[] xa, int x0, float[] xb, int x1, float[] xc, int x2, float[] xd, int x3,
      float[] cents, int count, int dim, float[] out) {
    int dl = dim - dim % FL;
    int o1 = count;
    int o2 = 2 * count;
    int o3 = 3 * count;
    int c = 0;
    for (; c + 4 <= count; c += 4) {
      int b0 = c * dim;
      int b1 = b0 + dim;
      int b2 = b1 + dim;
      int b3 = b2 + dim;
      FloatVector a00 = FloatVector.zero(FP);
      FloatVector a01 = a00;
      FloatVector a02 = a00;
      FloatVector a03 = a00;
      FloatVector a10 = a00;
      FloatVector a11 = a00;
      FloatVector a12 = a00;
      FloatVector a13 = a00;
      FloatVector a20 = a00;
      FloatVector a21 = a00;
      FloatVector a22 = a00;
      FloatVector a23 = a00;
      FloatVector a30 = a00;
      FloatVector a31 = a00;
      FloatVector a32 = a00;
      FloatVector a33 = a00;
      for (int k = 0; k < dl; k += FL) {
        FloatVector v0 = FloatVector.fromArray(FP, xa, x0 + k);
        FloatVector v1 = FloatVector.fromArray(FP, xb, x1 + k);
        FloatVector v2 = FloatVector.fromArray(FP, xc, x2 + k);
        FloatVector v3 = FloatVector.fromArray(FP, xd, x3 + k);
        FloatVector w = FloatVector.fromArray(FP, cents, b0 + k);
        a00 = v0.fma(w, a00);
        a10 = v1.fma(w, a10);
        a20 = v2.fma(w, a20);
        a30 = v3.fma(w, a30);
        w = FloatVector.fromArray(FP, cents, b1 + k);
        a01 = v0.fma(w, a01);
        a11 = v1.fma(w, a11);
        a21 = v2.fma(w, a21);
        a31 = v3.fma(w, a31);
        w = FloatVector.fromArray(FP, cents, b2 + k);
        a02 = v0.fma(w, a02);
        a12 = v1.fma(w, a12);
        a22 = v2.fma(w, a22);
        a32 = v3.fma(w, a32);
        w = FloatVector.fromArray(FP, cents, b3 + k);
        a03 = v0.fma(w, a03);
        a13 = v1.fma(w, a13);
        a23 = v2.fma(w, a23);
        a33 = v3.fma(w, a33);
      }
      out[c] = a00.reduceLanes(VectorOperators.ADD);
      out[c + 1] = a01.reduceLanes(VectorOperators.ADD);
      out[c + 2] = a02.reduceLanes(VectorOperators.ADD);
      out[c + 3] = a03.reduceLanes(VectorOperators.ADD);
      out[o1 + c] = a10.reduceLanes(VectorOperators.ADD);
      out[o1 + c + 1] = a11.reduceLanes(VectorOperators.ADD);
      out[o1 + c + 2] = a12.reduceLanes(VectorOperators.ADD);
      out[o1 + c + 3] = a13.reduceLanes(VectorOperators.ADD);
      out[o2 + c] = a20.reduceLanes(VectorOperators.ADD);
      out[o2 + c + 1] = a21.reduceLanes(VectorOperators.ADD);
      out[o2 + c + 2] = a22.reduceLanes(VectorOperators.ADD);
      out[o2 + c + 3] = a23.reduceLanes(VectorOperators.ADD);
      out[o3 + c] = a30.reduceLanes(VectorOperators.ADD);
      out[o3 + c + 1] = a31.reduceLanes(VectorOperators.ADD);
      out[o3 + c + 2] = a32.reduceLanes(VectorOperators.ADD);
      out[o3 + c + 3] = a33.reduceLanes(VectorOperators.ADD);
      if (dl < dim) {
        for (int cc = c; cc < c + 4; cc++) {
          int b = cc * dim;
          out[cc] = tailDot(xa, x0, cents, b, dl, dim, out[cc]);
          out[o1 + cc] = tailDot(xb, x1, cents, b, dl, dim, out[o1 + cc]);
          out[o2 + cc] = tailDot(xc, x2, cents, b, dl, dim, out[o2 + cc]);
          out[o3 + cc] = tailDot(xd, x3, cents, b, dl, dim, out[o3 + cc]);
        }
      }
    }
    for (; c < count; c++) {
      int b0 = c * dim;
      FloatVector a0 = FloatVector.zero(FP);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int k = 0; k < dl; k += FL) {
        FloatVector w = FloatVector.fromArray(FP, cents, b0 + k);
        a0 = FloatVector.fromArray(FP, xa, x0 + k).fma(w, a0);
        a1 = FloatVector.fromArray(FP, xb, x1 + k).fma(w, a1);
        a2 = FloatVector.fromArray(FP, xc, x2 + k).fma(w, a2);
        a3 = FloatVector.fromArray(FP, xd, x3 + k).fma(w, a3);
      }
      out[c] = tailDot(xa, x0, cents, b0, dl, dim, a0.reduceLanes(VectorOperators.ADD));
      out[o1 + c] = tailDot(xb, x1, cents, b0, dl, dim, a1.reduceLanes(VectorOperators.ADD));
      out[o2 + c] = tailDot(xc, x2, cents, b0, dl, dim, a2.reduceLanes(VectorOperators.ADD));
      out[o3 + c] = tailDot(xd, x3, cents, b0, dl, dim, a3.reduceLanes(VectorOperators.ADD));
    }
  }

  private static float tailDot(float[] x, int xo, float[] cents, int b, int from, int dim, float acc) {
    for (int k = from; k < dim; k++) {
      acc = Math.fma(x[xo + k], cents[b + k], acc);
    }
    return acc;
  }

  /**
   * A factor {@code g} such that {@code |dotsF32(x, c) - x·c| <= g * sum_i |x_i c_i|} for rows of
   * {@code dim} values, whatever order the lanes are added in: each lane accumulates at most
   * {@code ceil(dim / L)} products by FMA, the lane reduction and the scalar tail add at most
   * {@code L + L} more, so {@code k <= dim / L + 2L + 1} rounding steps and {@code g = gamma_k}.
   */
  public static double f32DotErrorFactor(int dim) {
    double u = 0x1p-24;
    double k = (double) dim / FL + 2.0 * FL + 2.0;
    return k * u / (1 - k * u);
  }
}
