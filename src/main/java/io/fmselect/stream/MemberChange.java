package io.fmselect.stream;

/** A change of one class's membership, at one event time, as the per-sample stage derives it. */
public class MemberChange {
  /** The sample joins (or, if present, replaces its embedding in) the class. */
  public static final int ADD = 0;
  /** The sample was deleted: it leaves the class and the data set. */
  public static final int REMOVE = 1;
  /** The sample was relabeled: it leaves this class for another, which reports it. */
  public static final int MOVE_OUT = 2;

  public long label;
  public String id;
  public long eventTime;
  public int kind;
  /** The embedding added, or the one removed (so exact sums can subtract it). */
  public byte[] values;

  public MemberChange() {}

  static MemberChange of(long label, String id, long eventTime, int kind, byte[] values) {
    MemberChange c = new MemberChange();
    c.label = label;
    c.id = id;
    c.eventTime = eventTime;
    c.kind = kind;
    c.values = values;
    return c;
  }
}
