package io.fmselect.select;

/**
 * "min": the round_half_even(n r) members closest to their class centroid, on one feature set.
 * Distance = reference squared distance (ties by sample order); the figure reported is the distance.
 * O(n D + n log n) per class.
 */
final class MinDistance extends NamedMethod {
  public MinDistance() {
    super("min", "distance", false);
  }



  @Override
  public ClassSelection select(ClassMembers members, Centroids[] centroids, double fraction) {
    int n = members.size();
    double[] d2 = Baselines.distancesToCentroid(members, centroids);
    int[] order = Order.ascending(d2);
    return ClassSelection.fromOrder(members.label(), Budget.of(n, fraction), 0, order, Baselines.sqrtAll(d2));
  }
}
