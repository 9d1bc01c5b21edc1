package io.fmselect.stream;

import io.fmselect.stream.window.MemberChange;
import io.fmselect.stream.window.Reasons;
import io.fmselect.stream.window.SampleChanges;
import io.fmselect.stream.window.SampleEvent;
import io.fmselect.stream.window.SampleVersions;
import io.fmselect.stream.window.SampleVersions.Record;
import io.fmselect.stream.window.SampleVersions.Stored;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;

/**
 * The per-sample stage, keyed by sample id: the job's event-time gate, then {@link SampleChanges} on
 * each id's records of each window when the watermark closes it. It keeps what the gate decides true for
 * every stage after it:
 *
 * <ul>
 *   <li><b>The gate.</b> A sample whose window end is at or behind this operator's watermark (its window
 *       has closed) is rejected as "late". This is the first keyed stage, so its watermark is the one every
 *       window downstream follows: a sample let through here is in the computation of its own window.
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
 *
 * <p>State per id: the sample as it stands, 17 bytes ({@link Stored}: label and a hash of embedding and
 * metadata), written when a window changes it; the embedding goes on to the class side, which stores it once. A window's records wait on the heap, per window and id, and are applied when the watermark passes
 * the window's end, with no timer and no state access until then; records still waiting when a
 * checkpoint comes (or when more than {@value #PENDING_BYTES} bytes wait) are appended to state under
 * their window with one timer per id and window, which applies them if no later record of that id and
 * window does first (after a restore, say). So an embedding is written here only if a checkpoint finds it
 * waiting.
 */
final class EventTimeGate extends AbstractStreamOperator<MemberChange>
    implements OneInputStreamOperator<SampleEvent, MemberChange>, Triggerable<String, VoidNamespace> {
  private static final long serialVersionUID = 1L;

  /** The newest event time let through by one subtask, whenever it moves on. */
  static final OutputTag<Long> NEWEST = new OutputTag<>("newest-event-time", Types.LONG);
  /** The bytes of records a subtask keeps waiting on the heap before it writes them to state. */
  static final long PENDING_BYTES = 256L << 20;

  private final long windowMs;
  private transient ListState<Long> watermarks;
  private transient ListState<Long> flushedWindowsState;
  private transient long watermark;
  private transient long newest;
  private transient long newestReported;
  private transient ValueState<byte[]> sample;
  private transient MapState<Long, byte[]> flushed;
  private transient InternalTimerService<VoidNamespace> timers;
  private transient Counter duplicates;
  /** Per window end (ascending), per id (arrival order), the records waiting on the heap. */
  private transient TreeMap<Long, Waiting> pending;
  private transient long pendingBytes;
  /** The window ends with records in state ({@link #flushed}) that their window's end has not applied yet. */
  private transient Set<Long> flushedWindows;

  /** One window's records on the heap, per id in arrival order, and their size. */
  private static final class Waiting {
    final Map<String, List<Record>> ids = new LinkedHashMap<>();
    long bytes;
  }

  EventTimeGate(long windowMs) {
    this.windowMs = windowMs;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    watermarks = context.getOperatorStateStore()
        .getUnionListState(new ListStateDescriptor<>("gate-watermark", Types.LONG));
    flushedWindowsState = context.getOperatorStateStore()
        .getUnionListState(new ListStateDescriptor<>("flushed-windows", Types.LONG));
    long restored = Long.MIN_VALUE;
    for (Long w : watermarks.get()) {
      restored = Math.max(restored, w);
    }
    watermark = restored;
    flushedWindows = new HashSet<>();
    for (Long w : flushedWindowsState.get()) {
      flushedWindows.add(w);
    }
    newest = Long.MIN_VALUE;
    newestReported = Long.MIN_VALUE;
  }

  @Override
  public void open() throws Exception {
    super.open();
    sample = getRuntimeContext().getState(new ValueStateDescriptor<>("sample",
        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    flushed = getRuntimeContext().getMapState(new MapStateDescriptor<>("waiting", Types.LONG,
        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    timers = getInternalTimerService("waiting-windows", VoidNamespaceSerializer.INSTANCE, this);
    duplicates = getMetricGroup().counter("duplicates");
    pending = new TreeMap<>();
    getProcessingTimeService().scheduleWithFixedDelay(now -> reportNewest(), 500, 500);
  }

  private void reportNewest() {
    if (newest > newestReported) {
      newestReported = newest;
      output.collect(NEWEST, new StreamRecord<>(newest));
    }
  }

  @Override
  public void processElement(StreamRecord<SampleEvent> r) throws Exception {
    SampleEvent e = r.getValue();
    long w = StreamConfig.windowEnd(e.eventTime, windowMs);
    if (w <= watermark) { // its window has closed; a sample behind the watermark in an open window still counts
      e.reason = Reasons.LATE;
      e.detail = "event time " + Instant.ofEpochMilli(e.eventTime) + ": its window (ending "
          + Instant.ofEpochMilli(w) + ") was closed by the watermark " + Instant.ofEpochMilli(watermark);
      output.collect(ValidateSamples.REJECTS, new StreamRecord<>(ValidateSamples.reject(e), e.eventTime));
      return;
    }
    newest = Math.max(newest, e.eventTime);
    Waiting window = pending.computeIfAbsent(w, k -> new Waiting());
    window.ids.computeIfAbsent(e.id, k -> new ArrayList<>(1)).add(Record.of(e));
    long bytes = 128 + (e.values == null ? 0 : e.values.length) + (e.metadata == null ? 0 : e.metadata.length)
        + (e.raw == null || !e.delete ? 0 : e.raw.length);
    window.bytes += bytes;
    pendingBytes += bytes;
    if (pendingBytes > PENDING_BYTES) {
      writeWaiting();
    }
  }

  /** Closes the heap's windows up to the watermark, then Flink fires the timers of those in state. */
  @Override
  public void processWatermark(Watermark mark) throws Exception {
    watermark = Math.max(watermark, mark.getTimestamp());
    while (!pending.isEmpty() && pending.firstKey() <= mark.getTimestamp()) {
      Map.Entry<Long, Waiting> window = pending.pollFirstEntry();
      long w = window.getKey();
      pendingBytes -= window.getValue().bytes;
      boolean inState = flushedWindows.contains(w);
      for (Map.Entry<String, List<Record>> id : window.getValue().ids.entrySet()) {
        setCurrentKey(id.getKey());
        List<Record> records = id.getValue();
        List<Record> stored = inState ? takeWritten(w) : null;
        if (stored != null) { // written before: those came first
          timers.deleteEventTimeTimer(VoidNamespace.INSTANCE, w);
          stored.addAll(records);
          records = stored;
        }
        apply(id.getKey(), w, records);
      }
    }
    super.processWatermark(mark);
    flushedWindows.removeIf(w -> w <= mark.getTimestamp());
  }

  /** A window's records that were written to state and not applied with later ones of the heap. */
  @Override
  public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
    List<Record> stored = takeWritten(timer.getTimestamp());
    if (stored != null) {
      apply(timer.getKey(), timer.getTimestamp(), stored);
    }
  }

  /** The current id's records of window {@code w} that were written to state, taken out of it; null if none. */
  private List<Record> takeWritten(long w) throws Exception {
    byte[] stored = flushed.get(w);
    if (stored == null) {
      return null;
    }
    flushed.remove(w);
    return SampleVersions.records(stored);
  }

  @Override
  public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {}

  private void apply(String id, long w, List<Record> records) throws Exception {
    byte[] stored = sample.value();
    Stored before = stored == null ? null : Stored.decode(stored);
    SampleChanges.Applied a = SampleChanges.apply(id, w, before, records,
        c -> output.collect(new StreamRecord<>(c, w)),
        e -> output.collect(ValidateSamples.REJECTS, new StreamRecord<>(ValidateSamples.reject(e), w)));
    duplicates.inc(a.replays());
    if (a.now() == null) {
      if (stored != null) {
        sample.clear();
      }
    } else if (!a.now().equals(before)) {
      sample.update(a.now().encode());
    }
  }

  /** Every record waiting on the heap goes into state under its window, with a timer per id and window. */
  private void writeWaiting() throws Exception {
    for (Map.Entry<Long, Waiting> window : pending.entrySet()) {
      long w = window.getKey();
      for (Map.Entry<String, List<Record>> id : window.getValue().ids.entrySet()) {
        setCurrentKey(id.getKey());
        byte[] entry = flushed.get(w);
        for (Record r : id.getValue()) {
          entry = SampleVersions.append(entry, r);
        }
        flushed.put(w, entry);
        timers.registerEventTimeTimer(VoidNamespace.INSTANCE, w);
      }
      flushedWindows.add(w);
    }
    pending.clear();
    pendingBytes = 0;
  }

  @Override
  public void processWatermarkStatus(WatermarkStatus status) {
    // passed on to no one: see the class comment
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    writeWaiting(); // before the keyed state is snapshot
    super.snapshotState(context);
    watermarks.update(List.of(watermark));
    flushedWindowsState.update(new ArrayList<>(flushedWindows));
  }
}
