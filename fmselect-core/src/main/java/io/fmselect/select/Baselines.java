package io.fmselect.select;

/** Small helpers the single-feature-set baselines share. */
final class Baselines {
  private Baselines() {}

  /** Reference squared distance of every member to its own class centroid (feature set 0). */
  static double[] distancesToCentroid(ClassMembers members, Centroids[] centroids) {
    Embeddings x = members.features(0);
    Centroids cents = centroids[0];
    int own = cents.indexOf(members.label());
    if (own < 0) {
      throw new IllegalArgumentException("no centroid for class " + members.label());
    }
    double[] d2 = new double[members.size()];
    for (int i = 0; i < d2.length; i++) {
      d2[i] = Kernels.squaredDistance(x, i, cents.means(), own);
    }
    return d2;
  }

  static double[] sqrtAll(double[] squared) {
    double[] out = new double[squared.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.sqrt(squared[i]);
    }
    return out;
  }

  /** Reference norms of every row. */
  static double[] norms(Embeddings x) {
    double[] out = new double[x.rows()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.sqrt(Kernels.squaredNorm(x, i));
    }
    return out;
  }

  /**
   * Similarity s(i, j) = 0.5 + 0.5 cos(x_i, x_j) for one i and every j, written to {@code out}.
   * cos = dot / (||x_i|| ||x_j||), and 0 when either vector is zero. Symmetric bit for bit.
   */
  static void similarityRow(Embeddings x, double[] norms, int i, double[] out) {
    for (int j = 0; j < out.length; j++) {
      double den = norms[i] * norms[j];
      double cos = den == 0 ? 0.0 : Kernels.dot(x, i, x, j) / den;
      out[j] = 0.5 + 0.5 * cos;
    }
  }

  /** Index of the largest value among unchosen members, ties to the lower index; -1 if none. */
  static int argmaxUnchosen(double[] values, boolean[] chosen) {
    int best = -1;
    for (int i = 0; i < values.length; i++) {
      if (!chosen[i] && (best < 0 || values[i] > values[best])) {
        best = i;
      }
    }
    return best;
  }
}
