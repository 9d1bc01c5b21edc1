package io.fmselect.select;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels of {@link Kernels} and {@link ExactSum} in the JDK's vector API. Only ever loaded when
 * {@link VectorApi#AVAILABLE}: every call comes through a branch on it, so that a JVM without
 * {@code --add-modules jdk.incubator.vector} never resolves this class (see {@link VectorApi});
 * {@link ScalarKernels} holds the same operations in plain Java.
 */
final class VectorKernels {
  static final VectorSpecies<Float> FP = FloatVector.SPECIES_PREFERRED;
  /** Float lanes of the preferred species: what the float32 fast path's error bound depends on. */
  static final int FL = FP.length();
  private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
  private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;

  private VectorKernels() {}

  // ---------------------------------------------------------------- reference distances, vector form

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

  /** {@link Kernels#sqDistFD} with lanes 0-3 and 4-7 as two double vectors. */
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

  /**
   * Dot products of one float32 row with {@code count} float32 centroids packed row-major in
   * {@code cents} ({@code dim} values each), written to {@code out[0..count)}. Summation order is
   * unspecified; see {@link Kernels#f32DotErrorFactor}.
   */
  static void dotsF32(float[] x, int xo, float[] cents, int count, int dim, float[] out) {
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
   * Summation order is unspecified; see {@link Kernels#f32DotErrorFactor}.
   */
  static void dotsF32x4(float[] xa, int x0, float[] xb, int x1, float[] xc, int x2, float[] xd, int x3,
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

  /** Centroids per panel of {@link #dotsPanel4}: four float vectors wide. */
  static final int PANEL = 4 * FL;

  /**
   * Dot products of four float32 rows with the {@link #PANEL} centroids of panel {@code panel} in
   * {@code panels} (panel layout: centroid {@code j} of panel {@code b}, element {@code k}, at
   * {@code (b * dim + k) * PANEL + j}, padding centroids zero), over the elements {@code [k0, k1)}:
   * row r's {@link #PANEL} results go to {@code out[o_r ..)}. The classic broadcast-and-FMA GEMM step: every loaded
   * panel vector feeds four FMAs, every row value one broadcast, no lane reductions. Each dot product is
   * one float32 FMA chain in element order (accumulators start from zero: vectors loaded into the
   * accumulators defeated C2's intrinsics in a real run, so callers add chunks up themselves).
   */
  static void dotsPanel4(float[] xa, int x0, float[] xb, int x1, float[] xc, int x2, float[] xd, int x3,
      float[] panels, int panel, int dim, int k0, int k1, float[] out, int o0, int o1, int o2, int o3) {
    FloatVector a00 = FloatVector.zero(FP);
    FloatVector a01 = FloatVector.zero(FP);
    FloatVector a02 = FloatVector.zero(FP);
    FloatVector a03 = FloatVector.zero(FP);
    FloatVector a10 = FloatVector.zero(FP);
    FloatVector a11 = FloatVector.zero(FP);
    FloatVector a12 = FloatVector.zero(FP);
    FloatVector a13 = FloatVector.zero(FP);
    FloatVector a20 = FloatVector.zero(FP);
    FloatVector a21 = FloatVector.zero(FP);
    FloatVector a22 = FloatVector.zero(FP);
    FloatVector a23 = FloatVector.zero(FP);
    FloatVector a30 = FloatVector.zero(FP);
    FloatVector a31 = FloatVector.zero(FP);
    FloatVector a32 = FloatVector.zero(FP);
    FloatVector a33 = FloatVector.zero(FP);
    int base = panel * dim * PANEL;
    for (int k = k0; k < k1; k++) {
      int p = base + k * PANEL;
      FloatVector w0 = FloatVector.fromArray(FP, panels, p);
      FloatVector w1 = FloatVector.fromArray(FP, panels, p + FL);
      FloatVector w2 = FloatVector.fromArray(FP, panels, p + 2 * FL);
      FloatVector w3 = FloatVector.fromArray(FP, panels, p + 3 * FL);
      FloatVector v = FloatVector.broadcast(FP, xa[x0 + k]);
      a00 = w0.fma(v, a00);
      a01 = w1.fma(v, a01);
      a02 = w2.fma(v, a02);
      a03 = w3.fma(v, a03);
      v = FloatVector.broadcast(FP, xb[x1 + k]);
      a10 = w0.fma(v, a10);
      a11 = w1.fma(v, a11);
      a12 = w2.fma(v, a12);
      a13 = w3.fma(v, a13);
      v = FloatVector.broadcast(FP, xc[x2 + k]);
      a20 = w0.fma(v, a20);
      a21 = w1.fma(v, a21);
      a22 = w2.fma(v, a22);
      a23 = w3.fma(v, a23);
      v = FloatVector.broadcast(FP, xd[x3 + k]);
      a30 = w0.fma(v, a30);
      a31 = w1.fma(v, a31);
      a32 = w2.fma(v, a32);
      a33 = w3.fma(v, a33);
    }
    a00.intoArray(out, o0);
    a01.intoArray(out, o0 + FL);
    a02.intoArray(out, o0 + 2 * FL);
    a03.intoArray(out, o0 + 3 * FL);
    a10.intoArray(out, o1);
    a11.intoArray(out, o1 + FL);
    a12.intoArray(out, o1 + 2 * FL);
    a13.intoArray(out, o1 + 3 * FL);
    a20.intoArray(out, o2);
    a21.intoArray(out, o2 + FL);
    a22.intoArray(out, o2 + 2 * FL);
    a23.intoArray(out, o2 + 3 * FL);
    a30.intoArray(out, o3);
    a31.intoArray(out, o3 + FL);
    a32.intoArray(out, o3 + 2 * FL);
    a33.intoArray(out, o3 + 3 * FL);
  }

  /** {@link #dotsPanel4} for one row. */
  static void dotsPanel1(float[] xa, int x0, float[] panels, int panel, int dim, int k0, int k1, float[] out, int o0) {
    FloatVector a0 = FloatVector.zero(FP);
    FloatVector a1 = FloatVector.zero(FP);
    FloatVector a2 = FloatVector.zero(FP);
    FloatVector a3 = FloatVector.zero(FP);
    int base = panel * dim * PANEL;
    for (int k = k0; k < k1; k++) {
      int p = base + k * PANEL;
      FloatVector v = FloatVector.broadcast(FP, xa[x0 + k]);
      a0 = FloatVector.fromArray(FP, panels, p).fma(v, a0);
      a1 = FloatVector.fromArray(FP, panels, p + FL).fma(v, a1);
      a2 = FloatVector.fromArray(FP, panels, p + 2 * FL).fma(v, a2);
      a3 = FloatVector.fromArray(FP, panels, p + 3 * FL).fma(v, a3);
    }
    a0.intoArray(out, o0);
    a1.intoArray(out, o0 + FL);
    a2.intoArray(out, o0 + 2 * FL);
    a3.intoArray(out, o0 + 3 * FL);
  }

  private static float tailDot(float[] x, int xo, float[] cents, int b, int from, int dim, float acc) {
    for (int k = from; k < dim; k++) {
      acc = Math.fma(x[xo + k], cents[b + k], acc);
    }
    return acc;
  }

  // ---------------------------------------------------------------- exact sums (ExactSum)

  /**
   * One float32 row's elements {@code [0, d4)} added into {@code sum} with their |rounding errors| in
   * {@code err}, four at a time: lane for lane the same operations as {@link ExactSum}'s scalar step.
   */
  static void twoSumRow(double[] sum, double[] err, float[] a, int off, int d4) {
    for (int j = 0; j < d4; j += 4) {
      DoubleVector x = (DoubleVector) FloatVector.fromArray(F4, a, off + j).convertShape(VectorOperators.F2D, D4, 0);
      twoSumStep(sum, err, j, x);
    }
  }

  /** {@link #twoSumRow(double[], double[], float[], int, int)} for a float64 row. */
  static void twoSumRow(double[] sum, double[] err, double[] a, int off, int d4) {
    for (int j = 0; j < d4; j += 4) {
      twoSumStep(sum, err, j, DoubleVector.fromArray(D4, a, off + j));
    }
  }

  /** sum[j..j+4) += x, adding |rounding error| (Knuth's TwoSum, exact) to err[j..j+4). */
  private static void twoSumStep(double[] sum, double[] err, int j, DoubleVector x) {
    DoubleVector acc = DoubleVector.fromArray(D4, sum, j);
    DoubleVector s = acc.add(x);
    DoubleVector bv = s.sub(acc);
    DoubleVector r = acc.sub(s.sub(bv)).add(x.sub(bv));
    r.abs().add(DoubleVector.fromArray(D4, err, j)).intoArray(err, j);
    s.intoArray(sum, j);
  }
}
