package io.fmselect.stream;

import io.fmselect.avro.Rejected;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.flink.api.common.accumulators.Accumulator;

/**
 * The job's rejects per reason: how many, and the id and detail of the first. {@link CountRejects} keeps one
 * (in its checkpointed state, so the figures survive a restore exactly) and registers it as the Flink
 * accumulator {@value #NAME}: {@code run} reads it from the JobExecutionResult of a bounded run and prints
 * one line per reason.
 *
 * <p>The map is a concurrent one holding immutable entries: Flink serializes accumulators from another
 * thread (heartbeats) while the task adds to them.
 */
public final class RejectTally implements Accumulator<Rejected, TreeMap<String, RejectTally.Reason>> {
  /** A count as the reject lines write it: with thousands separators ("5,000"). */
  public static String number(long n) {
    return String.format(java.util.Locale.ROOT, "%,d", n);
  }

  private static final long serialVersionUID = 1L;

  /** The accumulator's name in the job's results. */
  public static final String NAME = "fmselect.rejects";

  /** One reason's figures: its count, and the first reject's id (null if it had none) and detail. */
  public record Reason(long count, String firstId, String detail) implements Serializable {}

  private final ConcurrentSkipListMap<String, Reason> reasons = new ConcurrentSkipListMap<>();

  /** Counts one reject; true if it is the first of its reason. */
  public boolean count(Rejected r) {
    Reason before = reasons.get(r.getReason());
    reasons.put(r.getReason(), before == null ? new Reason(1, r.getId(), r.getDetail())
        : new Reason(before.count() + 1, before.firstId(), before.detail()));
    return before == null;
  }

  /** Sets one reason's figures (a restore). */
  void put(String reason, Reason figures) {
    reasons.put(reason, figures);
  }

  /** The count of one reason so far (0 if none). */
  long count(String reason) {
    Reason r = reasons.get(reason);
    return r == null ? 0 : r.count();
  }

  @Override
  public void add(Rejected r) {
    count(r);
  }

  @Override
  public TreeMap<String, Reason> getLocalValue() {
    return new TreeMap<>(reasons);
  }

  @Override
  public void resetLocal() {
    reasons.clear();
  }

  /** Adds the counts of another tally; each reason keeps this tally's first reject if it has one. */
  @Override
  public void merge(Accumulator<Rejected, TreeMap<String, Reason>> other) {
    for (Map.Entry<String, Reason> e : other.getLocalValue().entrySet()) {
      Reason mine = reasons.get(e.getKey());
      Reason theirs = e.getValue();
      reasons.put(e.getKey(), mine == null ? theirs
          : new Reason(mine.count() + theirs.count(), mine.firstId(), mine.detail()));
    }
  }

  @Override
  public RejectTally clone() {
    RejectTally t = new RejectTally();
    t.reasons.putAll(reasons);
    return t;
  }

  /** The sum of every reason's count. */
  public static long total(Map<String, Reason> reasons) {
    return reasons.values().stream().mapToLong(Reason::count).sum();
  }
}
