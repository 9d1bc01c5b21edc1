package io.fmselect.stream;

import io.fmselect.select.ExactAccumulator;
import io.fmselect.stream.window.CentroidUpdate;
import io.fmselect.stream.window.MemberChange;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by class, the first class-side stage: the one stored copy of every member's embedding, and the exact
 * per-dimension sums of the class's embeddings ({@link ExactAccumulator}, so adds and removes in any order give
 * the batch's centroid bit for bit).
 *
 * <p>A change is applied as it arrives: an ADD is one write, a REPLACE, REMOVE or MOVE_OUT first reads the
 * embedding it replaces or removes by point lookup (the per-sample stage keeps only a hash of it). Its effect
 * on the sums goes into one delta per class and window on the heap, and the change goes on to the class
 * selection stage ({@link ClassSelector}, same key, same subtask: a forward hop), without the old embedding.
 * At every window end where the class changed, the delta joins the class's total and a {@link CentroidUpdate}
 * goes out on {@link #SUMS}, to be broadcast to every class. A delta still open when a checkpoint comes is
 * written to state (compact) just before the barrier, and read back when its window closes. Totals stay on the
 * heap too (the {@value #TOTALS} most recently used classes): a total is written to state (compact) before a
 * barrier if it changed since the last, or when it leaves the heap.
 *
 * <p>After a restore the class stage has lost its decoded tables with the old process: before anything else
 * this stage sends it every member it holds ({@link MemberChange#PRESENT}), class by class.
 */
final class MemberStore extends AbstractStreamOperator<MemberChange>
    implements OneInputStreamOperator<MemberChange, MemberChange>, Triggerable<Long, VoidNamespace> {
  private static final long serialVersionUID = 1L;
  private final int dim;
  /** How many classes' totals stay decoded on the heap. */
  static final int TOTALS = 512;

  /** Every class's sums at each window end where it changed, for the broadcast. */
  static final OutputTag<CentroidUpdate> SUMS = new OutputTag<>("class-sums", StreamTypes.CENTROID_UPDATE);

  private transient MapState<String, byte[]> embeddings;
  private transient ValueState<byte[]> total;
  /** Whether the members are still to be sent to the class stage (after a restore). */
  private transient boolean resend;
  /** The classes of this subtask that have had members (RocksDB cannot list the keys of a map state). */
  private transient java.util.Set<Long> classes;
  private transient ListState<Long> classesState;
  private transient MapState<Long, byte[]> flushed;
  private transient InternalTimerService<VoidNamespace> timers;
  /** Per class and window end, the open delta (not in state unless flushed). */
  private transient Map<Long, Map<Long, ExactAccumulator>> open;
  /** Decoded totals, least recently used first; those in {@link #dirty} differ from state. */
  private transient java.util.LinkedHashMap<Long, ExactAccumulator> totals;
  private transient java.util.Set<Long> dirty;

  MemberStore(StreamConfig config) {
    this.dim = config.totalDim();
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    resend = context.isRestored();
    classesState = context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>("classes", Types.LONG));
    classes = new java.util.HashSet<>();
    var task = getRuntimeContext().getTaskInfo();
    int maxParallelism = task.getMaxNumberOfParallelSubtasks();
    org.apache.flink.runtime.state.KeyGroupRange mine = org.apache.flink.runtime.state.KeyGroupRangeAssignment
        .computeKeyGroupRangeForOperatorIndex(maxParallelism, task.getNumberOfParallelSubtasks(),
            task.getIndexOfThisSubtask());
    for (Long label : classesState.get()) { // every old subtask's: this one keeps its own key groups'
      if (mine.contains(org.apache.flink.runtime.state.KeyGroupRangeAssignment.assignToKeyGroup(label, maxParallelism))) {
        classes.add(label);
      }
    }
  }

  @Override
  public void snapshotState(org.apache.flink.runtime.state.StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    classesState.update(new java.util.ArrayList<>(classes));
  }

  @Override
  public void open() throws Exception {
    super.open();
    embeddings = getRuntimeContext().getMapState(new MapStateDescriptor<>("embeddings", Types.STRING,
        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
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
    resendAfterRestore();
    MemberChange c = r.getValue();
    Map<Long, ExactAccumulator> windows = open.computeIfAbsent(c.label, l -> new HashMap<>());
    ExactAccumulator delta = windows.get(c.eventTime);
    if (delta == null) { // one timer per class and window (a timer is a RocksDB write)
      delta = new ExactAccumulator(dim);
      windows.put(c.eventTime, delta);
      timers.registerEventTimeTimer(VoidNamespace.INSTANCE, c.eventTime);
    }
    if (c.kind == MemberChange.ADD) {
      classes.add(c.label);
      embeddings.put(c.id, c.values);
      delta.addLittleEndian(c.values);
    } else {
      byte[] old = embeddings.get(c.id);
      if (old == null) {
        throw new IllegalStateException("class " + c.label + " holds no embedding of member '" + c.id + "'");
      }
      if (c.kind != MemberChange.REPLACE) {
        embeddings.remove(c.id);
        delta.removeLittleEndian(old);
      } else if (!java.util.Arrays.equals(old, c.values)) { // else only its metadata changed
        embeddings.put(c.id, c.values);
        delta.removeLittleEndian(old);
        delta.addLittleEndian(c.values);
      }
    }
    output.collect(r);
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    resendAfterRestore();
    super.processWatermark(mark);
  }

  /** Once after a restore, before anything else goes out: every member, class by class. */
  private void resendAfterRestore() throws Exception {
    if (!resend) {
      return;
    }
    resend = false;
    Object key = getCurrentKey(); // the element's, set by Flink: it is kept
    for (long label : new java.util.TreeSet<>(classes)) {
      setCurrentKey(label);
      for (Map.Entry<String, byte[]> e : embeddings.entries()) {
        output.collect(new StreamRecord<>(MemberChange.of(label, e.getKey(), Long.MIN_VALUE, MemberChange.PRESENT,
            e.getValue())));
      }
    }
    if (key != null) {
      setCurrentKey(key);
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
    if (acc.count() == 0) {
      classes.remove(label);
    }
    output.collect(SUMS, new StreamRecord<>(u, w));
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
