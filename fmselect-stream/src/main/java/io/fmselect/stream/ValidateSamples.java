package io.fmselect.stream;

import io.fmselect.avro.Rejected;
import io.fmselect.stream.window.SampleEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Passes usable samples on; sends the records the deserializer or the embed stage flagged (undecodable,
 * future, corrupt-image, ...) to the rejects side output with their reason. Lateness is decided later, by
 * the event-time gate ({@link EventTimeGate}), against the watermark the windows follow.
 */
public final class ValidateSamples extends ProcessFunction<SampleEvent, SampleEvent> implements CheckpointedFunction {
  private static final long serialVersionUID = 1L;
  public static final OutputTag<Rejected> REJECTS = new OutputTag<>("rejects") {};

  /**
   * The accumulator of the records the job has read (every record passes here, flagged or not): with
   * {@link RejectTally} it gives the samples accepted. Checkpointed, so exact across restores.
   */
  public static final String RECORDS = "fmselect.records";

  /** Injected failures so far in this JVM (chaos testing; a MiniCluster runs its tasks in-process). */
  public static final java.util.concurrent.atomic.AtomicLong INJECTED_FAILURES = new java.util.concurrent.atomic.AtomicLong();

  /** The highest attempt announced in this JVM, so that a restart is one line however many subtasks restart. */
  private static final java.util.concurrent.atomic.AtomicInteger ANNOUNCED = new java.util.concurrent.atomic.AtomicInteger();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ValidateSamples.class);

  private final long failAfterRecords;
  private final int failAttempts;
  /** Whether an accepted upsert goes on without its raw bytes (the rejects stage reads them back if needed). */
  private final boolean dropRaw;
  private transient long seen;
  private transient ListState<Long> recordsState;
  private transient long restoredRecords;
  private transient LongCounter records;

  public ValidateSamples() {
    this(0, 0, false);
  }

  /**
   * @param failAfterRecords chaos testing: fail after this many records (0 = never)...
   * @param failAttempts ...in each of the first this many attempts
   * @param dropRaw an accepted upsert goes on without its raw Kafka bytes ({@link RawBytesFromSource} reads
   *     them back for the few the event-time gate rejects); DELETEs keep theirs (small, and rejected with
   *     their window if their sample does not exist)
   */
  public ValidateSamples(long failAfterRecords, int failAttempts, boolean dropRaw) {
    this.failAfterRecords = failAfterRecords;
    this.failAttempts = failAttempts;
    this.dropRaw = dropRaw;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    recordsState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("records-read", Types.LONG));
    restoredRecords = 0;
    for (Long n : recordsState.get()) { // after a rescale, a subtask may hold several
      restoredRecords += n;
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    recordsState.update(List.of(records.getLocalValue()));
  }

  @Override
  public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
    records = new LongCounter(restoredRecords);
    getRuntimeContext().addAccumulator(RECORDS, records);
    int attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
    if (attempt > 0 && ANNOUNCED.getAndAccumulate(attempt, Math::max) < attempt) {
      LOG.warn("the job failed and restarts from its last checkpoint (attempt {}); the cause is in the log file", attempt);
    }
  }

  @Override
  public void processElement(SampleEvent e, Context ctx, Collector<SampleEvent> out) {
    records.add(1);
    if (failAfterRecords > 0 && ++seen == failAfterRecords
        && getRuntimeContext().getTaskInfo().getAttemptNumber() < failAttempts) {
      INJECTED_FAILURES.incrementAndGet();
      throw new IllegalStateException("injected failure after " + seen + " records (" + StreamOptions.FAIL_AFTER_RECORDS.key() + ")");
    }
    if (e.reason != null) {
      ctx.output(REJECTS, reject(e));
      return;
    }
    if (dropRaw && !e.delete) {
      e.raw = null;
    }
    out.collect(e);
  }

  /** The rejects record of a flagged sample: reason, detail, raw bytes, where it came from, its id if known. */
  static Rejected reject(SampleEvent e) {
    return Rejected.newBuilder().setReason(e.reason).setDetail(e.detail == null ? "" : e.detail)
        .setRaw(ByteBuffer.wrap(e.raw == null ? new byte[0] : e.raw)).setSourceTopic(e.topic == null ? "" : e.topic)
        .setSourcePartition(e.partition).setSourceOffset(e.offset).setTime(Instant.now())
        .setId(e.id == null || e.id.isEmpty() ? null : e.id).build();
  }
}
