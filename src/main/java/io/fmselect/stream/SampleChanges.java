package io.fmselect.stream;

import io.fmselect.stream.SampleVersions.Record;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by sample id: the event-time gate, then turns upserts, deletes, relabels and replays into class
 * membership changes, one net change per id and window. Run by {@link EventTimeGate}.
 *
 * <p>The gate: a sample whose window end is at or behind this operator's watermark (its window has
 * closed) is rejected as "late". This is the first keyed stage, so its watermark is the one every window downstream follows,
 * and nothing downstream of it is ever idle (see {@link EventTimeGate}): a sample let through here is
 * in the computation of its own window, never of a later one.
 *
 * <p>State per id: one entry per window holding that window's records ({@link SampleVersions}), written
 * once when a record arrives; the entry of the last closed window is the sample as it stands. When the
 * watermark passes a window end, that window's records apply in event-time order (arrival order among
 * equal times) to the sample as it stood, and the net change goes out: ADD, REPLACE (new embedding or
 * metadata), MOVE_OUT plus ADD (relabel), or REMOVE. An upsert equal to the sample is a replay and
 * changes nothing; a DELETE of an id that does not exist at its event time is rejected
 * ("unknown-delete"). Windows matter only at their ends, so the net change per window is exact.
 */
public final class SampleChanges extends KeyedProcessFunction<String, SampleEvent, MemberChange> {
  private static final long serialVersionUID = 1L;

  /** The watermark this subtask had reached before a restore (samples of windows it closed are late). */
  transient long restoredWatermark = Long.MIN_VALUE;
  /** The newest event time let through the gate by this subtask. */
  transient long newest = Long.MIN_VALUE;

  private final long windowMs;
  private transient MapState<Long, byte[]> versions;
  private transient Counter duplicates;

  public SampleChanges(long windowMs) {
    this.windowMs = windowMs;
  }

  @Override
  public void open(OpenContext openContext) {
    versions = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("versions", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicates");
  }

  @Override
  public void processElement(SampleEvent e, Context ctx, Collector<MemberChange> out) throws Exception {
    long watermark = Math.max(ctx.timerService().currentWatermark(), restoredWatermark);
    long w = StreamConfig.windowEnd(e.eventTime, windowMs);
    if (w <= watermark) { // its window has closed; a sample behind the watermark in an open window still counts
      e.reason = Reasons.LATE;
      e.detail = "event time " + Instant.ofEpochMilli(e.eventTime) + ": its window (ending "
          + Instant.ofEpochMilli(w) + ") was closed by the watermark " + Instant.ofEpochMilli(watermark);
      ctx.output(ValidateSamples.REJECTS, ValidateSamples.reject(e));
      return;
    }
    newest = Math.max(newest, e.eventTime);
    versions.put(w, SampleVersions.append(versions.get(w), Record.of(e)));
    ctx.timerService().registerEventTimeTimer(w);
  }

  @Override
  public void onTimer(long w, OnTimerContext ctx, Collector<MemberChange> out) throws Exception {
    String id = ctx.getCurrentKey();
    byte[] pending = null;
    long appliedAt = Long.MIN_VALUE;
    byte[] applied = null;
    List<Long> older = new ArrayList<>();
    for (Map.Entry<Long, byte[]> v : versions.entries()) {
      long k = v.getKey();
      if (k == w) {
        pending = v.getValue();
      } else if (k < w) {
        older.add(k);
        if (k > appliedAt) {
          appliedAt = k;
          applied = v.getValue();
        }
      }
    }
    if (pending == null) {
      return;
    }
    Record before = applied == null ? null : SampleVersions.last(applied);
    Record now = before;
    for (Record r : SampleVersions.sorted(pending)) {
      if (r.delete()) {
        if (now == null) {
          SampleEvent e = new SampleEvent();
          e.id = id;
          e.reason = Reasons.UNKNOWN_DELETE;
          e.detail = "DELETE of id '" + id + "', which is not in the data set at " + Instant.ofEpochMilli(r.eventTime());
          e.raw = r.raw();
          e.topic = r.topic();
          e.partition = r.partition();
          e.offset = r.offset();
          e.eventTime = r.eventTime();
          ctx.output(ValidateSamples.REJECTS, ValidateSamples.reject(e));
        }
        now = null;
      } else {
        if (r.sameAs(now)) {
          duplicates.inc();
        }
        now = r;
      }
    }
    emit(id, w, before, now, out);
    for (long k : older) {
      versions.remove(k);
    }
    if (now == null) {
      versions.remove(w);
    }
  }

  /** The net change of one window, from the sample as it stood ({@code before}) to {@code now}. */
  static void emit(String id, long w, Record before, Record now, Collector<MemberChange> out) {
    if (before == null && now == null || now != null && now.sameAs(before)) {
      return;
    }
    if (now == null) {
      out.collect(MemberChange.of(before.label(), id, w, MemberChange.REMOVE, before.values()));
    } else if (before == null) {
      out.collect(add(id, w, now, MemberChange.NONE));
    } else if (before.label() == now.label()) {
      MemberChange c = MemberChange.of(now.label(), id, w, MemberChange.REPLACE, now.values());
      c.oldValues = before.values();
      c.metadata = now.metadata();
      out.collect(c);
    } else {
      MemberChange moved = MemberChange.of(before.label(), id, w, MemberChange.MOVE_OUT, before.values());
      moved.otherLabel = now.label();
      out.collect(moved);
      out.collect(add(id, w, now, before.label()));
    }
  }

  private static MemberChange add(String id, long w, Record now, long from) {
    MemberChange c = MemberChange.of(now.label(), id, w, MemberChange.ADD, now.values());
    c.metadata = now.metadata();
    c.otherLabel = from;
    return c;
  }
}
