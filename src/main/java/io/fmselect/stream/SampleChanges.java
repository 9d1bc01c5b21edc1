package io.fmselect.stream;

import io.fmselect.avro.Rejected;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by sample id: the event-time gate, then turns upserts, deletes, relabels and replays into class
 * membership changes. Run by {@link EventTimeGate}.
 *
 * <p>The gate: a sample whose event time is at or behind this operator's watermark is rejected as
 * "late". This is the first keyed stage, so its watermark is the one every window downstream follows,
 * and nothing downstream of it is ever idle (see {@link EventTimeGate}): a sample let through here is
 * in the computation of its own window, never of a later one.
 *
 * <p>Records wait in state until the watermark passes their event time, then apply in event-time
 * order (arrival order among equal times), so out-of-order arrival within the bound gives the same
 * result as in-order arrival. State per id: its label and embedding while it exists. An UPSERT equal
 * to the current state is a replay and changes nothing; a new label is a relabel (MOVE_OUT of the old
 * class, ADD to the new); a DELETE of an id not present is rejected ("unknown-delete").
 */
public final class SampleChanges extends KeyedProcessFunction<String, SampleEvent, MemberChange> {
  private static final long serialVersionUID = 1L;

  /** The watermark this subtask had reached before a restore (samples at or behind it are late). */
  transient long restoredWatermark = Long.MIN_VALUE;
  /** The newest event time let through the gate by this subtask. */
  transient long newest = Long.MIN_VALUE;

  private transient ValueState<Long> label;
  private transient ValueState<byte[]> values;
  private transient ListState<SampleEvent> pending;
  private transient Counter duplicates;

  @Override
  public void open(OpenContext openContext) {
    label = getRuntimeContext().getState(new ValueStateDescriptor<>("label", Types.LONG));
    values = getRuntimeContext().getState(new ValueStateDescriptor<>("values", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    pending = getRuntimeContext().getListState(new ListStateDescriptor<>("pending", SampleEvent.class));
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicates");
  }

  @Override
  public void processElement(SampleEvent e, Context ctx, Collector<MemberChange> out) throws Exception {
    long watermark = Math.max(ctx.timerService().currentWatermark(), restoredWatermark);
    if (e.eventTime <= watermark) {
      e.reason = Reasons.LATE;
      e.detail = "event time " + Instant.ofEpochMilli(e.eventTime) + " is at or behind the watermark "
          + Instant.ofEpochMilli(watermark) + ": its window has been closed";
      ctx.output(ValidateSamples.REJECTS, ValidateSamples.reject(e));
      return;
    }
    newest = Math.max(newest, e.eventTime);
    if (!e.delete) {
      e.raw = null; // past the last stage that can reject it (a DELETE may still be unknown-delete)
    }
    pending.add(e);
    ctx.timerService().registerEventTimeTimer(e.eventTime);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<MemberChange> out) throws Exception {
    List<SampleEvent> due = Pending.takeDue(pending, timestamp, e -> e.eventTime);
    String id = ctx.getCurrentKey();
    for (SampleEvent e : due) {
      Long current = label.value();
      if (e.delete) {
        if (current == null) {
          e.reason = Reasons.UNKNOWN_DELETE;
          e.detail = "DELETE of id '" + id + "', which is not in the data set";
          Rejected r = ValidateSamples.reject(e);
          ctx.output(ValidateSamples.REJECTS, r);
          continue;
        }
        out.collect(MemberChange.of(current, id, e.eventTime, MemberChange.REMOVE, values.value()));
        label.clear();
        values.clear();
        continue;
      }
      if (current == null) {
        out.collect(MemberChange.of(e.label, id, e.eventTime, MemberChange.ADD, e.values));
      } else if (current == e.label) {
        if (Arrays.equals(values.value(), e.values)) {
          duplicates.inc();
          continue;
        }
        out.collect(MemberChange.of(current, id, e.eventTime, MemberChange.REMOVE, values.value()));
        out.collect(MemberChange.of(e.label, id, e.eventTime, MemberChange.ADD, e.values));
      } else {
        out.collect(MemberChange.of(current, id, e.eventTime, MemberChange.MOVE_OUT, values.value()));
        out.collect(MemberChange.of(e.label, id, e.eventTime, MemberChange.ADD, e.values));
      }
      label.update(e.label);
      values.update(e.values);
    }
  }
}
