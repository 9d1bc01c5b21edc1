package io.fmselect.select;

import java.util.Arrays;

/**
 * Moderate-DS (Xia et al., "Moderate Coreset", ICLR 2023), class-balanced, on one feature set.
 *
 * <p>Distance of each member to the per-dimension median of its class (median of an even count =
 * (a + b) / 2 of the two middle values, in double); budget = floor(n r); members sorted by distance
 * (ties by sample order) and positions [L, L + budget) kept, L = round_half_even(0.5 (n - budget)).
 * O(D n log n) per class for the medians.
 */
final class ModerateDs extends NamedMethod {
  public ModerateDs() {
    super("moderate-ds", "distance", false);
  }



  /** Per-dimension median of the rows of {@code x}. */
  static double[] median(Embeddings x) {
    int n = x.rows();
    int dim = x.dim();
    double[] med = new double[dim];
    double[] col = new double[n];
    for (int j = 0; j < dim; j++) {
      for (int i = 0; i < n; i++) {
        col[i] = x.get(i, j);
      }
      Arrays.sort(col);
      med[j] = (n & 1) == 1 ? col[n / 2] : (col[n / 2 - 1] + col[n / 2]) / 2;
    }
    return med;
  }

  @Override
  public ClassSelection select(ClassMembers members, Centroids[] centroids, double fraction) {
    int n = members.size();
    Embeddings x = members.features(0);
    Embeddings med = Embeddings.of(new double[][] {median(x)});
    double[] d2 = new double[n];
    for (int i = 0; i < n; i++) {
      d2[i] = Kernels.squaredDistance(x, i, med, 0);
    }
    int budget = Budget.floor(n, fraction);
    int from = (int) Math.rint(0.5 * (n - budget));
    int[] order = Order.ascending(d2);
    return ClassSelection.fromOrder(members.label(), budget, from, order, Baselines.sqrtAll(d2));
  }
}
