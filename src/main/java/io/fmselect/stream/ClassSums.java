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
 * is written to state (compact) just before the barrier, and read back when its window closes. The
 * class's total is stored compact as well, once per window in which the class changed.
 */
final class ClassSums extends AbstractStreamOperator<CentroidUpdate>
    implements OneInputStreamOperator<MemberChange, CentroidUpdate>, Triggerable<Long, VoidNamespace> {
  private static final long serialVersionUID = 1L;
  private final int dim;

  private transient ValueState<byte[]> total;
  private transient MapState<Long, byte[]> flushed;
  private transient InternalTimerService<VoidNamespace> timers;
  /** Per class and window end, the open delta (not in state unless flushed). */
  private transient Map<Long, Map<Long, ExactAccumulator>> open;

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
  }

  @Override
  public void processElement(StreamRecord<MemberChange> r) throws Exception {
    MemberChange c = r.getValue();
    ExactAccumulator delta = open.computeIfAbsent(c.label, l -> new HashMap<>())
        .computeIfAbsent(c.eventTime, w -> new ExactAccumulator(dim));
    switch (c.kind) {
      case MemberChange.ADD -> delta.addLittleEndian(c.values);
      case MemberChange.REPLACE -> {
        delta.removeLittleEndian(c.oldValues);
        delta.addLittleEndian(c.values);
      }
      default -> delta.removeLittleEndian(c.values);
    }
    timers.registerEventTimeTimer(VoidNamespace.INSTANCE, c.eventTime);
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
    byte[] before = total.value();
    ExactAccumulator acc = before == null ? new ExactAccumulator(dim) : ExactAccumulator.fromCompact(dim, before);
    acc.merge(delta);
    CentroidUpdate u = new CentroidUpdate();
    u.label = label;
    u.windowEnd = w;
    u.count = acc.count();
    u.sums = acc.count() == 0 ? new double[dim] : acc.sums();
    output.collect(new StreamRecord<>(u, w));
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
