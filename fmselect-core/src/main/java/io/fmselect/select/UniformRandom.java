package io.fmselect.select;

/**
 * Seeded uniform random sample per class.
 *
 * <p>Each member gets a draw u in [0, 1) from a 64-bit hash (SplitMix64's finalizer, Steele et al.,
 * OOPSLA 2014) of the seed and the member's stable key; the class keeps its round_half_even(n r)
 * smallest draws (ties by sample order). Since draws are independent and uniform, the kept set is a
 * uniform random subset; since a draw depends only on (seed, key), a member's fate does not change
 * when other members come and go, which keeps a stream's churn down. The figure is the draw.
 * O(n log n) per class.
 */
final class UniformRandom extends NamedMethod {
  private final long seed;

  public UniformRandom(long seed) {
    super("uniform", "draw", false);
    this.seed = seed;
  }




  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** The draw of the member with stable key {@code key}. */
  public double draw(long key) {
    long h = mix64(mix64(seed) + 0x9e3779b97f4a7c15L * (key + 1));
    return (h >>> 11) * 0x1p-53;
  }

  @Override
  public ClassSelection select(ClassMembers members, Centroids[] centroids, double fraction) {
    int n = members.size();
    double[] u = new double[n];
    for (int i = 0; i < n; i++) {
      u[i] = draw(members.key(i));
    }
    return ClassSelection.fromOrder(members.label(), Budget.of(n, fraction), 0, Order.ascending(u), u);
  }
}
