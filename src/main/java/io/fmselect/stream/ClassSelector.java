package io.fmselect.stream;

import io.fmselect.avro.ClassWindow;
import io.fmselect.avro.SubsetChange;
import io.fmselect.select.Centroids;
import io.fmselect.select.SelectionMethod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The class stage: keyed by class (input 1: member changes), with every class's centroid sums broadcast
 * to it (input 2). At every window end where the class or any centroid changed it runs
 * {@link ClassWindowStep} and sends the membership events to the publisher. This operator only declares
 * state, timers and metrics around that step.
 *
 * <p>State per class: its members (metadata and embedding, one value per member, written once), the ids
 * it has selected, and when it last computed. A window's changes arrive just before the watermark closes
 * it and wait on the heap; those still open when a checkpoint comes are written to state just before
 * the barrier. Centroids arrive as versioned sums (one version per class and window end), so a window's
 * computation sees every class as of that window end however the inputs interleave. Timers: one per
 * window end with changes, and a wake-up at the next window end where some centroid changed while the
 * class has members.
 *
 * <p>Outputs: the membership events ({@link MemberEvent}, to {@link PublishMembership}); on side outputs
 * a {@link ClassWindow} per class whose subset changed, every member's figures at explain windows, and
 * every computed class's size and selection (for the job's freshness gauges).
 */
final class ClassSelector extends AbstractStreamOperator<MemberEvent>
    implements TwoInputStreamOperator<MemberChange, CentroidUpdate, MemberEvent>, Triggerable<Long, VoidNamespace> {
  private static final long serialVersionUID = 1L;

  static final MapStateDescriptor<Long, CentroidHistory> CENTROIDS =
      new MapStateDescriptor<>("centroids", Types.LONG, TypeInformation.of(CentroidHistory.class));
  /** Each class's size and selection after each of its computations (for the job's totals). */
  static final OutputTag<ClassProgress> PROGRESS = new OutputTag<>("class-progress", TypeInformation.of(ClassProgress.class));
  /** One record per class whose subset changed at a window end. */
  static final OutputTag<ClassWindow> CLASSES = new OutputTag<>("class-windows", TypeInformation.of(ClassWindow.class));
  /** Every member's figures at explain windows. */
  static final OutputTag<SubsetChange> EXPLAIN = new OutputTag<>("explain", TypeInformation.of(SubsetChange.class));

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClassSelector.class);

  private final StreamConfig config;
  private transient SelectionMethod method;
  private transient io.fmselect.select.PseudoLabeler.Stats labelerStats;
  private transient MapState<String, byte[]> members;
  private transient MapState<String, Boolean> selected;
  private transient ValueState<Long> lastComputed;
  private transient MapState<Long, List<MemberChange>> flushed;
  private transient BroadcastState<Long, CentroidHistory> centroids;
  private transient InternalTimerService<VoidNamespace> timers;
  /** Per class and window end, the changes waiting for the window to close (not in state unless flushed). */
  private transient Map<Long, Map<Long, Map<String, MemberChange>>> open;
  /** Per class, its members decoded as of its last computation (a cache of the state above, within a budget). */
  private transient MemberCache tables;
  private transient Map<Long, ClassStats> stats;
  private transient Counter recomputes;
  private transient Counter eventsOut;
  private transient WindowLog window;
  /** Every class of this subtask computes at the same window end with the same centroids: built once. */
  private transient Centroids[] centroidsCache;
  private transient long centroidsCacheAt;

  /** The latest figures of one class, read by its gauges (metric group {@code class=<label>}). */
  static final class ClassStats {
    volatile long members;
    volatile long selected;
    volatile long budget;
    volatile double recomputeMillis;
    volatile double labelNoiseRate;
    volatile long churn;
  }

  ClassSelector(StreamConfig config) {
    this.config = config;
  }

  @Override
  public void open() throws Exception {
    super.open();
    // once per JVM (TaskManager): C2 compiles the vector kernels before the first window needs them
    io.fmselect.select.Warmup.startOnce();
    labelerStats = new io.fmselect.select.PseudoLabeler.Stats();
    method = config.createMethod(labelerStats);
    members = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("members", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    selected = getRuntimeContext().getMapState(new MapStateDescriptor<>("selected", Types.STRING, Types.BOOLEAN));
    lastComputed = getRuntimeContext().getState(new ValueStateDescriptor<>("last-computed", Types.LONG));
    flushed = getRuntimeContext().getMapState(new MapStateDescriptor<>("open-changes", Types.LONG,
        new ListTypeInfo<>(MemberChange.class)));
    centroids = getOperatorStateBackend().getBroadcastState(CENTROIDS);
    timers = getInternalTimerService("class-windows", VoidNamespaceSerializer.INSTANCE, this);
    open = new HashMap<>();
    tables = new MemberCache(config.memberCacheBytes() == StreamConfig.DEFAULT_SHARE_OF_HEAP
        ? MemberCache.defaultBudget(StreamConfig.DEFAULT_HEAP_SHARE) : config.memberCacheBytes());
    stats = new HashMap<>();
    getMetricGroup().gauge("memberCacheBytes", tables::bytes);
    getMetricGroup().gauge("memberCacheLoads", tables::loads);
    getMetricGroup().gauge("memberCacheEvictions", tables::evictions);
    recomputes = getMetricGroup().counter("recomputes");
    eventsOut = getMetricGroup().counter("membershipEvents");
    getMetricGroup().gauge("pseudoLabelsComputed", labelerStats::rows);
    getMetricGroup().gauge("pseudoLabelsReused", labelerStats::skipped);
    window = new WindowLog();
  }

  /** After the timers up to the watermark have fired: the window they computed is done, log it now. */
  @Override
  public void processWatermark(org.apache.flink.streaming.api.watermark.Watermark mark) throws Exception {
    super.processWatermark(mark);
    if (window != null) {
      window.log();
    }
  }

  @Override
  public void close() throws Exception {
    if (window != null) {
      window.log();
    }
    if (tables != null) {
      tables.clear();
    }
    super.close();
  }

  /**
   * One subtask's work for one window end, logged (INFO) once the watermark has passed it (every timer of it
   * fired), when the next window starts, or when the input ends:
   * classes recomputed, their members, the time taken, membership events, and the pseudo-label rows
   * computed and reused (RAM-APL).
   */
  private final class WindowLog {
    long windowEnd = Long.MIN_VALUE;
    long classes;
    long size;
    long nanos;
    long events;
    long computedBefore;
    long reusedBefore;

    void start(long t) {
      if (t != windowEnd) {
        log();
        windowEnd = t;
        computedBefore = labelerStats.rows();
        reusedBefore = labelerStats.skipped();
      }
    }

    void done(int n, long spent, int eventCount) {
      classes++;
      size += n;
      nanos += spent;
      events += eventCount;
    }

    void log() {
      if (classes > 0) {
        LOG.info("{}: window end {}: recomputed {} classes ({} members) in {} ms, {} membership events; pseudo-labels"
            + " computed for {} rows, reused for {}", getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks(),
            Instant.ofEpochMilli(windowEnd), classes, size, String.format("%.1f", nanos / 1e6), events,
            labelerStats.rows() - computedBefore, labelerStats.skipped() - reusedBefore);
      }
      classes = 0;
      size = 0;
      nanos = 0;
      events = 0;
    }
  }

  /** Per-class gauges for the first {@code fmselect.metrics.class-gauges} classes; others are not registered. */
  private ClassStats statsOf(long label) {
    ClassStats st = stats.get(label);
    if (st == null) {
      st = new ClassStats();
      if (stats.size() < config.classGauges()) {
        ClassStats s = st;
        var g = getMetricGroup().addGroup("class", Long.toString(label));
        g.gauge("members", () -> s.members);
        g.gauge("selected", () -> s.selected);
        g.gauge("budget", () -> s.budget);
        g.gauge("recomputeMillis", () -> s.recomputeMillis);
        g.gauge("labelNoiseRate", () -> s.labelNoiseRate);
        g.gauge("churn", () -> s.churn);
        stats.put(label, st);
      }
    }
    return st;
  }

  @Override
  public void processElement1(StreamRecord<MemberChange> r) throws Exception {
    MemberChange c = r.getValue();
    Map<Long, Map<String, MemberChange>> windows = open.computeIfAbsent(c.label, l -> new HashMap<>());
    Map<String, MemberChange> w = windows.get(c.eventTime);
    if (w == null) { // one timer per class and window (a timer is a RocksDB write)
      w = new HashMap<>();
      windows.put(c.eventTime, w);
      timers.registerEventTimeTimer(VoidNamespace.INSTANCE, c.eventTime);
    }
    w.put(c.id, c);
  }

  @Override
  public void processElement2(StreamRecord<CentroidUpdate> r) throws Exception {
    CentroidUpdate u = r.getValue();
    CentroidHistory h = centroids.get(u.label);
    centroids.put(u.label, (h == null ? new CentroidHistory() : h).with(u, timers.currentWatermark()));
    centroidsCache = null;
  }

  @Override
  public void onEventTime(InternalTimer<Long, VoidNamespace> timer) throws Exception {
    long label = timer.getKey();
    long t = timer.getTimestamp();
    TreeMap<String, MemberChange> changes = takeChanges(label, t);
    Long lastValue = lastComputed.value();
    long last = lastValue == null ? Long.MIN_VALUE : lastValue;
    boolean centroidsChanged = false;
    long nextChange = Long.MAX_VALUE;
    for (Map.Entry<Long, CentroidHistory> e : centroids.immutableEntries()) {
      centroidsChanged |= e.getValue().changedIn(last, t);
      for (long w : e.getValue().windowEnds) {
        if (w > t) {
          nextChange = Math.min(nextChange, w);
        }
      }
    }
    boolean explain = config.explainEvery() > 0
        && Math.floorMod(Math.floorDiv(t, config.windowMs()), config.explainEvery()) == 0;
    int size;
    if (!changes.isEmpty() || centroidsChanged || explain) {
      size = compute(label, t, last, changes, explain);
    } else {
      MemberTable cached = tables.get(label);
      size = cached != null && cached.computedAt == last ? cached.size() : members.isEmpty() ? 0 : 1;
    }
    // wake up at the next window end where something may change
    if (size == 0) {
      return;
    }
    long wm = timers.currentWatermark();
    if (nextChange != Long.MAX_VALUE && nextChange <= wm) {
      timers.registerEventTimeTimer(VoidNamespace.INSTANCE, nextChange); // known change, already final
    } else if (wm != Long.MAX_VALUE) {
      timers.registerEventTimeTimer(VoidNamespace.INSTANCE, Math.max(t + config.windowMs(), config.windowEnd(wm + 1)));
    }
  }

  /** The window's changes of a class, from the heap and from state (if a checkpoint flushed them), by id. */
  private TreeMap<String, MemberChange> takeChanges(long label, long t) throws Exception {
    TreeMap<String, MemberChange> changes = new TreeMap<>(Ids.ORDER);
    List<MemberChange> stored = flushed.get(t);
    if (stored != null) {
      for (MemberChange c : stored) {
        changes.put(c.id, c);
      }
      flushed.remove(t);
    }
    Map<Long, Map<String, MemberChange>> windows = open.get(label);
    if (windows != null) {
      Map<String, MemberChange> w = windows.remove(t);
      if (w != null) {
        changes.putAll(w);
      }
      if (windows.isEmpty()) {
        open.remove(label);
      }
    }
    return changes;
  }

  /** Computes one class at window end t; returns its size after. */
  private int compute(long label, long t, long last, TreeMap<String, MemberChange> changes, boolean explain)
      throws Exception {
    long started = System.nanoTime();
    window.start(t);
    recomputes.inc();
    MemberTable table = table(label, last);
    ClassWindowStep.Outcome o = ClassWindowStep.run(label, t, table, changes, centroidsAt(t), config.fraction(),
        explain, id -> {
          byte[] r = members.get(id);
          return r == null ? null : MemberRecord.metadata(r);
        });
    for (Map.Entry<String, MemberChange> e : changes.entrySet()) {
      MemberChange c = e.getValue();
      if (c.kind == MemberChange.ADD || c.kind == MemberChange.REPLACE) {
        members.put(e.getKey(), MemberRecord.encode(c.metadata, c.values));
      } else {
        members.remove(e.getKey());
        selected.remove(e.getKey());
      }
    }
    for (MemberEvent ev : o.events()) {
      if (ev.kind == MemberEvent.JOINED) {
        selected.put(ev.id, Boolean.TRUE);
      } else if (ev.kind == MemberEvent.LEFT) {
        selected.remove(ev.id);
      }
      output.collect(new StreamRecord<>(ev, t));
    }
    eventsOut.inc(o.events().size());
    double millis = (System.nanoTime() - started) / 1e6;
    if (o.joined() + o.left() > 0) {
      output.collect(CLASSES, new StreamRecord<>(new ClassWindow(label, Instant.ofEpochMilli(t), o.members(), o.budget(),
          o.selected(), o.joined(), o.left(), o.aplShare(), millis, method.name()), t));
    }
    if (o.explained() != null) {
      for (MemberEvent ex : o.explained()) {
        output.collect(EXPLAIN, new StreamRecord<>(PublishMembership.record(ex, null, null, config.fmNames(),
            method.name()), t));
      }
    }
    output.collect(PROGRESS, new StreamRecord<>(ClassProgress.of(label, t, o.members(), o.selected()), t));
    ClassStats st = statsOf(label);
    st.members = o.members();
    st.selected = o.selected();
    st.budget = o.budget();
    st.labelNoiseRate = o.aplShare();
    st.churn = o.joined() + o.left();
    st.recomputeMillis = millis;
    table.computedAt = t;
    lastComputed.update(t);
    if (table.size() == 0) {
      tables.drop(label);
    } else {
      tables.keep(label, table, t - config.windowMs());
    }
    window.done(table.size(), System.nanoTime() - started, o.events().size());
    return table.size();
  }

  /** The class's members as of its last computation: the cached table, or one rebuilt from state. */
  private MemberTable table(long label, long last) throws Exception {
    MemberTable m = tables.get(label);
    if (m == null || m.computedAt != last) {
      m = new MemberTable(config.dims(), config.offsets(), last);
      TreeMap<String, MemberTable.Row> rows = new TreeMap<>(Ids.ORDER);
      for (Map.Entry<String, byte[]> e : members.entries()) {
        rows.put(e.getKey(), new MemberTable.Row(MemberRecord.values(e.getValue()), MemberChange.NONE));
      }
      m.apply(rows);
      for (String id : selected.keys()) {
        int row = m.indexOf(id);
        if (row >= 0) {
          m.setSelected(row, true);
        }
      }
      m.incremental = method.incremental();
      tables.loaded();
    }
    return m;
  }

  /** Every class's centroids as of window end t, one table per FM. */
  private Centroids[] centroidsAt(long t) throws Exception {
    if (centroidsCache != null && centroidsCacheAt == t) {
      return centroidsCache;
    }
    TreeMap<Long, double[]> sums = new TreeMap<>();
    TreeMap<Long, Long> counts = new TreeMap<>();
    for (Map.Entry<Long, CentroidHistory> e : centroids.immutableEntries()) {
      int v = e.getValue().at(t);
      if (v >= 0 && e.getValue().counts[v] > 0) {
        sums.put(e.getKey(), e.getValue().sums[v]);
        counts.put(e.getKey(), e.getValue().counts[v]);
      }
    }
    long[] labels = sums.keySet().stream().mapToLong(Long::longValue).toArray();
    int[] sizes = counts.values().stream().mapToInt(Long::intValue).toArray();
    Centroids[] out = perFm(labels, sizes, new ArrayList<>(sums.values()), config.dims(), config.offsets());
    centroidsCache = out;
    centroidsCacheAt = t;
    return out;
  }

  /**
   * One centroid table per FM from each class's sums over the concatenated embedding ({@code labels}
   * ascending, {@code sums} and {@code sizes} aligned with them).
   */
  static Centroids[] perFm(long[] labels, int[] sizes, List<double[]> sums, int[] dims, int[] offsets) {
    Centroids[] out = new Centroids[dims.length];
    for (int f = 0; f < out.length; f++) {
      double[][] s = new double[labels.length][];
      for (int c = 0; c < labels.length; c++) {
        s[c] = java.util.Arrays.copyOfRange(sums.get(c), offsets[f], offsets[f] + dims[f]);
      }
      out[f] = Centroids.fromSums(labels, sizes, s);
    }
    return out;
  }

  @Override
  public void onProcessingTime(InternalTimer<Long, VoidNamespace> timer) {}

  /** The open changes go into state before the barrier, so that the checkpoint holds them. */
  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    for (Map.Entry<Long, Map<Long, Map<String, MemberChange>>> c : open.entrySet()) {
      setCurrentKey(c.getKey());
      for (Map.Entry<Long, Map<String, MemberChange>> w : c.getValue().entrySet()) {
        List<MemberChange> all = new ArrayList<>();
        List<MemberChange> before = flushed.get(w.getKey());
        if (before != null) {
          all.addAll(before);
        }
        all.addAll(w.getValue().values());
        flushed.put(w.getKey(), all);
      }
    }
    open.clear();
  }
}
