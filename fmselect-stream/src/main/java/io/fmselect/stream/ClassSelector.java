package io.fmselect.stream;

import io.fmselect.avro.ClassWindow;
import io.fmselect.avro.SubsetChange;
import io.fmselect.select.Centroids;
import io.fmselect.select.SelectionMethod;
import io.fmselect.stream.window.CentroidHistory;
import io.fmselect.stream.window.CentroidUpdate;
import io.fmselect.stream.window.ClassProgress;
import io.fmselect.stream.window.ClassWindowStep;
import io.fmselect.stream.window.Ids;
import io.fmselect.stream.window.MemberChange;
import io.fmselect.stream.window.MemberEvent;
import io.fmselect.stream.window.MemberTable;
import io.fmselect.stream.window.Metadata;
import io.fmselect.stream.window.NetChanges;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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
 * The class stage: keyed by class (input 1: member changes from the {@link MemberStore}, same key and subtask),
 * with every class's centroid sums and the published window ends broadcast to it from the {@link PublishClock}
 * (input 2). At every window end it computes (every-window mode: each with a change; latest mode: each the clock
 * announces) where the class or any centroid changed, it runs {@link ClassWindowStep} and sends the membership
 * events to the publisher. This operator only declares state, timers and metrics around that step.
 *
 * <p>Embeddings are not stored here: the member store holds the one stored copy and hands each change on with
 * its embedding. Each class's members are kept decoded on the heap ({@link MemberCache}, within a budget); a
 * table the budget cannot keep is spilled into this stage's state and read back (and dropped from state) at the
 * class's next computation. After a restore the member store sends every member again
 * ({@link MemberChange#PRESENT}) and the tables are rebuilt from that before any computation.
 *
 * <p>State per class: each member's metadata and whether it is selected (small values), the spilled tables,
 * the changes waiting when a checkpoint came (without embeddings), and when it last computed. A window's changes
 * arrive just before the watermark closes it and wait on the heap. Centroids arrive as versioned sums (one
 * version per class and window end), so a window's computation sees every class as of that window end however
 * the inputs interleave. Timers: one per window end with changes, and a wake-up at the next window end where
 * some centroid changed while the class has members.
 *
 * <p>Outputs: the membership events ({@link MemberEvent}, to {@link PublishMembership}); on side outputs
 * a {@link ClassWindow} per class whose subset changed, every member's figures at explain windows, and
 * every computed class's size and selection (for the job's freshness gauges).
 */
final class ClassSelector extends AbstractStreamOperator<MemberEvent>
    implements TwoInputStreamOperator<MemberChange, CentroidUpdate, MemberEvent>, Triggerable<Long, VoidNamespace> {
  private static final long serialVersionUID = 1L;

  static final MapStateDescriptor<Long, CentroidHistory> CENTROIDS =
      new MapStateDescriptor<>("centroids", Types.LONG, StreamTypes.CENTROID_HISTORY);
  /** The window ends announced for publishing (latest mode) that a deferred computation may still need. */
  static final MapStateDescriptor<Long, Boolean> PUBLISHED =
      new MapStateDescriptor<>("published-ends", Types.LONG, Types.BOOLEAN);
  /** Each class's size and selection after each of its computations (for the job's totals). */
  static final OutputTag<ClassProgress> PROGRESS = new OutputTag<>("class-progress", StreamTypes.CLASS_PROGRESS);
  /** One record per class whose subset changed at a window end. */
  static final OutputTag<ClassWindow> CLASSES = new OutputTag<>("class-windows", StreamTypes.CLASS_WINDOW);
  /** Every member's figures at explain windows. */
  static final OutputTag<SubsetChange> EXPLAIN = new OutputTag<>("explain", StreamTypes.SUBSET_CHANGE);

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClassSelector.class);

  private final StreamConfig config;
  private transient SelectionMethod method;
  private transient io.fmselect.select.PseudoLabeler.Stats labelerStats;
  private transient MapState<String, byte[]> metadata;
  private transient MapState<String, Boolean> selected;
  private transient MapState<String, byte[]> spilled;
  private transient ValueState<Long> lastComputed;
  private transient MapState<Long, byte[]> flushed;
  private transient BroadcastState<Long, CentroidHistory> centroids;
  private transient BroadcastState<Long, Boolean> published;
  private transient InternalTimerService<VoidNamespace> timers;
  /** Per class, the changes waiting for its next computation (with embeddings; in state without, if flushed). */
  private transient Map<Long, NetChanges> open;
  /** Per class, the window ends of {@link #open} written to state at a checkpoint. */
  private transient Map<Long, java.util.Set<Long>> inState;
  /** After a restore: the classes whose waiting changes in state are not yet on the heap. */
  private transient boolean restored;
  private transient java.util.Set<Long> reloaded;
  /** After a restore: the class whose members the member store is sending, and those received so far. */
  private transient long presentLabel;
  private transient TreeMap<String, byte[]> presentRows;
  /** Latest mode: the newest announced end pruned from {@link #published} (every end before is older). */
  private transient long prunedEnd;
  /** {@link #published}'s ends, ascending. */
  private transient java.util.TreeSet<Long> ends;
  private transient boolean latest;
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
    metadata = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("metadata", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    selected = getRuntimeContext().getMapState(new MapStateDescriptor<>("selected", Types.STRING, Types.BOOLEAN));
    spilled = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("spilled", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    lastComputed = getRuntimeContext().getState(new ValueStateDescriptor<>("last-computed", Types.LONG));
    flushed = getRuntimeContext().getMapState(new MapStateDescriptor<>("open-changes", Types.LONG,
        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    centroids = getOperatorStateBackend().getBroadcastState(CENTROIDS);
    published = getOperatorStateBackend().getBroadcastState(PUBLISHED);
    ends = new java.util.TreeSet<>();
    for (Map.Entry<Long, Boolean> e : published.entries()) {
      ends.add(e.getKey());
    }
    timers = getInternalTimerService("class-windows", VoidNamespaceSerializer.INSTANCE, this);
    open = new HashMap<>();
    inState = new HashMap<>();
    reloaded = new java.util.HashSet<>();
    presentLabel = MemberChange.NONE;
    latest = config.publish() == Publish.LATEST;
    prunedEnd = Long.MIN_VALUE;
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
    finishPresent();
    super.processWatermark(mark);
    if (latest) {
      prunePublished(timers.currentWatermark());
    }
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
    if (c.kind == MemberChange.PRESENT) {
      if (c.label != presentLabel) {
        finishPresent();
        presentLabel = c.label;
        presentRows = new TreeMap<>(Ids.ORDER);
      }
      presentRows.put(c.id, c.values);
      return;
    }
    finishPresent();
    if (open.computeIfAbsent(c.label, l -> new NetChanges()).add(c)) {
      timers.registerEventTimeTimer(VoidNamespace.INSTANCE, c.eventTime); // one per class and window: a RocksDB write
    }
  }

  @Override
  public void processElement2(StreamRecord<CentroidUpdate> r) throws Exception {
    CentroidUpdate u = r.getValue();
    if (u.publish) {
      published.put(u.windowEnd, Boolean.TRUE);
      ends.add(u.windowEnd);
      return;
    }
    CentroidHistory h = centroids.get(u.label);
    centroids.put(u.label, (h == null ? new CentroidHistory() : h).with(u, timers.currentWatermark()));
    centroidsCache = null;
  }

  @Override
  public void onEventTime(InternalTimer<Long, VoidNamespace> timer) throws Exception {
    long label = timer.getKey();
    long wm = timers.currentWatermark();
    long t = timer.getTimestamp();
    if (latest) { // the first announced end at or after the timer, once the watermark has reached it
      Long at = nextPublished(t);
      if (at == null || at > wm) {
        if (wm != Long.MAX_VALUE) { // no end announced so far can come before it: wait for the next watermark
          timers.registerEventTimeTimer(VoidNamespace.INSTANCE, wm + 1);
        }
        return;
      }
      t = at;
    }
    Long lastValue = lastComputed.value();
    long last = lastValue == null ? Long.MIN_VALUE : lastValue;
    if (t <= last) {
      return; // computed at that end already (its other timers up to it)
    }
    TreeMap<String, MemberChange> changes = takeChanges(label, t);
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
    boolean explain = explains(t);
    int size;
    if (!changes.isEmpty() || centroidsChanged || explain) {
      size = compute(label, t, last, changes, explain);
    } else {
      MemberTable cached = tables.get(label);
      size = cached != null && cached.computedAt == last ? cached.size() : metadata.isEmpty() ? 0 : 1;
    }
    // wake up at the next window end where something may change
    if (size == 0) {
      return;
    }
    if (nextChange != Long.MAX_VALUE && nextChange <= wm) {
      timers.registerEventTimeTimer(VoidNamespace.INSTANCE, nextChange); // known change, already final
    } else if (wm != Long.MAX_VALUE) {
      timers.registerEventTimeTimer(VoidNamespace.INSTANCE, Math.max(t + config.windowMs(), config.windowEnd(wm + 1)));
    }
  }

  /** Whether window end t explains every member: it is a multiple of the explain period, or (latest) passed one. */
  private boolean explains(long t) throws Exception {
    if (config.explainEvery() <= 0) {
      return false;
    }
    long period = config.explainEvery() * config.windowMs();
    if (!latest) {
      return Math.floorMod(t, period) == 0;
    }
    Long lower = ends.lower(t);
    long before = lower == null ? prunedEnd : lower;
    return before == Long.MIN_VALUE ? Math.floorMod(t, period) == 0 : Math.floorDiv(t, period) > Math.floorDiv(before, period);
  }

  /** The first announced window end at or after t, or null. */
  private Long nextPublished(long t) {
    return ends.ceiling(t);
  }

  /** After the timers up to the watermark fired: announced ends behind it are needed no more (latest mode). */
  private void prunePublished(long wm) throws Exception {
    while (!ends.isEmpty() && ends.first() <= wm) {
      long e = ends.pollFirst();
      published.remove(e);
      prunedEnd = Math.max(prunedEnd, e);
    }
  }

  /** The net changes of a class up to t, from the heap and from state (after a restore), by id. */
  private TreeMap<String, MemberChange> takeChanges(long label, long t) throws Exception {
    reloadWaiting(label, null);
    NetChanges waiting = open.get(label);
    if (waiting == null) {
      return new TreeMap<>(Ids.ORDER);
    }
    java.util.SortedMap<Long, Map<String, MemberChange>> taken = waiting.takeUpTo(t);
    if (waiting.isEmpty()) {
      open.remove(label);
    }
    java.util.Set<Long> written = inState.get(label);
    if (written != null) {
      for (long w : taken.keySet()) {
        if (written.remove(w)) {
          flushed.remove(w);
        }
      }
      if (written.isEmpty()) {
        inState.remove(label);
      }
    }
    TreeMap<String, MemberChange> net = NetChanges.net(taken);
    for (MemberChange c : net.values()) {
      if ((c.kind == MemberChange.ADD || c.kind == MemberChange.REPLACE) && c.values == null) {
        throw new IllegalStateException("class " + label + ": no embedding of member '" + c.id + "' after the restore");
      }
    }
    return net;
  }

  /**
   * After a restore, once per class: its changes waiting in state go back on the heap, with their embeddings from
   * the member store's rows ({@code rows}, null if it sent none for the class: then its table is the one spilled
   * at the checkpoint, and no waiting change of it adds a member that is still there).
   */
  private void reloadWaiting(long label, Map<String, byte[]> rows) throws Exception {
    if (!restored || !reloaded.add(label)) {
      return;
    }
    for (Map.Entry<Long, byte[]> e : flushed.entries()) {
      inState.computeIfAbsent(label, l -> new java.util.HashSet<>()).add(e.getKey());
      for (MemberChange c : NetChanges.decode(e.getValue())) {
        if ((c.kind == MemberChange.ADD || c.kind == MemberChange.REPLACE) && rows != null) {
          c.values = rows.get(c.id); // null if a later waiting change removed it again
        }
        open.computeIfAbsent(label, l -> new NetChanges()).add(c);
      }
    }
  }

  /**
   * After a restore: the member store has sent one class's members (as they stand with every waiting change
   * applied). Its table as of its last computation is rebuilt from them, undoing the waiting changes, and kept
   * (or spilled) like any other.
   */
  private void finishPresent() throws Exception {
    if (presentRows == null) {
      return;
    }
    long label = presentLabel;
    TreeMap<String, byte[]> rows = presentRows;
    presentRows = null;
    presentLabel = MemberChange.NONE;
    Object key = getCurrentKey();
    setCurrentKey(label);
    reloadWaiting(label, rows);
    spilled.clear(); // stale: the rows just sent are the truth
    NetChanges waiting = open.get(label);
    TreeMap<String, MemberChange> pending = waiting == null ? new TreeMap<>(Ids.ORDER)
        : waiting.net();
    byte[] placeholder = new byte[4 * config.totalDim()];
    TreeMap<String, MemberTable.Row> before = new TreeMap<>(Ids.ORDER);
    for (Map.Entry<String, byte[]> e : rows.entrySet()) {
      MemberChange c = pending.get(e.getKey());
      if (c == null || c.kind != MemberChange.ADD) {
        before.put(e.getKey(), new MemberTable.Row(e.getValue(), MemberChange.NONE));
      }
    }
    for (MemberChange c : pending.values()) {
      if (c.kind == MemberChange.REMOVE || c.kind == MemberChange.MOVE_OUT) { // left after the last computation
        before.put(c.id, new MemberTable.Row(placeholder, MemberChange.NONE));
      }
    }
    Long last = lastComputed.value();
    keep(label, tableOf(before, last == null ? Long.MIN_VALUE : last));
    if (key != null) {
      setCurrentKey(key);
    }
  }

  /** Computes one class at window end t; returns its size after. */
  private int compute(long label, long t, long last, TreeMap<String, MemberChange> changes, boolean explain)
      throws Exception {
    long started = System.nanoTime();
    window.start(t);
    recomputes.inc();
    MemberTable table = table(label, last);
    ClassWindowStep.Outcome o = ClassWindowStep.run(label, t, table, changes, centroidsAt(t), config.fraction(),
        explain, id -> Metadata.unstored(metadata.get(id)));
    for (Map.Entry<String, MemberChange> e : changes.entrySet()) {
      MemberChange c = e.getValue();
      if (c.kind == MemberChange.ADD || c.kind == MemberChange.REPLACE) {
        metadata.put(e.getKey(), Metadata.stored(c.metadata));
      } else {
        metadata.remove(e.getKey());
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
      keep(label, table);
    }
    window.done(table.size(), System.nanoTime() - started, o.events().size());
    return table.size();
  }

  /** Keeps a class's table on the heap; the tables the budget cannot keep are spilled into state. */
  private void keep(long label, MemberTable table) throws Exception {
    for (Map.Entry<Long, MemberTable> out : tables.keep(label, table, table.computedAt - config.windowMs()).entrySet()) {
      boolean other = out.getKey() != label;
      if (other) {
        setCurrentKey(out.getKey());
      }
      MemberTable m = out.getValue();
      for (int i = 0; i < m.size(); i++) {
        spilled.put(m.id(i), m.values(i));
      }
      if (other) {
        setCurrentKey(label);
      }
    }
  }

  /** The class's members as of its last computation: the cached table, or one read back from its spill. */
  private MemberTable table(long label, long last) throws Exception {
    MemberTable m = tables.get(label);
    if (m != null) {
      if (m.computedAt != last) {
        throw new IllegalStateException("class " + label + ": its table reflects window end " + m.computedAt
            + ", its state " + last);
      }
      return m;
    }
    TreeMap<String, MemberTable.Row> rows = new TreeMap<>(Ids.ORDER);
    for (Map.Entry<String, byte[]> e : spilled.entries()) {
      rows.put(e.getKey(), new MemberTable.Row(e.getValue(), MemberChange.NONE));
    }
    spilled.clear();
    tables.loaded();
    return tableOf(rows, last);
  }

  /** A table of these rows as of window end {@code last}, with the selection flags in state. */
  private MemberTable tableOf(TreeMap<String, MemberTable.Row> rows, long last) throws Exception {
    MemberTable m = new MemberTable(config.dims(), config.offsets(), last);
    m.apply(rows);
    for (String id : selected.keys()) {
      int row = m.indexOf(id);
      if (row >= 0) {
        m.setSelected(row, true);
      }
    }
    m.incremental = method.incremental();
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
    Centroids[] out = ClassWindowStep.centroidsPerFm(labels, sizes, new ArrayList<>(sums.values()), config.dims(),
        config.offsets());
    centroidsCache = out;
    centroidsCacheAt = t;
    return out;
  }

  @Override
  public void onProcessingTime(InternalTimer<Long, VoidNamespace> timer) {}

  @Override
  public void initializeState(org.apache.flink.runtime.state.StateInitializationContext context) throws Exception {
    super.initializeState(context);
    restored = context.isRestored();
  }

  /**
   * The waiting changes go into state before the barrier (without embeddings: after a restore the member store
   * sends them again), so that the checkpoint holds them; they stay on the heap for the computation.
   */
  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    finishPresent();
    for (Map.Entry<Long, NetChanges> c : open.entrySet()) {
      setCurrentKey(c.getKey());
      java.util.Set<Long> written = inState.computeIfAbsent(c.getKey(), l -> new java.util.HashSet<>());
      for (Map.Entry<Long, Map<String, MemberChange>> w : c.getValue().windows()) {
        flushed.put(w.getKey(), NetChanges.encode(w.getValue().values()));
        written.add(w.getKey());
      }
    }
  }
}
