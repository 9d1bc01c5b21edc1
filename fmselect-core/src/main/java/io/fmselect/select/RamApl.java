package io.fmselect.select;

/**
 * RAM-APL (Wan et al., "Foundation Model Insights and a Multi-Model Approach for Superior
 * Fine-Grained One-shot Subset Selection", ICML 2025), exactly as docs/design.md §1 states it.
 *
 * <p>For class c with n members and M feature sets:
 * <ul>
 *   <li>RAM(x) = (sum_m rank_m(x) / M) / n, rank_m = position of x when the class is sorted by
 *       reference squared distance to its own centroid under FM m (0 = closest, ties by sample order);
 *   <li>APL(x) = (number of FMs whose nearest centroid, over all classes, is not x's class) / M,
 *       nearest-centroid ties to the smaller label;
 *   <li>W1 = a + (1 - a) / (1 + exp(k (r - s))) (StrictMath.exp, so every JVM agrees), W2 = 1 - W1;
 *   <li>score = W1 * RAM + W2 * APL; the class keeps its round_half_even(n r) lowest scores, ties by
 *       sample order.
 * </ul>
 *
 * <p>Complexity per class: O(n C D M) float32 multiply-adds for the pseudo-labels (see
 * {@link PseudoLabeler}) plus O(n D M + n log n M) double work.
 */
public final class RamApl extends NamedMethod {
  public static final double DEFAULT_A = 0.2;
  public static final double DEFAULT_K = 1.0;
  public static final double DEFAULT_S = 0.5;

  private final double a;
  private final double k;
  private final double s;
  private final PseudoLabeler.Stats stats;
  private final boolean keptFiguresOnly;

  public RamApl() {
    this(DEFAULT_A, DEFAULT_K, DEFAULT_S, null);
  }

  /**
   * @param stats optional counters of the pseudo-labeler's fast path (may be null)
   */
  public RamApl(double a, double k, double s, PseudoLabeler.Stats stats) {
    this(a, k, s, stats, false);
  }

  private RamApl(double a, double k, double s, PseudoLabeler.Stats stats, boolean keptFiguresOnly) {
    super("ram-apl", "score", true);
    if (!Double.isFinite(a) || !Double.isFinite(k) || !Double.isFinite(s)) {
      throw new IllegalArgumentException("a, k and s must be finite");
    }
    this.a = a;
    this.k = k;
    this.s = s;
    this.stats = stats;
    this.keptFiguresOnly = keptFiguresOnly;
  }

  /**
   * The same selection, with figures for the kept members only: APL (the pseudo-labels, nearly all of the
   * work) is computed only for members that could still be kept. A member's score is at least its score with
   * APL 0, {@code W1 * RAM} (when W2 >= 0); members are taken in the order of that bound, in growing batches,
   * and once the next one's bound (with its sample order) lies above the budget-th exact score among those
   * computed, no member left can be kept. The selection and the kept members' figures are the full
   * computation's; the others' score, APL and pseudo-labels are NaN / -1 and their rank -1. For {@code select}
   * without {@code --scores}.
   */
  public RamApl keptFiguresOnly() {
    return new RamApl(a, k, s, stats, true);
  }

  /** The RAM weight W1 for fraction r. */
  public double w1(double fraction) {
    return a + (1 - a) / (1 + StrictMath.exp(k * (fraction - s)));
  }

  @Override
  public ClassSelection select(ClassMembers members, Centroids[] centroids, double fraction) {
    if (keptFiguresOnly && 1 - w1(fraction) >= 0) {
      return selectKept(members, centroids, fraction);
    }
    return select(members, centroids, fraction, null, null, null, false).selection();
  }

  /** {@link #keptFiguresOnly()}'s selection: APL only for the members that may be kept. */
  private ClassSelection selectKept(ClassMembers members, Centroids[] centroids, double fraction) {
    int n = members.size();
    int m = checkFeatureSets(members, centroids);
    long[] rankSum = new long[n];
    int[] own = new int[m];
    double[][] ownDistance = new double[m][n];
    for (int f = 0; f < m; f++) {
      own[f] = ownIndex(members, centroids[f], f);
      Kernels.squaredDistances(members.features(f), centroids[f].means(), own[f], ownDistance[f]);
      int[] order = Order.ascending(ownDistance[f]);
      for (int pos = 0; pos < n; pos++) {
        rankSum[order[pos]] += pos;
      }
    }
    double w1 = w1(fraction);
    double w2 = 1 - w1;
    double[] ram = new double[n];
    double[] bound = new double[n]; // the score with APL 0, computed as the score is: a lower bound when W2 >= 0
    for (int i = 0; i < n; i++) {
      ram[i] = ((double) rankSum[i] / m) / n;
      bound[i] = w1 * ram[i] + w2 * ((double) 0 / m);
    }
    int budget = Budget.of(n, fraction);
    double[] apl = new double[n];
    double[] score = new double[n];
    long[][] pseudo = new long[m][n];
    java.util.Arrays.fill(apl, Double.NaN);
    java.util.Arrays.fill(score, Double.NaN);
    for (long[] p : pseudo) {
      java.util.Arrays.fill(p, -1);
    }
    int[] byBound = Order.ascending(bound);
    int done = 0;
    int[] kept = new int[0];
    int batch = budget + budget / 4 + 64;
    while (budget > 0) {
      int end = Math.min(n, done + batch);
      int[] rows = java.util.Arrays.copyOfRange(byBound, done, end);
      int[] disagree = new int[rows.length];
      for (int f = 0; f < m; f++) {
        double[] d2 = new double[rows.length];
        for (int r = 0; r < rows.length; r++) {
          d2[r] = ownDistance[f][rows[r]];
        }
        int[] nearest = PseudoLabeler.nearest(members.features(f).rows(rows), centroids[f], stats, own[f], d2);
        for (int r = 0; r < rows.length; r++) {
          pseudo[f][rows[r]] = centroids[f].label(nearest[r]);
          if (nearest[r] != own[f]) {
            disagree[r]++;
          }
        }
      }
      for (int r = 0; r < rows.length; r++) {
        int i = rows[r];
        apl[i] = (double) disagree[r] / m;
        score[i] = w1 * ram[i] + w2 * apl[i];
      }
      done = end;
      if (done >= budget) {
        // the budget best of those computed, by (score, sample order), as the full computation orders them
        int[] computed = java.util.Arrays.copyOf(byBound, done);
        java.util.Arrays.sort(computed);
        double[] keys = new double[done];
        for (int r = 0; r < done; r++) {
          keys[r] = score[computed[r]];
        }
        int[] order = Order.ascending(keys);
        kept = new int[budget];
        for (int pos = 0; pos < budget; pos++) {
          kept[pos] = computed[order[pos]];
        }
        if (done == n) {
          break;
        }
        int last = kept[budget - 1];
        int next = byBound[done];
        // every member left scores at least its bound, and comes after `next` in (bound, sample order)
        if (bound[next] > score[last] || (bound[next] == score[last] && next > last)) {
          break;
        }
      }
      batch *= 2;
    }
    boolean[] sel = new boolean[n];
    int[] rank = new int[n];
    java.util.Arrays.fill(rank, -1);
    for (int pos = 0; pos < kept.length; pos++) {
      sel[kept[pos]] = true;
      rank[kept[pos]] = pos;
    }
    return new ClassSelection(members.label(), budget, sel, rank, score, ram, apl, pseudo);
  }

  /**
   * Keeps each member's pseudo-label bounds between windows ({@link PseudoLabelMemo}): a member whose
   * bounds still settle its nearest centroid after the centroids moved is not computed again.
   */
  @Override
  public IncrementalSelection incremental() {
    return new IncrementalSelection() {
      private PseudoLabelMemo[] memos;
      /** The last computation's distance order per FM and, last, its score order: the next one's sort hints. */
      private int[][] orders;

      @Override
      public ClassSelection select(ClassMembers members, Centroids[] centroids, double fraction, int[] from) {
        PseudoLabelMemo[] before = null;
        if (memos != null && from != null) {
          before = new PseudoLabelMemo[memos.length];
          for (int f = 0; f < memos.length; f++) {
            before[f] = memos[f].rows(from);
          }
        }
        Incremental r = RamApl.this.select(members, centroids, fraction, before, from == null ? null : orders, from);
        memos = r.memos();
        orders = r.orders();
        return r.selection();
      }
    };
  }

  /**
   * A class's selection and, per feature set, the pseudo-label memo for its next computation (and the
   * orders it sorted: per feature set by distance, then by score).
   */
  public record Incremental(ClassSelection selection, PseudoLabelMemo[] memos, int[][] orders) {}

  /**
   * As {@link #select(ClassMembers, Centroids[], double)}, reusing the pseudo-labels of an earlier
   * computation where their bounds still settle them ({@code before}: one memo per feature set, rows
   * aligned with {@code members}; may be null). The selection is the same either way.
   */
  public Incremental select(ClassMembers members, Centroids[] centroids, double fraction, PseudoLabelMemo[] before) {
    return select(members, centroids, fraction, before, null, null, true);
  }

  private Incremental select(ClassMembers members, Centroids[] centroids, double fraction, PseudoLabelMemo[] before,
      int[][] hints, int[] from) {
    return select(members, centroids, fraction, before, hints, from, true);
  }

  /**
   * {@code keepMemos} false: no memo is built (the plain selection, which nothing computes again);
   * {@code hints} (may be null): the previous computation's orders, with {@code from} mapping the rows,
   * which make the sorts cheap when little moved (the result does not depend on them).
   */
  private Incremental select(ClassMembers members, Centroids[] centroids, double fraction, PseudoLabelMemo[] before,
      int[][] hints, int[] from, boolean keepMemos) {
    int n = members.size();
    int m = checkFeatureSets(members, centroids);
    long[] rankSum = new long[n];
    int[] disagree = new int[n];
    long[][] pseudo = new long[m][n];
    double[] d2 = new double[n];
    PseudoLabelMemo[] memos = new PseudoLabelMemo[m];
    int[][] orders = new int[m + 1][];
    for (int f = 0; f < m; f++) {
      Embeddings x = members.features(f);
      Centroids cents = centroids[f];
      int own = ownIndex(members, cents, f);
      Kernels.squaredDistances(x, cents.means(), own, d2);
      int[] order = hints == null ? Order.ascending(d2) : Order.ascending(d2, hints[f], from);
      orders[f] = order;
      for (int pos = 0; pos < n; pos++) {
        rankSum[order[pos]] += pos;
      }
      int[] nearest;
      if (keepMemos) {
        PseudoLabeler.Labeled labeled = PseudoLabeler.nearest(x, cents, before == null ? null : before[f], stats);
        nearest = labeled.nearest();
        memos[f] = labeled.memo();
      } else {
        // d2 holds each member's reference distance to its own centroid: the pseudo-labeler's first bar
        nearest = PseudoLabeler.nearest(x, cents, stats, own, d2);
      }
      for (int i = 0; i < n; i++) {
        pseudo[f][i] = cents.label(nearest[i]);
        if (nearest[i] != own) {
          disagree[i]++;
        }
      }
    }
    double w1 = w1(fraction);
    double w2 = 1 - w1;
    double[] ram = new double[n];
    double[] apl = new double[n];
    double[] score = new double[n];
    for (int i = 0; i < n; i++) {
      ram[i] = ((double) rankSum[i] / m) / n;
      apl[i] = (double) disagree[i] / m;
      score[i] = w1 * ram[i] + w2 * apl[i];
    }
    int budget = Budget.of(n, fraction);
    int[] order = hints == null ? Order.ascending(score) : Order.ascending(score, hints[m], from);
    orders[m] = order;
    boolean[] sel = new boolean[n];
    for (int pos = 0; pos < budget; pos++) {
      sel[order[pos]] = true;
    }
    return new Incremental(new ClassSelection(members.label(), budget, sel, Order.ranks(order), score, ram, apl, pseudo), memos,
        orders);
  }

  /** The number of feature sets, checked: one centroid table per feature set of the members. */
  private static int checkFeatureSets(ClassMembers members, Centroids[] centroids) {
    int m = centroids.length;
    if (m == 0 || members.featureSets() != m) {
      throw new IllegalArgumentException("need one centroid table per feature set (" + members.featureSets() + "), got " + m);
    }
    return m;
  }

  /** The members' own class's index in {@code cents} (feature set {@code f}). */
  private static int ownIndex(ClassMembers members, Centroids cents, int f) {
    int own = cents.indexOf(members.label());
    if (own < 0) {
      throw new IllegalArgumentException("no centroid for class " + members.label() + " in feature set " + f);
    }
    return own;
  }
}
