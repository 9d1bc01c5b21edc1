package io.fmselect.select;

import java.util.Arrays;

/**
 * The outcome of one class: which members are kept, and the figures behind it.
 *
 * <p>For every member (in sample order): {@code selected}, {@code rank} (position in the ordering
 * the rule selects from: score order for RAM-APL, distance order for min / moderate-ds, pick order
 * for the greedy rules, -1 for a member never picked), and {@code figure} (the value that ordered
 * it; NaN where the rule produced none). RAM-APL also fills RAM, APL and the per-FM pseudo-labels.
 */
public final class ClassSelection {
  private final long label;
  private final int budget;
  private final boolean[] selected;
  private final int[] rank;
  private final double[] figure;
  private final double[] ram;
  private final double[] apl;
  private final long[][] pseudoLabels;

  ClassSelection(long label, int budget, boolean[] selected, int[] rank, double[] figure,
      double[] ram, double[] apl, long[][] pseudoLabels) {
    this.label = label;
    this.budget = budget;
    this.selected = selected;
    this.rank = rank;
    this.figure = figure;
    this.ram = ram;
    this.apl = apl;
    this.pseudoLabels = pseudoLabels;
  }

  /** A selection from an ordering: the members at positions [from, from + budget) are kept. */
  static ClassSelection fromOrder(long label, int budget, int from, int[] order, double[] figure) {
    int n = order.length;
    boolean[] sel = new boolean[n];
    int[] rank = Order.ranks(order);
    for (int pos = from; pos < from + budget && pos < n; pos++) {
      sel[order[pos]] = true;
    }
    return new ClassSelection(label, budget, sel, rank, figure, null, null, null);
  }

  /** A selection from greedy picks: {@code picks[t]} is the member chosen at step t. */
  static ClassSelection fromPicks(long label, int budget, int n, int[] picks, double[] figure) {
    boolean[] sel = new boolean[n];
    int[] rank = new int[n];
    Arrays.fill(rank, -1);
    for (int t = 0; t < picks.length; t++) {
      sel[picks[t]] = true;
      rank[picks[t]] = t;
    }
    return new ClassSelection(label, budget, sel, rank, figure, null, null, null);
  }

  public long label() {
    return label;
  }

  public int size() {
    return selected.length;
  }

  public int budget() {
    return budget;
  }

  public boolean selected(int i) {
    return selected[i];
  }

  public int rank(int i) {
    return rank[i];
  }

  public double figure(int i) {
    return figure[i];
  }

  /** True for RAM-APL results, which carry RAM, APL and pseudo-labels. */
  public boolean hasRamApl() {
    return ram != null;
  }

  public double ram(int i) {
    return ram[i];
  }

  public double apl(int i) {
    return apl[i];
  }

  /** Pseudo-label of member i under feature set fm (RAM-APL only). */
  public long pseudoLabel(int fm, int i) {
    return pseudoLabels[fm][i];
  }

  public int selectedCount() {
    int k = 0;
    for (boolean s : selected) {
      if (s) {
        k++;
      }
    }
    return k;
  }
}
