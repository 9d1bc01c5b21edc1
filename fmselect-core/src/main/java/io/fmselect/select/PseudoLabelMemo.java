package io.fmselect.select;

import java.util.Arrays;

/**
 * One feature set's pseudo-labels of a set of rows, kept so that the next computation, against
 * centroids that have moved, can skip every row whose answer provably stays the same.
 *
 * <p>Per row: the pseudo-label (a class label), an upper bound on the true Euclidean distance to that
 * class's centroid and a lower bound on the true distance to every other centroid, all relative to
 * {@link #centroids()}. When every centroid c moves by at most delta_c, the bounds become
 * {@code upper + delta_label} and {@code lower - max_{c != label} delta_c} (triangle inequality; the
 * bounds of Hamerly's k-means, "Making k-means even faster", SDM 2010); while the first stays clearly
 * below the second the row's nearest centroid cannot have changed, and the reference arithmetic
 * (which differs from the true distances by far less than the margin kept) agrees. A row with no memo
 * ({@link #NONE}) is always computed.
 */
final class PseudoLabelMemo {
  /** The label of a row that has no memo. */
  public static final long NONE = Long.MIN_VALUE;

  private final Centroids centroids;
  final long[] labels;
  final double[] upper;
  final double[] lower;

  PseudoLabelMemo(Centroids centroids, long[] labels, double[] upper, double[] lower) {
    this.centroids = centroids;
    this.labels = labels;
    this.upper = upper;
    this.lower = lower;
  }

  /** The centroids the bounds refer to. */
  public Centroids centroids() {
    return centroids;
  }

  public int rows() {
    return labels.length;
  }

  /** The memo of rows {@code from[i]} of this one, in that order; {@code -1} gives a row without memo. */
  public PseudoLabelMemo rows(int[] from) {
    long[] l = new long[from.length];
    double[] u = new double[from.length];
    double[] lo = new double[from.length];
    Arrays.fill(l, NONE);
    for (int i = 0; i < from.length; i++) {
      if (from[i] >= 0) {
        l[i] = labels[from[i]];
        u[i] = upper[from[i]];
        lo[i] = lower[from[i]];
      }
    }
    return new PseudoLabelMemo(centroids, l, u, lo);
  }
}
