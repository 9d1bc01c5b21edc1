package io.fmselect.select;

/**
 * Graph-cut greedy (Iyer et al., "Submodular Combinatorial Information Measures", 2021; the
 * formulation of apricot / DeepCore), class-balanced, on one feature set.
 *
 * <p>Similarity s(i, j) = 0.5 + 0.5 cos(x_i, x_j). The greedy adds, round_half_even(n r) times, the
 * unchosen member x with the largest gain {@code lambda * sum_j s(j, x) - 2 * sum_{y chosen} s(y, x)},
 * ties by sample order. Sums run in member order (the first) and in pick order (the second). The
 * figure is the gain at pick time; for an unpicked member, its gain after the last pick.
 * O(n^2 D) per class (the column sums), O(n) memory: similarity rows are computed when needed.
 */
final class GraphCut extends NamedMethod {
  private final double lambda;

  public GraphCut() {
    this(1.0);
  }

  public GraphCut(double lambda) {
    super("graphcut", "gain", false);
    this.lambda = lambda;
  }




  @Override
  public ClassSelection select(ClassMembers members, Centroids[] centroids, double fraction) {
    int n = members.size();
    int budget = Budget.of(n, fraction);
    Embeddings x = members.features(0);
    double[] norms = Baselines.norms(x);
    double[] row = new double[n];
    double[] colSum = new double[n];
    for (int i = 0; i < n; i++) {
      Baselines.similarityRow(x, norms, i, row); // s(i, j) == s(j, i)
      double acc = 0;
      for (int j = 0; j < n; j++) {
        acc += row[j];
      }
      colSum[i] = acc;
    }
    double[] chosenSum = new double[n];
    double[] gain = new double[n];
    for (int i = 0; i < n; i++) {
      gain[i] = lambda * colSum[i] - 2 * chosenSum[i];
    }
    boolean[] chosen = new boolean[n];
    int[] picks = new int[budget];
    double[] figure = new double[n];
    for (int t = 0; t < budget; t++) {
      int p = Baselines.argmaxUnchosen(gain, chosen);
      picks[t] = p;
      chosen[p] = true;
      figure[p] = gain[p];
      Baselines.similarityRow(x, norms, p, row);
      for (int i = 0; i < n; i++) {
        chosenSum[i] += row[i];
        gain[i] = lambda * colSum[i] - 2 * chosenSum[i];
      }
    }
    for (int i = 0; i < n; i++) {
      if (!chosen[i]) {
        figure[i] = gain[i];
      }
    }
    return ClassSelection.fromPicks(members.label(), budget, n, picks, figure);
  }
}
