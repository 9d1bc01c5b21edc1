package io.fmselect.select;

import io.fmselect.select.Finite;

/**
 * A small main for {@code io.fmselect.cli.VectorFallbackTest}: runs every kernel that has a vector form
 * (reference distances in bulk, float32 dot products, exact column sums, finite checks) on fixed data and
 * prints the results as exact hexadecimal doubles, one per line. Pseudo-labels are printed as indexes, and
 * the float32 dot products only as whether each lies within its error bound (their last bits may differ
 * between the forms by design).
 */
public final class FallbackProbe {
  private FallbackProbe() {}

  public static void main(String[] args) {
    StringBuilder out = new StringBuilder();
    for (int dim : new int[] {3, 8, 13, 64, 100}) {
      Embeddings x = KernelsTest.random(23, dim, dim, true);
      Embeddings d = KernelsTest.random(9, dim, dim + 1, false);
      double[] sums = ExactSum.columnSums(x);
      double[] dsums = ExactSum.columnSums(d);
      for (int j = 0; j < dim; j++) {
        out.append(Double.toHexString(sums[j])).append(' ').append(Double.toHexString(dsums[j])).append('\n');
      }
      double[] dist = new double[x.rows()];
      Kernels.squaredDistances(x, d, 2, dist);
      for (double v : dist) {
        out.append(Double.toHexString(v)).append('\n');
      }
      float[] packed = new float[d.rows() * dim];
      for (int c = 0; c < d.rows(); c++) {
        for (int j = 0; j < dim; j++) {
          packed[c * dim + j] = (float) d.get(c, j);
        }
      }
      float[] dots = new float[4 * d.rows()];
      Kernels.dotsF32x4(x.floatBlock(0), x.offset(0), x.floatBlock(1), x.offset(1), x.floatBlock(2), x.offset(2),
          x.floatBlock(3), x.offset(3), packed, d.rows(), dim, dots);
      double g = Kernels.f32DotErrorFactor(dim);
      for (int r = 0; r < 4; r++) {
        for (int c = 0; c < d.rows(); c++) {
          double exact = 0;
          double abs = 0;
          for (int j = 0; j < dim; j++) {
            double p = (double) x.get(r, j) * packed[c * dim + j];
            exact += p;
            abs += Math.abs(p);
          }
          // a generous check in double: the bound, plus the double sum's own error
          out.append(Math.abs(dots[r * d.rows() + c] - exact) <= g * abs + 1e-9 * abs ? "ok" : "out of bound").append('\n');
        }
      }
      long[] names = new long[d.rows()];
      int[] sizes = new int[d.rows()];
      double[][] rows = new double[d.rows()][dim];
      for (int c = 0; c < d.rows(); c++) {
        names[c] = c;
        sizes[c] = 1;
        for (int j = 0; j < dim; j++) {
          rows[c][j] = d.get(c, j);
        }
      }
      int[] labels = PseudoLabeler.nearest(x, Centroids.fromSums(names, sizes, rows), null);
      out.append(java.util.Arrays.toString(labels)).append('\n');
      out.append(Finite.allFinite(x.floatBlock(0), x.offset(0), dim)).append(' ')
          .append(Finite.allFinite(new double[] {1, 2, Double.NaN, 4, 5, 6, 7, 8, 9}, 0, 9)).append('\n');
    }
    System.out.print(out);
  }
}
