package io.fmselect.select;

import java.util.Arrays;

/**
 * k-center greedy (Gonzalez 1985; Sener and Savarese, "Active Learning for Convolutional Neural
 * Networks: A Core-Set Approach", ICLR 2018), class-balanced, on one feature set.
 *
 * <p>First center: the member nearest the class centroid. Then, round_half_even(n r) - 1 times, the
 * unchosen member whose distance to its nearest chosen center is largest. Distances are reference
 * squared distances; every argmin / argmax breaks ties by sample order. The figure of a pick is its
 * distance at pick time (to the centroid for the first); an unpicked member's figure is its final
 * distance to the nearest center (NaN if the budget is 0). O(n b D) per class.
 */
final class KCenterGreedy extends NamedMethod {
  public KCenterGreedy() {
    super("kcenter", "distance", false);
  }



  @Override
  public ClassSelection select(ClassMembers members, Centroids[] centroids, double fraction) {
    int n = members.size();
    int budget = Budget.of(n, fraction);
    Embeddings x = members.features(0);
    double[] figure = new double[n];
    Arrays.fill(figure, Double.NaN);
    int[] picks = new int[budget];
    if (budget == 0) {
      return ClassSelection.fromPicks(members.label(), 0, n, picks, figure);
    }
    double[] toCentroid = Baselines.distancesToCentroid(members, centroids);
    int first = 0;
    for (int i = 1; i < n; i++) {
      if (toCentroid[i] < toCentroid[first]) {
        first = i;
      }
    }
    boolean[] chosen = new boolean[n];
    double[] minD2 = new double[n];
    picks[0] = first;
    chosen[first] = true;
    double pickFigure = Math.sqrt(toCentroid[first]);
    for (int i = 0; i < n; i++) {
      minD2[i] = Kernels.squaredDistance(x, i, x, first);
    }
    figure[first] = pickFigure;
    for (int t = 1; t < budget; t++) {
      int p = Baselines.argmaxUnchosen(minD2, chosen);
      picks[t] = p;
      chosen[p] = true;
      figure[p] = Math.sqrt(minD2[p]);
      for (int i = 0; i < n; i++) {
        if (!chosen[i]) {
          double d = Kernels.squaredDistance(x, i, x, p);
          if (d < minD2[i]) {
            minD2[i] = d;
          }
        }
      }
    }
    for (int i = 0; i < n; i++) {
      if (!chosen[i]) {
        figure[i] = Math.sqrt(minD2[i]);
      }
    }
    return ClassSelection.fromPicks(members.label(), budget, n, picks, figure);
  }
}
