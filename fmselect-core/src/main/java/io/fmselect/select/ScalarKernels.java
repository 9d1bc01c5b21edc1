package io.fmselect.select;

/**
 * The float32 fast path of {@link Kernels} in plain Java, for JVMs without the vector API
 * ({@link VectorApi}). Each dot product keeps {@link #F32_LANES} float accumulators (element {@code k}
 * of the first {@code dim & ~7} goes to lane {@code k % 8} by FMA, the lanes are added pairwise, the rest
 * follows in order), so the error bound of {@link Kernels#f32DotErrorFactor} holds with {@code L = 8}:
 * the callers' recheck rule, and with it every decision, is the same as with the vector form.
 */
final class ScalarKernels {
  /** Accumulators per dot product: the {@code L} of the fast path's error bound. */
  static final int F32_LANES = 8;

  private ScalarKernels() {}

  /** {@link Kernels#dotsF32}, results to {@code out[at .. at + count)}. */
  static void dotsF32(float[] x, int xo, float[] cents, int count, int dim, float[] out, int at) {
    int d8 = dim & ~7;
    for (int c = 0; c < count; c++) {
      int b = c * dim;
      float l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
      for (int k = 0; k < d8; k += 8) {
        l0 = Math.fma(x[xo + k], cents[b + k], l0);
        l1 = Math.fma(x[xo + k + 1], cents[b + k + 1], l1);
        l2 = Math.fma(x[xo + k + 2], cents[b + k + 2], l2);
        l3 = Math.fma(x[xo + k + 3], cents[b + k + 3], l3);
        l4 = Math.fma(x[xo + k + 4], cents[b + k + 4], l4);
        l5 = Math.fma(x[xo + k + 5], cents[b + k + 5], l5);
        l6 = Math.fma(x[xo + k + 6], cents[b + k + 6], l6);
        l7 = Math.fma(x[xo + k + 7], cents[b + k + 7], l7);
      }
      float s = ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
      for (int k = d8; k < dim; k++) {
        s = Math.fma(x[xo + k], cents[b + k], s);
      }
      out[at + c] = s;
    }
  }

  /** {@link Kernels#dotsF32x4}: each of the four rows on its own. */
  static void dotsF32x4(float[] xa, int x0, float[] xb, int x1, float[] xc, int x2, float[] xd, int x3,
      float[] cents, int count, int dim, float[] out) {
    dotsF32(xa, x0, cents, count, dim, out, 0);
    dotsF32(xb, x1, cents, count, dim, out, count);
    dotsF32(xc, x2, cents, count, dim, out, 2 * count);
    dotsF32(xd, x3, cents, count, dim, out, 3 * count);
  }
}
