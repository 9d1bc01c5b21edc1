package io.fmselect.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Synthetic labeled embeddings for demos, tests and benchmarks: each class has one random center
 * per feature set (standard normal per dimension), each row is its class's center plus Gaussian
 * noise, and a fraction of rows carries a wrong label (so APL has label noise to find). Row i draws
 * from its own seeded generator, so the data depends only on the parameters.
 */
public final class ExampleData {
  private ExampleData() {}

  /** The label of each row (classes 0..classes-1, possibly flipped). */
  public static long[] labels(int rows, int classes, double flip, long seed) {
    long[] out = new long[rows];
    for (int i = 0; i < rows; i++) {
      SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
      int truth = trueClass(i, classes, seed);
      out[i] = r.nextDouble() < flip ? (truth + 1 + r.nextInt(Math.max(1, classes - 1))) % classes : truth;
    }
    return out;
  }

  /** The class a row was drawn from (before any label flip). */
  static int trueClass(int row, int classes, long seed) {
    return new SplittableRandom(seed ^ (0x632BE59BD9B4E019L * (row + 1))).nextInt(classes);
  }

  /** Writes {@code labels.npy} and one {@code NAME.npy} per feature set into {@code dir}. */
  public static void write(Path dir, int rows, int classes, int[] dims, String[] names, double noise, double flip,
      long seed) throws IOException {
    NpyWriter.writeInt64(dir.resolve("labels.npy"), labels(rows, classes, flip, seed));
    for (int f = 0; f < dims.length; f++) {
      int dim = dims[f];
      float[][] centers = new float[classes][dim];
      SplittableRandom cr = new SplittableRandom(seed + 1000003L * (f + 1));
      for (float[] c : centers) {
        for (int j = 0; j < dim; j++) {
          c[j] = (float) cr.nextGaussian();
        }
      }
      long fseed = seed + 7919L * (f + 1);
      NpyWriter.writeFloat32(dir.resolve(names[f] + ".npy"), rows, dim, (i, out) -> {
        SplittableRandom r = new SplittableRandom(fseed * 0xBF58476D1CE4E5B9L + i);
        float[] c = centers[trueClass(i, classes, seed)];
        for (int j = 0; j < dim; j++) {
          out[j] = (float) (c[j] + noise * r.nextGaussian());
        }
      });
    }
  }
}
