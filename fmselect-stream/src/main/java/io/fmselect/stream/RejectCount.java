package io.fmselect.stream;

/**
 * One reason's figures in {@link CountRejects}' checkpointed state ({@link RejectTally.Reason} with its reason):
 * written by {@link StreamTypes.RejectCountCodec}.
 */
public class RejectCount {
  public String reason;
  public long count;
  /** The first reject's id; null if it had none. */
  public String firstId;
  /** The first reject's detail; may be null. */
  public String detail;

  public RejectCount() {}

  static RejectCount of(String reason, RejectTally.Reason r) {
    RejectCount c = new RejectCount();
    c.reason = reason;
    c.count = r.count();
    c.firstId = r.firstId();
    c.detail = r.detail();
    return c;
  }

  RejectTally.Reason figures() {
    return new RejectTally.Reason(count, firstId, detail);
  }
}
