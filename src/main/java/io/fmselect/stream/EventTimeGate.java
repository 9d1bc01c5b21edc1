package io.fmselect.stream;

import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;

/**
 * Runs {@link SampleChanges}, the job's event-time gate, and keeps what the gate decides true for
 * every stage after it:
 *
 * <ul>
 *   <li><b>Never idle downstream.</b> Flink leaves an idle input out of the minimum that makes an
 *       operator's watermark; an input that becomes active again behind it does not pull the watermark
 *       back. If this operator passed an idle status on, a stage downstream could move past the
 *       watermark a sample was checked against here, and that sample would land behind its window's
 *       computation without a trace. So it passes no status on: its inputs may idle (a partition with
 *       nothing to say), its output never does, and every window downstream closes only after this
 *       operator's watermark has passed it, that is, after every sample let through for it has gone out.
 *   <li><b>The watermark survives a restore.</b> Flink restarts every watermark at the beginning of time;
 *       the checkpoint keeps this operator's, and samples of windows it closed stay late after a restore
 *       (their windows may already be published). With a changed parallelism the largest watermark of
 *       the old subtasks applies.
 *   <li><b>A quiet input still flushes after a restore.</b> The sources' idle flush needs the newest
 *       event time, which they learn from records and lose in a restore: a job restored after its input
 *       went quiet would hold its open windows until the next sample. So the checkpoint keeps this
 *       operator's newest event time too (the largest of the old subtasks with a changed parallelism), and
 *       if nothing at all arrives for the idle flush after the restore, it closes the windows up to the
 *       one holding that time itself, as the sources would have.
 *   <li><b>Freshness.</b> Twice a second it reports on {@link #NEWEST} the newest event time it has let
 *       through, when that moved on, for the job's freshness gauges.
 * </ul>
 */
final class EventTimeGate extends KeyedProcessOperator<String, SampleEvent, MemberChange> {
  private static final long serialVersionUID = 1L;

  /** The newest event time let through by one subtask, whenever it moves on. */
  static final OutputTag<Long> NEWEST = new OutputTag<>("newest-event-time", Types.LONG);

  private final long windowMs;
  /** The idle flush (0: none, a bounded input). */
  private final long idleFlushMs;
  private transient ListState<Long> watermarks;
  private transient ListState<Long> newests;
  private transient long watermark;
  private transient long newestReported;
  /** The newest event time let through before the restore (the largest of the old subtasks). */
  private transient long restoredNewest;
  /** Whether a record or a watermark has arrived since the restore. */
  private transient boolean heard;

  EventTimeGate(long windowMs, long idleFlushMs) {
    super(new SampleChanges(windowMs));
    this.windowMs = windowMs;
    this.idleFlushMs = idleFlushMs;
  }

  private SampleChanges gate() {
    return (SampleChanges) getUserFunction();
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    watermarks = context.getOperatorStateStore()
        .getUnionListState(new ListStateDescriptor<>("gate-watermark", Types.LONG));
    long restored = Long.MIN_VALUE;
    for (Long w : watermarks.get()) {
      restored = Math.max(restored, w);
    }
    watermark = restored;
    gate().restoredWatermark = restored;
    newests = context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>("gate-newest", Types.LONG));
    restoredNewest = Long.MIN_VALUE;
    for (Long n : newests.get()) {
      restoredNewest = Math.max(restoredNewest, n);
    }
    gate().newest = restoredNewest;
    newestReported = Long.MIN_VALUE;
  }

  @Override
  public void open() throws Exception {
    super.open();
    getProcessingTimeService().scheduleWithFixedDelay(now -> reportNewest(), 500, 500);
    if (idleFlushMs > 0 && restoredNewest != Long.MIN_VALUE
        && StreamConfig.windowEnd(restoredNewest, windowMs) > watermark) {
      long at = getProcessingTimeService().getCurrentProcessingTime() + idleFlushMs;
      getProcessingTimeService().registerTimer(at, now -> flushAfterRestore());
    }
  }

  private void flushAfterRestore() throws Exception {
    long to = StreamConfig.windowEnd(restoredNewest, windowMs);
    if (!heard && to > watermark) {
      // samples of the windows closed here are late from now on, whatever watermark the sources send later
      gate().restoredWatermark = Math.max(gate().restoredWatermark, to);
      processWatermark(new Watermark(to));
    }
  }

  @Override
  public void processElement(StreamRecord<SampleEvent> element) throws Exception {
    heard = true;
    super.processElement(element);
  }

  private void reportNewest() {
    long n = gate().newest;
    if (n > newestReported) {
      newestReported = n;
      output.collect(NEWEST, new StreamRecord<>(n));
    }
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    heard |= mark.getTimestamp() > Long.MIN_VALUE;
    watermark = Math.max(watermark, mark.getTimestamp());
    super.processWatermark(mark);
  }

  @Override
  public void processWatermarkStatus(WatermarkStatus status) {
    // passed on to no one: see the class comment
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    watermarks.update(List.of(watermark));
    newests.update(List.of(gate().newest));
  }
}
