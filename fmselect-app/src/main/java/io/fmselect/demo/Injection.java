package io.fmselect.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the demo does to a clean data set before sending it, seeded so that it can be told apart later:
 * <ol>
 *   <li><b>Long tail</b> (imbalance K &ge; 1): with m the size of the smallest class of the source, class c
 *       (in label order, C classes) keeps round(m * K^(-c/(C-1))) of its items (at least 1, at most all),
 *       a seeded random choice; so class 0 is the largest, class C-1 the smallest, K times smaller,
 *       geometrically spaced in between. K = 1 keeps every item (no long tail, classes stay as they are).
 *   <li><b>Label noise</b> (rate R in [0, 1]): each kept item, with probability R, gets a label drawn
 *       uniformly from the C-1 other classes; its true label is remembered. Item i's draw depends only on
 *       (seed, i).
 *   <li><b>Order</b>: a seeded shuffle of the kept items; {@code limit} then keeps the first ones.
 * </ol>
 *
 * @param order source items to send, in sending order
 * @param labels the label each is sent with (parallel to {@code order})
 * @param kept items kept by the long tail, before the limit
 */
public record Injection(int[] order, long[] labels, int kept) {

  /** Plans the injection over items with the given true labels (0..classes-1). */
  public static Injection plan(int[] trueLabels, int classes, double noise, double imbalance, long seed, Integer limit) {
    if (!(noise >= 0 && noise <= 1)) {
      throw new IllegalArgumentException("label noise must be in [0, 1], not " + noise);
    }
    if (!(imbalance >= 1) || Double.isInfinite(imbalance)) {
      throw new IllegalArgumentException("imbalance must be a finite number >= 1 (largest class : smallest), not " + imbalance);
    }
    if (limit != null && limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, not " + limit);
    }
    if (noise > 0 && classes < 2) {
      throw new IllegalArgumentException("label noise needs at least 2 classes, the data has " + classes);
    }
    List<List<Integer>> byClass = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      byClass.add(new ArrayList<>());
    }
    for (int i = 0; i < trueLabels.length; i++) {
      byClass.get(trueLabels[i]).add(i);
    }
    int smallest = byClass.stream().mapToInt(List::size).filter(n -> n > 0).min().orElse(0);
    List<Integer> keep = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      List<Integer> items = byClass.get(c);
      int quota = quota(c, classes, smallest, imbalance);
      if (quota < items.size()) {
        shuffle(items, new SplittableRandom(mix(seed, 0x7A11L, c)));
        items = items.subList(0, quota);
      }
      keep.addAll(items);
    }
    keep.sort(null); // the shuffle below then depends on the seed only, not on class order
    shuffle(keep, new SplittableRandom(mix(seed, 0x5EEDL, 0)));
    int kept = keep.size();
    int n = limit == null ? kept : Math.min(limit, kept);
    int[] order = new int[n];
    long[] labels = new long[n];
    for (int k = 0; k < n; k++) {
      int i = keep.get(k);
      order[k] = i;
      labels[k] = noisyLabel(trueLabels[i], classes, noise, new SplittableRandom(mix(seed, 0x401CEL, i)));
    }
    return new Injection(order, labels, kept);
  }

  /** How many items class {@code c} keeps under the long tail (all of them when K = 1). */
  static int quota(int c, int classes, int smallest, double imbalance) {
    if (imbalance == 1 || classes < 2) {
      return Integer.MAX_VALUE;
    }
    return (int) Math.max(1, Math.round(smallest * Math.pow(imbalance, -(double) c / (classes - 1))));
  }

  private static long noisyLabel(int truth, int classes, double noise, SplittableRandom r) {
    if (noise == 0 || r.nextDouble() >= noise) {
      return truth;
    }
    int other = r.nextInt(classes - 1); // one of the other classes, uniformly
    return other >= truth ? other + 1 : other;
  }

  private static void shuffle(List<Integer> items, SplittableRandom r) {
    for (int k = items.size() - 1; k > 0; k--) {
      int j = r.nextInt(k + 1);
      Integer t = items.get(k);
      items.set(k, items.get(j));
      items.set(j, t);
    }
  }

  private static long mix(long seed, long stream, long i) {
    long z = seed * 0x9E3779B97F4A7C15L + stream * 0xBF58476D1CE4E5B9L + i * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Injection j && kept == j.kept && Arrays.equals(order, j.order) && Arrays.equals(labels, j.labels);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(order) + Arrays.hashCode(labels);
  }

  @Override
  public String toString() {
    return "Injection[" + order.length + " of " + kept + " kept]";
  }
}
