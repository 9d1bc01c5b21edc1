package io.fmselect.select;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * Facility-location greedy (Mirzasoleiman et al., "Coresets for Data-efficient Training of Machine
 * Learning Models", ICML 2020), class-balanced, on one feature set.
 *
 * <p>Similarity s(i, j) = 0.5 + 0.5 cos(x_i, x_j). The greedy adds, round_half_even(n r) times, the
 * unchosen member x with the largest gain {@code sum_j max(0, s(j, x) - best_j)} (sum in member
 * order; best_j = largest similarity of j to a chosen member, 0 before the first pick), ties by sample
 * order.
 *
 * <p>Lazy evaluation (Minoux 1978) without changing the answer: computed gains only fall as best_j
 * rises (each rounded step is monotone), so a stale gain is an upper bound; a member is picked only
 * when its gain, recomputed in the current round, still leads the queue ordered by (gain desc,
 * index asc). The figure is the gain at pick time; NaN for unpicked members.
 * O(n^2 D) for the first gains, O(n D) per re-evaluation; O(n) memory.
 */
final class FacilityLocation extends NamedMethod {
  public FacilityLocation() {
    super("facility-location", "gain", false);
  }



  private record Entry(double gain, int index, int round) {}

  private static double gain(double[] sims, double[] best) {
    double acc = 0;
    for (int j = 0; j < sims.length; j++) {
      acc += Math.max(0.0, sims[j] - best[j]);
    }
    return acc;
  }

  @Override
  public ClassSelection select(ClassMembers members, Centroids[] centroids, double fraction) {
    int n = members.size();
    int budget = Budget.of(n, fraction);
    Embeddings x = members.features(0);
    double[] norms = Baselines.norms(x);
    double[] best = new double[n];
    double[] row = new double[n];
    PriorityQueue<Entry> queue = new PriorityQueue<>(Math.max(1, n), (p, q) -> {
      int c = Double.compare(q.gain(), p.gain());
      return c != 0 ? c : Integer.compare(p.index(), q.index());
    });
    if (budget > 0) {
      for (int i = 0; i < n; i++) {
        Baselines.similarityRow(x, norms, i, row);
        queue.add(new Entry(gain(row, best), i, 0));
      }
    }
    double[] figure = new double[n];
    Arrays.fill(figure, Double.NaN);
    int[] picks = new int[budget];
    for (int t = 0; t < budget; t++) {
      while (true) {
        Entry top = queue.poll();
        if (top.round() == t) {
          int p = top.index();
          picks[t] = p;
          figure[p] = top.gain();
          Baselines.similarityRow(x, norms, p, row);
          for (int j = 0; j < n; j++) {
            best[j] = Math.max(best[j], row[j]);
          }
          break;
        }
        Baselines.similarityRow(x, norms, top.index(), row);
        queue.add(new Entry(gain(row, best), top.index(), t));
      }
    }
    return ClassSelection.fromPicks(members.label(), budget, n, picks, figure);
  }
}
