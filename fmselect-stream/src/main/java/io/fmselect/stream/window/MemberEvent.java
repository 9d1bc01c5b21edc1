package io.fmselect.stream.window;

/**
 * What one class says about one sample at one window end, for the publisher to merge into at most one
 * membership record per sample and window (a relabel involves two classes).
 */
public class MemberEvent {
  /** Selected now, not before, in this class. */
  public static final int JOINED = 0;
  /** Selected before, not now (or deleted, or its class emptied). */
  public static final int LEFT = 1;
  /** Selected here before, and relabeled into {@link #otherLabel} at this window end. */
  public static final int MOVED_OUT_SELECTED = 2;
  /** Relabeled into this class from {@link #otherLabel} at this window end, and not selected here. */
  public static final int MOVED_IN_UNSELECTED = 3;

  public String id;
  public long label;
  public long windowEnd;
  public int kind;
  public double score = Double.NaN;
  public double ram = Double.NaN;
  public double apl = Double.NaN;
  public int rank = -1;
  /** Per configured FM, the pseudo-label (RAM-APL); null if none. */
  public long[] pseudoLabels;
  public int classSize;
  public int budget;
  public byte[] metadata;
  /** MOVED_OUT_SELECTED: the new class; JOINED, MOVED_IN_UNSELECTED: the class it came from, or NONE. */
  public long otherLabel = MemberChange.NONE;

  public MemberEvent() {}
}
