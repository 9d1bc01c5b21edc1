package io.fmselect.select;

import java.util.Arrays;

/**
 * The centroids of every class that has members, for one feature set (one FM).
 *
 * <p>{@code mean_c = fl(fl(exact sum of members) / n_c)}: the exact per-dimension sum of the class's
 * embeddings, rounded once to double (see {@link ExactSum}), divided by the member count. It depends
 * on the member set only, so the batch selector and the stream (which keeps sums incrementally)
 * agree bit for bit.
 *
 * <p>Classes are held in ascending label order; index {@code c} in every array refers to
 * {@code labels[c]}. A float32 copy of the means feeds the SIMD fast path of {@link PseudoLabeler}.
 */
public final class Centroids {
  private final long[] labels;
  private final int[] sizes;
  private final Embeddings means;
  private final float[] packed;
  private final double[] squaredNorms;
  /** The last {@link PseudoLabeler#movements} from an earlier table: every class of a window asks for the same. */
  private volatile Moved moved;
  /** The float32 means in panel layout for {@link Kernels#dotsPanel4}, made on first use. */
  private volatile float[] panels;
  /** Per first element {@code k}: the norm of every mean's elements {@code [k, dim)}, made on first use. */
  private final java.util.concurrent.ConcurrentHashMap<Integer, double[]> restNorms = new java.util.concurrent.ConcurrentHashMap<>();

  /** Per class, how far its centroid moved since {@code since} (held weakly: no chain of old tables). */
  record Moved(java.lang.ref.WeakReference<Centroids> since, double[] distance) {}

  private Centroids(long[] labels, int[] sizes, Embeddings means) {
    this.labels = labels;
    this.sizes = sizes;
    this.means = means;
    int count = labels.length;
    int dim = means.dim();
    this.packed = new float[count * dim];
    this.squaredNorms = new double[count];
    for (int c = 0; c < count; c++) {
      double[] row = means.doubleBlock(c);
      int off = means.offset(c);
      for (int j = 0; j < dim; j++) {
        packed[c * dim + j] = (float) row[off + j];
      }
      squaredNorms[c] = Kernels.squaredNorm(means, c);
    }
  }

  /**
   * Centroids from exact per-class sums (each correctly rounded to double) and member counts.
   *
   * @param labels class labels, strictly ascending
   * @param sizes member counts, each at least 1
   * @param sums {@code sums[c]} = per-dimension exact sum of class {@code labels[c]}'s embeddings
   */
  public static Centroids fromSums(long[] labels, int[] sizes, double[][] sums) {
    if (labels.length != sizes.length || labels.length != sums.length) {
      throw new IllegalArgumentException("labels, sizes and sums differ in length");
    }
    for (int c = 1; c < labels.length; c++) {
      if (labels[c] <= labels[c - 1]) {
        throw new IllegalArgumentException("labels must be strictly ascending");
      }
    }
    int dim = sums.length == 0 ? 0 : sums[0].length;
    double[][] means = new double[sums.length][];
    for (int c = 0; c < sums.length; c++) {
      if (sizes[c] <= 0) {
        throw new IllegalArgumentException("class " + labels[c] + " has no members");
      }
      if (sums[c].length != dim) {
        throw new IllegalArgumentException("class " + labels[c] + " sum has dimension " + sums[c].length);
      }
      means[c] = new double[dim];
      for (int j = 0; j < dim; j++) {
        means[c][j] = sums[c][j] / sizes[c];
      }
    }
    Embeddings m = Embeddings.of(means);
    if (sums.length == 0) {
      m = Embeddings.allocateDouble(0, dim);
    }
    return new Centroids(labels.clone(), sizes.clone(), m);
  }

  /** Centroids of the given classes (ascending labels) for feature set {@code fm}. */
  public static Centroids of(ClassMembers[] classes, int fm) {
    long[] labels = new long[classes.length];
    int[] sizes = new int[classes.length];
    double[][] sums = new double[classes.length][];
    for (int c = 0; c < classes.length; c++) {
      labels[c] = classes[c].label();
      sizes[c] = classes[c].size();
      sums[c] = ExactSum.columnSums(classes[c].features(fm));
    }
    return fromSums(labels, sizes, sums);
  }

  public int count() {
    return labels.length;
  }

  public int dim() {
    return means.dim();
  }

  public long label(int c) {
    return labels[c];
  }

  public int size(int c) {
    return sizes[c];
  }

  /** Index of {@code label}, or a negative number if no class has it. */
  public int indexOf(long label) {
    return Arrays.binarySearch(labels, label);
  }

  /** The means as a float64 matrix, one row per class. */
  public Embeddings means() {
    return means;
  }

  /** Float32 copy of the means, row-major, for the SIMD fast path. */
  Moved moved() {
    return moved;
  }

  void moved(Moved m) {
    moved = m;
  }

  float[] packedFloat() {
    return packed;
  }

  /**
   * The float32 means in panels of {@link Kernels#PANEL} classes: class {@code c = b * PANEL + j},
   * element {@code k} at {@code (b * dim + k) * PANEL + j}; the last panel is padded with zero rows.
   * Made on first use (the same values whoever makes it). Only with the vector API.
   */
  float[] panels() {
    float[] p = panels;
    if (p == null) {
      int w = Kernels.PANEL;
      int count = count();
      int dim = dim();
      int blocks = (count + w - 1) / w;
      p = new float[blocks * dim * w];
      for (int c = 0; c < count; c++) {
        int b = c / w;
        int j = c % w;
        for (int k = 0; k < dim; k++) {
          p[(b * dim + k) * w + j] = packed[c * dim + k];
        }
      }
      panels = p;
    }
    return p;
  }

  /**
   * Per class, the Euclidean norm of the mean's elements {@code [from, dim)} (of the float64 mean,
   * computed in double: within a relative 1e-12 of the exact norm; callers add their margin).
   */
  double[] restNorms(int from) {
    return restNorms.computeIfAbsent(from, k -> {
      double[] out = new double[count()];
      for (int c = 0; c < out.length; c++) {
        double[] row = means.doubleBlock(c);
        int off = means.offset(c);
        double s = 0;
        for (int j = k; j < dim(); j++) {
          s = Math.fma(row[off + j], row[off + j], s);
        }
        out[c] = Math.sqrt(s);
      }
      return out;
    });
  }

  /** Reference squared norm of each mean. */
  double squaredNorm(int c) {
    return squaredNorms[c];
  }
}
