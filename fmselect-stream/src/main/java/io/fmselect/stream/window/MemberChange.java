package io.fmselect.stream.window;

/**
 * A change of one class's membership at one window end, as the per-sample stage derives it: at most
 * one per sample, class and window (the net effect of the sample's records in that window). It carries an
 * embedding only where one arrives (ADD, REPLACE): the class-side member store ({@code MemberStore}) keeps
 * the one stored copy and reads the old one back itself.
 */
public class MemberChange {
  /** The sample joins the class ({@link #otherLabel}: the class it came from, if it was relabeled). */
  public static final int ADD = 0;
  /** The sample was deleted: it leaves the class and the data set. */
  public static final int REMOVE = 1;
  /** The sample was relabeled: it leaves this class for {@link #otherLabel}, which reports it as an ADD. */
  public static final int MOVE_OUT = 2;
  /** The sample stays in the class with a new embedding or new metadata. */
  public static final int REPLACE = 3;
  /**
   * Not a change: a member as the member store holds it, sent to the class stage after a restore (whose
   * decoded tables were lost with the old process) before any change of the restored run.
   */
  public static final int PRESENT = 4;

  /** No other class. */
  public static final long NONE = Long.MIN_VALUE;

  public long label;
  public String id;
  /** The window end the change belongs to. */
  public long eventTime;
  public int kind;
  /** ADD, REPLACE, PRESENT: the embedding (every FM, little-endian float32); REMOVE, MOVE_OUT: null. */
  public byte[] values;
  /** ADD, REPLACE: the sample's metadata ({@link Metadata} bytes, null if none). */
  public byte[] metadata;
  /** MOVE_OUT: the class it moves to; ADD after a relabel: the class it came from; else {@link #NONE}. */
  public long otherLabel = NONE;

  public MemberChange() {}

  /** A change without metadata, from {@link #NONE} (the caller sets those it has). */
  public static MemberChange of(long label, String id, long eventTime, int kind, byte[] values) {
    MemberChange c = new MemberChange();
    c.label = label;
    c.id = id;
    c.eventTime = eventTime;
    c.kind = kind;
    c.values = values;
    return c;
  }
}
