package io.fmselect.stream;

import io.fmselect.wire.SubsetView;

/**
 * The job's Kafka topic names in one place: the default names (the job's options, the CLI's flags and the
 * local pipeline of {@code demo} take them from here) and the rules that name a subset topic's companions.
 */
public final class Topics {
  private Topics() {}

  /** The default input topic: LabeledSample records. */
  public static final String SAMPLES = "samples";
  /** The default output topic: SubsetChange records. */
  public static final String SUBSET = "subset";
  /** The default rejects topic: Rejected records. */
  public static final String REJECTS = "rejects";
  /** The explain topic {@code demo} publishes to (the job has none by default). */
  public static final String EXPLAIN = "explain";
  /** What the default classes topic adds to the subset topic's name. */
  public static final String CLASSES_SUFFIX = "-classes";

  /** The topic of a subset topic's window ends: {@code <subset>-windows} (the rule is {@link SubsetView}'s). */
  public static String windows(String subsetTopic) {
    return SubsetView.windowsTopic(subsetTopic);
  }

  /** The default classes topic of a subset topic: {@code <subset>-classes}. */
  public static String classes(String subsetTopic) {
    return subsetTopic + CLASSES_SUFFIX;
  }
}
