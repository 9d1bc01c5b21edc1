package io.fmselect.stream;

import io.fmselect.select.ExactAccumulator;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Keyed by class: the exact per-dimension sums of the class's embeddings ({@link ExactAccumulator}, so
 * adds and removes in any order give the batch's centroid bit for bit). At every window end where the
 * class changed it publishes a {@link CentroidUpdate}, which is broadcast to every class.
 *
 * <p>A window's changes arrive just before the watermark closes it; they are summed into one delta per
 * class and window on the heap and never stored one by one. A delta still open when a checkpoint comes
 * is written to state (compact) just before the barrier, and read back when its window closes. Totals
 * stay on the heap too (the {@value #TOTALS} most recently used classes): a total is written to state
 * (compact) before a barrier if it changed since the last, or when it leaves the heap.
 */
final class ClassSums extends AbstractStreamOperator<CentroidUpdate>
    implements OneInputStreamOperator<MemberChange, CentroidUpdate>, Triggerable<Long, VoidNamespace> {
  private static final long serialVersionUID = 1L;
  private final int dim;
  /** How many classes' totals stay decoded on the heap. */
  static final int TOTALS = 512;

  private transient ValueState<byte[]> total;
  private transient MapState<Long, byte[]> flushed;
  private transient InternalTimerService<VoidNamespace> timers;
  /** Per class and window end, the open delta (not in state unless flushed). */
  private transient Map<Long, Map<Long, ExactAccumulator>> open;
  /** Decoded totals, least recently used first; those in {@link #dirty} differ from state. */
  private transient java.util.LinkedHashMap<Long, ExactAccumulator> totals;
  private transient java.util.Set<Long> dirty;

  ClassSums(StreamConfig config) {
    this.dim = config.totalDim();
  }

  @Override
  public void open() throws Exception {
    super.open();
    total = getRuntimeContext().getState(new ValueStateDescriptor<>("total",
        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    flushed = getRuntimeContext().getMapState(new MapStateDescriptor<>("open-deltas", Types.LONG,
        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    timers = getInternalTimerService("window-ends", VoidNamespaceSerializer.INSTANCE, this);
    open = new HashMap<>();
    totals = new java.util.LinkedHashMap<>(16, 0.75f, true);
    dirty = new java.util.HashSet<>();
  }

  @Override
  public void processElement(StreamRecord<MemberChange> r) throws Exception {
    MemberChange c = r.getValue();
    Map<Long, ExactAccumulator> windows = open.computeIfAbsent(c.label, l -> new HashMap<>());
    ExactAccumulator delta = windows.get(c.eventTime);
    if (delta == null) { // one timer per class and window (a timer is a RocksDB write)
      delta = new ExactAccumulator(dim);
      windows.put(c.eventTime, delta);
      timers.registerEventTimeTimer(VoidNamespace.INSTANCE, c.eventTime);
    }
    switch (c.kind) {
      case MemberChange.ADD -> delta.addLittleEndian(c.values);
      case MemberChange.REPLACE -> {
        delta.removeLittleEndian(c.oldValues);
        delta.addLittleEndian(c.values);
      }
      default -> delta.removeLittleEndian(c.values);
    }
  }

  @Override
  public void onEventTime(InternalTimer<Long, VoidNamespace> timer) throws Exception {
    long label = timer.getKey();
    long w = timer.getTimestamp();
    Map<Long, ExactAccumulator> windows = open.get(label);
    ExactAccumulator delta = windows == null ? null : windows.remove(w);
    if (windows != null && windows.isEmpty()) {
      open.remove(label);
    }
    byte[] stored = flushed.get(w);
    if (stored != null) {
      ExactAccumulator d = ExactAccumulator.fromCompact(dim, stored);
      if (delta != null) {
        d.merge(delta);
      }
      delta = d;
      flushed.remove(w);
    }
    if (delta == null) {
      return;
    }
    ExactAccumulator acc = totals.get(label);
    if (acc == null) {
      byte[] before = total.value();
      acc = before == null ? new ExactAccumulator(dim) : ExactAccumulator.fromCompact(dim, before);
      totals.put(label, acc);
    }
    acc.merge(delta);
    CentroidUpdate u = new CentroidUpdate();
    u.label = label;
    u.windowEnd = w;
    u.count = acc.count();
    u.sums = acc.count() == 0 ? new double[dim] : acc.sums();
    output.collect(new StreamRecord<>(u, w));
    dirty.add(label);
    if (totals.size() > TOTALS) { // the least recently used total leaves the heap, into state
      Map.Entry<Long, ExactAccumulator> eldest = totals.entrySet().iterator().next();
      totals.remove(eldest.getKey());
      if (dirty.remove(eldest.getKey())) {
        setCurrentKey(eldest.getKey());
        store(eldest.getValue());
        setCurrentKey(label);
      }
    }
  }

  private void store(ExactAccumulator acc) throws Exception {
    if (acc.count() == 0) {
      total.clear();
    } else {
      total.update(acc.compact());
    }
  }

  @Override
  public void onProcessingTime(InternalTimer<Long, VoidNamespace> timer) {}

  /** The open deltas go into state before the barrier, so that the checkpoint holds them. */
  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    for (long label : dirty) {
      setCurrentKey(label);
      ExactAccumulator acc = totals.get(label);
      store(acc);
      if (acc.count() == 0) {
        totals.remove(label);
      }
    }
    dirty.clear();
    for (Map.Entry<Long, Map<Long, ExactAccumulator>> c : open.entrySet()) {
      setCurrentKey(c.getKey());
      for (Map.Entry<Long, ExactAccumulator> w : c.getValue().entrySet()) {
        byte[] stored = flushed.get(w.getKey());
        ExactAccumulator d = w.getValue();
        if (stored != null) {
          d = ExactAccumulator.fromCompact(dim, stored);
          d.merge(w.getValue());
        }
        flushed.put(w.getKey(), d.compact());
      }
    }
    open.clear();
  }
}
