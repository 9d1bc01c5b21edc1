package io.fmselect.demo;

import java.util.Set;

/**
 * The samples the subset was computed from: those the job had embedded and taken into its computation by the
 * last window end it published. The job puts every sample it accepts into the window its event time falls in
 * (every change with event time &le; T is in the subset at window end T) and every sample it does not accept
 * into its rejects topic, with the sample's id. So at window end T they are the samples sent with an event time
 * at or before T, less those rejected: counted exactly from what the demo sent, and the subset's fraction of
 * each class is a fraction of these, not of everything sent.
 *
 * @param windowEnd the last window end the subset was published at (ms); {@link Long#MIN_VALUE} before the first
 * @param rejected ids of the samples the job rejected
 */
public record Embedded(long windowEnd, Set<String> rejected) {
  /** Before the first window: nothing embedded yet. */
  public static final Embedded NONE = new Embedded(Long.MIN_VALUE, Set.of());

  public Embedded {
    rejected = Set.copyOf(rejected);
  }

  /** True if sample {@code id} of {@code data} is in the subset's computation. */
  public boolean contains(DemoData data, String id) {
    return data.sentBy(id, windowEnd) && !rejected.contains(id);
  }

  /** How many of the samples sent are in the subset's computation, and how many of those carry a flipped label. */
  public Count count(DemoData data) {
    long n = 0;
    long noisy = 0;
    for (String id : data.sentIds()) {
      if (contains(data, id)) {
        n++;
        noisy += data.noisy(id) ? 1 : 0;
      }
    }
    return new Count(n, noisy);
  }

  /**
   * Samples embedded, and of those the ones with an injected noisy label.
   *
   * @param samples samples in the subset's computation
   * @param noisy of those, with a flipped label
   */
  public record Count(long samples, long noisy) {}
}
