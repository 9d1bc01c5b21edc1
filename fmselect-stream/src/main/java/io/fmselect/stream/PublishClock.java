package io.fmselect.stream;

import io.fmselect.stream.window.CentroidUpdate;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * One subtask between the member stores and the class selection stage: every class's sums go through it to be
 * broadcast, and it decides which window ends the job publishes ({@code fmselect.publish}).
 *
 * <p>every-window: it passes sums and watermarks on as they come; the class stage computes at every window end
 * with a change. latest: it announces a window end ({@link CentroidUpdate#publishAt}) when the watermark has
 * passed it and at least {@link StreamConfig#publishIntervalMs} of processing time have gone since the previous
 * announcement, else when that time is up; the ends the watermark passed meanwhile are folded into the newest.
 * The class stage computes only at announced ends, and its watermark moves only to them. A live stream whose
 * windows close further apart than the interval has every window end announced as it closes; a replay or a
 * backlog has one every interval. As every class stage subtask reads this one subtask's output, they all see
 * the same announcements in the same order, and compute at the same ends. When the input ends the newest
 * window end with a change is announced at once.
 */
final class PublishClock extends AbstractStreamOperator<CentroidUpdate>
    implements OneInputStreamOperator<CentroidUpdate, CentroidUpdate> {
  private static final long serialVersionUID = 1L;

  private final boolean latest;
  private final long windowMs;
  private final long intervalMs;
  private transient ListState<Long> announcedState;
  /** The newest announced window end. */
  private transient long announced;
  /** The newest window end the watermark passed (latest mode). */
  private transient long passed;
  /** The newest window end of any class's sums. */
  private transient long newestChange;
  private transient long announcedAt;
  private transient boolean timerSet;

  PublishClock(StreamConfig config) {
    this.latest = config.publish() == Publish.LATEST;
    this.windowMs = config.windowMs();
    this.intervalMs = config.publishIntervalMs();
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    announcedState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("announced", Types.LONG));
    announced = Long.MIN_VALUE;
    for (Long a : announcedState.get()) {
      announced = Math.max(announced, a);
    }
    passed = announced;
    newestChange = announced;
    announcedAt = Long.MIN_VALUE;
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    announcedState.update(List.of(announced));
  }

  @Override
  public void processElement(StreamRecord<CentroidUpdate> r) {
    newestChange = Math.max(newestChange, r.getValue().windowEnd);
    output.collect(r);
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    if (!latest) {
      super.processWatermark(mark);
      return;
    }
    long t = mark.getTimestamp();
    if (t == Long.MAX_VALUE) { // the input ended: its last window now
      passed = Math.max(passed, newestChange);
      announce();
      super.processWatermark(mark);
      return;
    }
    long end = Math.floorDiv(t, windowMs) * windowMs;
    if (end <= passed) {
      return;
    }
    passed = end;
    long now = getProcessingTimeService().getCurrentProcessingTime();
    if (announcedAt == Long.MIN_VALUE || now - announcedAt >= intervalMs) {
      announce();
    } else if (!timerSet) {
      timerSet = true;
      getProcessingTimeService().registerTimer(announcedAt + intervalMs, time -> {
        timerSet = false;
        announce();
      });
    }
  }

  /** Announces the newest passed window end, if not yet, and moves the class stage's watermark to it. */
  private void announce() {
    if (passed <= announced) {
      return;
    }
    announced = passed;
    announcedAt = getProcessingTimeService().getCurrentProcessingTime();
    output.collect(new StreamRecord<>(CentroidUpdate.publishAt(announced), announced));
    output.emitWatermark(new Watermark(announced));
  }
}
