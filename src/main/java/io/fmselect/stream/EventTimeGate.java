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
 *   <li><b>Freshness.</b> Twice a second it reports on {@link #NEWEST} the newest event time it has let
 *       through, when that moved on, for the job's freshness gauges.
 * </ul>
 */
final class EventTimeGate extends KeyedProcessOperator<String, SampleEvent, MemberChange> {
  private static final long serialVersionUID = 1L;

  /** The newest event time let through by one subtask, whenever it moves on. */
  static final OutputTag<Long> NEWEST = new OutputTag<>("newest-event-time", Types.LONG);

  private transient ListState<Long> watermarks;
  private transient long watermark;
  private transient long newestReported;

  EventTimeGate(long windowMs) {
    super(new SampleChanges(windowMs));
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
    newestReported = Long.MIN_VALUE;
  }

  @Override
  public void open() throws Exception {
    super.open();
    getProcessingTimeService().scheduleWithFixedDelay(now -> reportNewest(), 500, 500);
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
  }
}
