package io.fmselect.stream;

import io.fmselect.avro.MembershipEvent;
import io.fmselect.avro.SubsetChange;
import io.fmselect.avro.SubsetWindow;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * One subtask (parallelism 1) behind the membership publisher: counts the subset topic's records per
 * window end and, once the watermark passes a window end (every publisher subtask has sent that
 * window's records), emits its {@link SubsetWindow}. A consumer that has read that many records of the
 * window end has all of it (docs/design.md, "Reading the subset"). Counts of windows still open and the
 * running subset size are checkpointed, one {@link WindowTally} each ({@link StreamTypes#WINDOW_TALLY}).
 */
final class WindowMarks extends AbstractStreamOperator<SubsetWindow>
    implements OneInputStreamOperator<SubsetChange, SubsetWindow> {
  private static final long serialVersionUID = 1L;

  /** Per open window end: events, joined, left, relabeled. */
  private transient TreeMap<Long, int[]> open;
  private transient long selected;
  private transient ListState<WindowTally> state;

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    state = context.getOperatorStateStore()
        .getListState(new ListStateDescriptor<>("window-tallies", StreamTypes.WINDOW_TALLY));
    open = new TreeMap<>();
    selected = 0;
    for (WindowTally t : state.get()) {
      if (t.windowEnd == WindowTally.SUBSET_SIZE) {
        selected = t.events;
      } else {
        open.put(t.windowEnd, new int[] {(int) t.events, (int) t.joined, (int) t.left, (int) t.relabeled});
      }
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    state.clear();
    state.add(WindowTally.of(WindowTally.SUBSET_SIZE, selected, 0, 0, 0));
    for (Map.Entry<Long, int[]> e : open.entrySet()) {
      int[] c = e.getValue();
      state.add(WindowTally.of(e.getKey(), c[0], c[1], c[2], c[3]));
    }
  }

  @Override
  public void processElement(StreamRecord<SubsetChange> r) {
    SubsetChange c = r.getValue();
    int[] counts = open.computeIfAbsent(c.getWindowEnd().toEpochMilli(), w -> new int[4]);
    counts[0]++;
    MembershipEvent e = c.getEvent();
    counts[e == MembershipEvent.JOINED ? 1 : e == MembershipEvent.LEFT ? 2 : 3]++;
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    for (Iterator<Map.Entry<Long, int[]>> it = open.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, int[]> e = it.next();
      if (e.getKey() > mark.getTimestamp()) {
        break;
      }
      int[] c = e.getValue();
      selected += c[1] - c[2];
      output.collect(new StreamRecord<>(new SubsetWindow(Instant.ofEpochMilli(e.getKey()), c[0], c[1], c[2], c[3],
          selected), e.getKey()));
      it.remove();
    }
    super.processWatermark(mark);
  }
}
