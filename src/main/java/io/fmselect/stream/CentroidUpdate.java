package io.fmselect.stream;

/**
 * A class's exact member sums at a window end, broadcast to every class (APL needs all centroids).
 * {@code sums} holds every configured FM's per-dimension sum (correctly rounded), concatenated.
 */
public class CentroidUpdate {
  public long label;
  public long windowEnd;
  public long count;
  public double[] sums;

  public CentroidUpdate() {}
}
