package io.fmselect.select;

import java.util.SplittableRandom;

/** Small builders shared by the selection tests. */
final class Problems {
  private Problems() {}

  static Embeddings doubles(double[]... rows) {
    return Embeddings.of(rows);
  }

  static BatchSelector.Result run(String method, double fraction, long[] labels, Embeddings... feats) {
    return BatchSelector.select(labels, feats, Methods.create(method, Methods.Params.defaults()), fraction, 2);
  }

  static int[] selected(String method, double fraction, long[] labels, Embeddings... feats) {
    return run(method, fraction, labels, feats).selectedRows();
  }

  /** Gaussian blobs: {@code classes} centers, rows = center + noise, random labels. */
  static Embeddings blobs(int rows, int dim, long[] labels, double noise, long seed, boolean asFloat) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] centers = new double[64][dim];
    for (double[] c : centers) {
      for (int j = 0; j < dim; j++) {
        c[j] = r.nextGaussian();
      }
    }
    double[][] out = new double[rows][dim];
    for (int i = 0; i < rows; i++) {
      double[] c = centers[(int) Math.floorMod(labels[i], 64L)];
      for (int j = 0; j < dim; j++) {
        out[i][j] = c[j] + noise * r.nextGaussian();
      }
    }
    if (!asFloat) {
      return Embeddings.of(out);
    }
    float[][] f = new float[rows][dim];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < dim; j++) {
        f[i][j] = (float) out[i][j];
      }
    }
    return Embeddings.ofFloats(f);
  }

  static long[] randomLabels(int rows, int classes, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    long[] l = new long[rows];
    for (int i = 0; i < rows; i++) {
      l[i] = r.nextInt(classes);
    }
    return l;
  }
}
