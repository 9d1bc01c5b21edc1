package io.fmselect.stream;

import io.fmselect.select.ExactAccumulator;

/**
 * What one per-sample subtask's changes of one window did to one class's exact sums: the embeddings that
 * joined minus those that left, and the member count's change, as {@link ExactAccumulator#compact()}
 * bytes. The class-sums stage merges the deltas of every subtask; none carries an embedding.
 */
public class ClassDelta {
  public long label;
  public long windowEnd;
  /** {@link ExactAccumulator#compact()} of the delta (count and digits; either may be negative). */
  public byte[] sums;

  public ClassDelta() {}

  static ClassDelta of(long label, long windowEnd, ExactAccumulator delta) {
    ClassDelta d = new ClassDelta();
    d.label = label;
    d.windowEnd = windowEnd;
    d.sums = delta.compact();
    return d;
  }

  /** Adds a change's effect on its class's sums to {@code delta}. */
  static void add(ExactAccumulator delta, MemberChange c) {
    switch (c.kind) {
      case MemberChange.ADD -> delta.addLittleEndian(c.values);
      case MemberChange.REPLACE -> {
        delta.removeLittleEndian(c.oldValues);
        delta.addLittleEndian(c.values);
      }
      default -> delta.removeLittleEndian(c.values);
    }
  }
}
