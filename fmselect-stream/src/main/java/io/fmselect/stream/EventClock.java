package io.fmselect.stream;

import io.fmselect.stream.window.SampleEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.util.clock.RelativeClock;

/**
 * Where the job's event time comes from: one watermark generator per Kafka partition, run by the
 * source (docs/design.md, "Event time").
 *
 * <ul>
 *   <li>Only accepted samples take part: a record the deserializer flagged (undecodable, missing id,
 *       {@code future}, ...) carries no trustworthy event time and is ignored, also as activity.
 *   <li>A partition's watermark trails its newest accepted event time by the out-of-orderness (+1 ms).
 *   <li>A partition without accepted samples for {@code idleness} is marked idle: the others move event
 *       time on without it.
 *   <li>Once every partition this source subtask reads has been silent for {@code idle-flush}, each of
 *       them emits the end of the window holding the subtask's newest event time, and on the next
 *       periodic emission goes idle. Downstream, when every source subtask is idle, Flink forwards the
 *       largest watermark among them: the windows up to the job's newest event time close.
 * </ul>
 *
 * Silence is measured on the source's input-activity clock, which stops while the job is
 * back-pressured: a slow job never looks like a quiet stream. A bounded source needs none of this (its
 * end flushes every window exactly): {@link #bounded} has neither idleness nor flush.
 */
final class EventClock implements WatermarkStrategy<SampleEvent> {
  private static final long serialVersionUID = 1L;

  private final long outOfOrdernessMs;
  private final long idlenessNanos;
  private final long idleFlushNanos;
  private final long windowMs;
  /** The generators of this source subtask (the strategy is deserialized once per subtask). */
  private transient List<PartitionClock> partitions;

  private EventClock(long outOfOrdernessMs, long idlenessMs, long idleFlushMs, long windowMs) {
    this.outOfOrdernessMs = outOfOrdernessMs;
    this.idlenessNanos = idlenessMs * 1_000_000L;
    this.idleFlushNanos = idleFlushMs * 1_000_000L;
    this.windowMs = windowMs;
  }

  /** For an unbounded input: out-of-orderness, idleness and idle flush as configured. */
  static EventClock unbounded(StreamConfig config) {
    StreamConfig.EventTime t = config.eventTime();
    return new EventClock(t.outOfOrdernessMs(), t.idlenessMs(), t.idleFlushMs(), config.windowMs());
  }

  /** The clock for a source: {@link #bounded} if it ends, else {@link #unbounded}. */
  static EventClock of(Source<?, ?, ?> source, StreamConfig config) {
    return source.getBoundedness() == Boundedness.BOUNDED ? bounded(config) : unbounded(config);
  }

  /** For a bounded input: out-of-orderness only; its end flushes every window. */
  static EventClock bounded(StreamConfig config) {
    return new EventClock(config.eventTime().outOfOrdernessMs(), 0, 0, config.windowMs());
  }

  @Override
  public TimestampAssigner<SampleEvent> createTimestampAssigner(TimestampAssignerSupplier.Context context) {
    return (e, kafkaTimestamp) -> e.eventTime;
  }

  @Override
  public WatermarkGenerator<SampleEvent> createWatermarkGenerator(WatermarkGeneratorSupplier.Context context) {
    if (partitions == null) {
      partitions = new ArrayList<>();
    }
    PartitionClock g = new PartitionClock(context.getInputActivityClock());
    partitions.add(g);
    return g;
  }

  /**
   * True once every partition of this subtask that has had an accepted sample has been silent for the
   * idle flush; {@code newest} then is their newest event time.
   */
  private boolean subtaskQuiet() {
    boolean any = false;
    for (PartitionClock p : partitions) {
      if (p.newest != Long.MIN_VALUE) {
        any = true;
        if (p.silentNanos() < idleFlushNanos) {
          return false;
        }
      }
    }
    return any;
  }

  private long subtaskNewest() {
    long n = Long.MIN_VALUE;
    for (PartitionClock p : partitions) {
      n = Math.max(n, p.newest);
    }
    return n;
  }

  /** One partition's generator (or the source's main output, which never sees a record). */
  private final class PartitionClock implements WatermarkGenerator<SampleEvent> {
    private final RelativeClock clock;
    private long newest = Long.MIN_VALUE;
    /** Accepted samples so far; compared at each periodic emission to detect activity cheaply. */
    private long events;
    private long eventsAtCheck;
    private long lastActiveNanos;
    private boolean idle;
    /** The window end this partition emitted for the subtask's flush, if it did. */
    private long flushedTo = Long.MIN_VALUE;

    PartitionClock(RelativeClock clock) {
      this.clock = clock;
      this.lastActiveNanos = clock.relativeTimeNanos();
    }

    long silentNanos() {
      return clock.relativeTimeNanos() - lastActiveNanos;
    }

    @Override
    public void onEvent(SampleEvent e, long eventTime, WatermarkOutput output) {
      if (e.reason == null) {
        newest = Math.max(newest, eventTime);
        events++;
      }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
      if (events != eventsAtCheck) {
        eventsAtCheck = events;
        lastActiveNanos = clock.relativeTimeNanos();
        idle = false;
      }
      if (idleFlushNanos > 0 && newest != Long.MIN_VALUE && subtaskQuiet()) {
        long to = StreamConfig.windowEnd(subtaskNewest(), windowMs);
        if (flushedTo != to) { // first emit the flush (a partition that emits is active again), then go idle
          flushedTo = to;
          idle = false;
          output.emitWatermark(new Watermark(to));
          return;
        }
        markIdle(output);
        return;
      }
      if (idlenessNanos > 0 && silentNanos() >= idlenessNanos) {
        markIdle(output);
        return;
      }
      if (newest != Long.MIN_VALUE) {
        idle = false;
        output.emitWatermark(new Watermark(newest - outOfOrdernessMs - 1));
      }
    }

    private void markIdle(WatermarkOutput output) {
      if (!idle) {
        idle = true;
        output.markIdle();
      }
    }
  }
}
