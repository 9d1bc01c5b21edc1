package io.fmselect.stream.window;

/**
 * A class's exact member sums at a window end, broadcast to every class (APL needs all centroids).
 * {@code sums} holds every configured FM's per-dimension sum (correctly rounded), concatenated. Or, with
 * {@link #publish} set (label, count and sums unused), a window end the job publishes in latest mode: every
 * class with changes up to it computes there (the stream package's {@code PublishClock}).
 */
public class CentroidUpdate {
  public long label;
  public long windowEnd;
  public long count;
  public double[] sums;
  public boolean publish;

  public CentroidUpdate() {}

  /** The announcement of a published window end. */
  public static CentroidUpdate publishAt(long windowEnd) {
    CentroidUpdate u = new CentroidUpdate();
    u.windowEnd = windowEnd;
    u.publish = true;
    return u;
  }
}
