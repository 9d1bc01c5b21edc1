package io.fmselect.core;

import io.fmselect.select.BatchSelector;
import io.fmselect.select.ClassSelection;
import java.util.Arrays;

/**
 * What a {@link Selector} kept, with the figures behind it, by row (the rows of its input, 0-based).
 *
 * <p>Per row: {@link #selected}, {@link #rank} (the row's position in the ordering its class selects
 * from: score order for RAM-APL, distance order for min / moderate-ds, pick order for the greedy
 * methods, -1 for a row never picked) and {@link #score} (the value that ordered it; NaN where the
 * method has none). RAM-APL also gives {@link #ram}, {@link #apl} and the per-feature-set
 * {@link #pseudoLabel}. Per class: its size and budget. Read-only.
 */
public final class Selection {
  private final String method;
  private final double fraction;
  private final BatchSelector.Result result;
  private final long[] labels;

  Selection(String method, double fraction, BatchSelector.Result result) {
    this.method = method;
    this.fraction = fraction;
    this.result = result;
    this.labels = result.classLabels();
  }

  /** The method's name, as {@link Selector#method(String)} takes it. */
  public String method() {
    return method;
  }

  public double fraction() {
    return fraction;
  }

  /** Rows of the input. */
  public int rows() {
    return result.rows();
  }

  /** The kept rows, ascending. */
  public int[] selectedRows() {
    return result.selectedRows();
  }

  public boolean selected(int row) {
    return result.selected(row);
  }

  /** The row's position in its class's ordering, -1 for a row a greedy method never picked. */
  public int rank(int row) {
    return result.rank(row);
  }

  /** The figure that ordered the row: RAM-APL's score, min's distance, a greedy method's gain. */
  public double score(int row) {
    return result.figure(row);
  }

  /** RAM-APL's RAM of the row (mean distance rank over the feature sets / class size). */
  public double ram(int row) {
    requireRamApl();
    return result.ram(row);
  }

  /** RAM-APL's APL of the row (the fraction of feature sets whose nearest centroid is another class). */
  public double apl(int row) {
    requireRamApl();
    return result.apl(row);
  }

  /** RAM-APL: the label of the class centroid nearest to the row in feature set {@code featureSet}. */
  public long pseudoLabel(int featureSet, int row) {
    requireRamApl();
    int[] at = locate(row);
    return result.classSelection(at[0]).pseudoLabel(featureSet, at[1]);
  }

  /** The distinct labels, ascending. */
  public long[] classes() {
    return labels.clone();
  }

  /** Members of the class with this label (0 for a label not in the input). */
  public int classSize(long label) {
    ClassSelection c = classOf(label);
    return c == null ? 0 : c.size();
  }

  /** Rows the class keeps: round_half_even(size * fraction) (0 for a label not in the input). */
  public int budget(long label) {
    ClassSelection c = classOf(label);
    return c == null ? 0 : c.budget();
  }

  private ClassSelection classOf(long label) {
    int c = Arrays.binarySearch(labels, label);
    return c < 0 ? null : result.classSelection(c);
  }

  /** {class index, member index} of a row. */
  private int[] locate(int row) {
    return result.locate(row);
  }

  private void requireRamApl() {
    if (!result.hasRamApl()) {
      throw new IllegalStateException(method + " gives no RAM, APL or pseudo-labels (ram-apl does)");
    }
  }
}
