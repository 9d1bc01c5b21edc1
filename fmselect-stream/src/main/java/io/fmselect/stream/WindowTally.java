package io.fmselect.stream;

/**
 * One window end's record counts in {@link WindowMarks}' checkpointed state: a window whose records the subset
 * topic has had but whose mark is not yet out, or (window end {@link #SUBSET_SIZE}) the running subset size in
 * {@link #events}. Written by {@link StreamTypes.WindowTallyCodec}.
 */
public class WindowTally {
  /** The window end of the row that holds the subset size instead of a window's counts. */
  public static final long SUBSET_SIZE = Long.MIN_VALUE;

  public long windowEnd;
  public long events;
  public long joined;
  public long left;
  public long relabeled;

  public WindowTally() {}

  static WindowTally of(long windowEnd, long events, long joined, long left, long relabeled) {
    WindowTally t = new WindowTally();
    t.windowEnd = windowEnd;
    t.events = events;
    t.joined = joined;
    t.left = left;
    t.relabeled = relabeled;
    return t;
  }
}
