package io.fmselect.stream;

import io.fmselect.avro.Rejected;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Passes usable samples on; sends the rest to the rejects side output with a reason: what the
 * deserializer found, and events at or behind the watermark ("late": their window is already
 * published). Counts rejects per reason (metric group {@code rejects}).
 */
public final class ValidateSamples extends ProcessFunction<SampleEvent, SampleEvent> {
  private static final long serialVersionUID = 1L;
  public static final OutputTag<Rejected> REJECTS = new OutputTag<>("rejects") {};

  /** Injected failures so far in this JVM (chaos testing; a MiniCluster runs its tasks in-process). */
  public static final java.util.concurrent.atomic.AtomicLong INJECTED_FAILURES = new java.util.concurrent.atomic.AtomicLong();

  private final long failAfterRecords;
  private transient Map<String, Counter> counters;
  private transient long seen;

  public ValidateSamples() {
    this(0);
  }

  /** @param failAfterRecords chaos testing: fail once, in the first attempt, after this many records (0 = never) */
  public ValidateSamples(long failAfterRecords) {
    this.failAfterRecords = failAfterRecords;
  }

  @Override
  public void open(OpenContext openContext) {
    counters = new HashMap<>();
    for (String r : Reasons.ALL) {
      counters.put(r, getRuntimeContext().getMetricGroup().addGroup("rejects").counter(r));
    }
  }

  @Override
  public void processElement(SampleEvent e, Context ctx, Collector<SampleEvent> out) {
    if (failAfterRecords > 0 && ++seen == failAfterRecords && getRuntimeContext().getTaskInfo().getAttemptNumber() == 0) {
      INJECTED_FAILURES.incrementAndGet();
      throw new IllegalStateException("injected failure after " + seen + " records (" + StreamOptions.FAIL_AFTER_RECORDS.key() + ")");
    }
    if (e.reason == null && e.eventTime <= ctx.timerService().currentWatermark()) {
      e.reason = Reasons.LATE;
      e.detail = "event time " + e.eventTime + " is at or behind the watermark " + ctx.timerService().currentWatermark();
    }
    if (e.reason != null) {
      counters.get(e.reason).inc();
      ctx.output(REJECTS, reject(e));
      return;
    }
    out.collect(e);
  }

  static Rejected reject(SampleEvent e) {
    return Rejected.newBuilder().setReason(e.reason).setDetail(e.detail == null ? "" : e.detail)
        .setRaw(ByteBuffer.wrap(e.raw == null ? new byte[0] : e.raw)).setSourceTopic(e.topic == null ? "" : e.topic)
        .setSourcePartition(e.partition).setSourceOffset(e.offset).setTime(Instant.now()).build();
  }
}
