package io.fmselect.stream;

import io.fmselect.avro.SubsetChange;
import io.fmselect.select.Centroids;
import io.fmselect.select.ClassMembers;
import io.fmselect.select.ClassSelection;
import io.fmselect.select.PseudoLabeler;
import io.fmselect.select.RamApl;
import io.fmselect.select.SelectionMethod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by class: holds the class's members and, at every window end where the class or any
 * centroid changed, runs the selection core on the class (its members plus every class's centroid
 * at that window end) and publishes the members whose membership or explanation changed.
 *
 * <p>Centroids arrive on the broadcast side as versioned sums (one version per class and window end),
 * so a window's computation always sees every class as of that window end, however the inputs
 * interleave. Timers: one per window end that has own changes, and a wake-up at the next window end
 * where some centroid changed while the class has members.
 */
public final class ClassSelector extends KeyedBroadcastProcessFunction<Long, MemberChange, CentroidUpdate, SubsetChange> {
  private static final long serialVersionUID = 1L;

  public static final MapStateDescriptor<Long, CentroidHistory> CENTROIDS =
      new MapStateDescriptor<>("centroids", Types.LONG, TypeInformation.of(CentroidHistory.class));

  /** Each class's size and selection after each of its computations (for the job's totals). */
  static final org.apache.flink.util.OutputTag<ClassProgress> PROGRESS =
      new org.apache.flink.util.OutputTag<>("class-progress", TypeInformation.of(ClassProgress.class));

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClassSelector.class);

  private final StreamConfig config;
  private transient SelectionMethod method;
  /** RAM-APL's pseudo-label work: rows computed, and rows whose earlier answer provably held. */
  private transient PseudoLabeler.Stats labelerStats;
  private transient MapState<String, byte[]> members;
  private transient MapState<String, EmittedState> emitted;
  private transient ListState<MemberChange> pending;
  private transient ValueState<Long> lastComputed;
  private transient Counter recomputes;
  private transient Counter changesOut;
  private transient Map<Long, ClassStats> stats;
  /** Per class, its members decoded as of its last computation (a cache of the state above). */
  private transient Map<Long, MemberTable> tables;
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

  public ClassSelector(StreamConfig config) {
    this.config = config;
  }

  @Override
  public void open(OpenContext openContext) {
    // once per JVM (TaskManager): C2 compiles the vector kernels before the first window needs them
    io.fmselect.select.Warmup.startOnce();
    labelerStats = new PseudoLabeler.Stats();
    method = config.createMethod(labelerStats);
    members = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("members", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    emitted = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("emitted", Types.STRING, TypeInformation.of(EmittedState.class)));
    pending = getRuntimeContext().getListState(new ListStateDescriptor<>("pending", MemberChange.class));
    lastComputed = getRuntimeContext().getState(new ValueStateDescriptor<>("last-computed", Types.LONG));
    recomputes = getRuntimeContext().getMetricGroup().counter("recomputes");
    changesOut = getRuntimeContext().getMetricGroup().counter("subsetChanges");
    getRuntimeContext().getMetricGroup().gauge("pseudoLabelsComputed", labelerStats::rows);
    getRuntimeContext().getMetricGroup().gauge("pseudoLabelsReused", labelerStats::skipped);
    stats = new HashMap<>();
    tables = new HashMap<>();
    window = new WindowLog();
  }

  @Override
  public void close() throws Exception {
    if (window != null) {
      window.log();
    }
    super.close();
  }

  /**
   * One subtask's work for one window end, logged (INFO) once the next window starts or the input
   * ends: classes recomputed, their members, the time taken, and the pseudo-label rows computed and
   * reused (RAM-APL).
   */
  private final class WindowLog {
    long windowEnd = Long.MIN_VALUE;
    long classes;
    long members;
    long nanos;
    long computedBefore;
    long reusedBefore;

    long publishNanos;

    void start(long t) {
      if (t != windowEnd) {
        log();
        windowEnd = t;
        computedBefore = labelerStats.rows();
        reusedBefore = labelerStats.skipped();
      }
    }

    void done(int size, long spent) {
      classes++;
      members += size;
      nanos += spent;
    }

    void log() {
      if (classes > 0) {
        LOG.info("{}: window end {}: recomputed {} classes ({} members) in {} ms (selection {} ms, publishing"
            + " changes {} ms); pseudo-labels computed for {} rows, reused for {}",
            getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks(), Instant.ofEpochMilli(windowEnd), classes,
            members, String.format("%.1f", nanos / 1e6), String.format("%.1f", (nanos - publishNanos) / 1e6),
            String.format("%.1f", publishNanos / 1e6), labelerStats.rows() - computedBefore,
            labelerStats.skipped() - reusedBefore);
      }
      classes = 0;
      members = 0;
      nanos = 0;
      publishNanos = 0;
    }
  }

  private ClassStats statsOf(long label) {
    return stats.computeIfAbsent(label, l -> {
      ClassStats st = new ClassStats();
      var g = getRuntimeContext().getMetricGroup().addGroup("class", Long.toString(l));
      g.gauge("members", () -> st.members);
      g.gauge("selected", () -> st.selected);
      g.gauge("budget", () -> st.budget);
      g.gauge("recomputeMillis", () -> st.recomputeMillis);
      g.gauge("labelNoiseRate", () -> st.labelNoiseRate);
      g.gauge("churn", () -> st.churn);
      return st;
    });
  }

  @Override
  public void processBroadcastElement(CentroidUpdate u, Context ctx, Collector<SubsetChange> out) throws Exception {
    CentroidHistory h = ctx.getBroadcastState(CENTROIDS).get(u.label);
    ctx.getBroadcastState(CENTROIDS).put(u.label, (h == null ? new CentroidHistory() : h).with(u, ctx.currentWatermark()));
    centroidsCache = null;
  }

  @Override
  public void processElement(MemberChange c, ReadOnlyContext ctx, Collector<SubsetChange> out) throws Exception {
    pending.add(c);
    ctx.timerService().registerEventTimeTimer(config.windowEnd(c.eventTime));
  }

  @Override
  public void onTimer(long t, OnTimerContext ctx, Collector<SubsetChange> out) throws Exception {
    long label = ctx.getCurrentKey();
    // 1. this window's changes, in event-time order: the last one per id wins
    List<MemberChange> due = Pending.takeDue(pending, t, c -> c.eventTime);
    Map<String, Integer> lastKind = new LinkedHashMap<>();
    TreeMap<String, byte[]> changes = new TreeMap<>(Ids.ORDER);
    for (MemberChange c : due) {
      lastKind.put(c.id, c.kind);
      changes.put(c.id, c.kind == MemberChange.ADD ? c.values : null);
    }
    ReadOnlyBroadcastState<Long, CentroidHistory> table = ctx.getBroadcastState(CENTROIDS);
    Long lastValue = lastComputed.value();
    long last = lastValue == null ? Long.MIN_VALUE : lastValue;
    boolean centroidsChanged = false;
    long nextChange = Long.MAX_VALUE;
    for (Map.Entry<Long, CentroidHistory> e : table.immutableEntries()) {
      centroidsChanged |= e.getValue().changedIn(last, t);
      for (long w : e.getValue().windowEnds) {
        if (w > t) {
          nextChange = Math.min(nextChange, w);
        }
      }
    }
    // 2. recompute if anything this class depends on changed
    if (!due.isEmpty() || centroidsChanged) {
      long started = System.nanoTime();
      window.start(t);
      MemberTable m = table(label, last);
      for (Map.Entry<String, byte[]> c : changes.entrySet()) {
        if (c.getValue() != null) {
          members.put(c.getKey(), c.getValue());
        } else {
          members.remove(c.getKey());
        }
      }
      m.apply(changes);
      recompute(label, t, lastKind, m, table, out);
      ctx.output(PROGRESS, ClassProgress.of(label, t, m.size(), (int) statsOf(label).selected));
      m.computedAt = t;
      lastComputed.update(t);
      if (m.size() == 0 || !config.cacheMembers()) {
        tables.remove(label);
      }
      window.done(m.size(), System.nanoTime() - started);
    }
    // 3. wake up at the next window end where something may change
    if (members.isEmpty()) {
      return;
    }
    long wm = ctx.timerService().currentWatermark();
    if (nextChange != Long.MAX_VALUE && nextChange <= wm) {
      ctx.timerService().registerEventTimeTimer(nextChange); // known change, already final
    } else if (wm == Long.MAX_VALUE) {
      return; // end of input: every change is known and none is left
    } else {
      ctx.timerService().registerEventTimeTimer(Math.max(t + config.windowMs(), config.windowEnd(wm + 1)));
    }
  }

  /** The class's members as of its last computation: the cached table, or one rebuilt from state. */
  private MemberTable table(long label, long last) throws Exception {
    MemberTable m = tables.get(label);
    if (m == null || m.computedAt != last) {
      m = MemberTable.load(config.dims(), config.offsets(), last, members.entries(), emitted::get);
      tables.put(label, m);
    }
    return m;
  }

  private void recompute(long label, long t, Map<String, Integer> lastKind, MemberTable m,
      ReadOnlyBroadcastState<Long, CentroidHistory> table, Collector<SubsetChange> out) throws Exception {
    long started = System.nanoTime();
    recomputes.inc();
    ClassStats st = statsOf(label);
    long churn = 0;
    for (Map.Entry<String, Integer> e : lastKind.entrySet()) {
      if (e.getValue() != MemberChange.ADD) {
        EmittedState prev = emitted.get(e.getKey());
        if (prev != null && prev.selected) {
          churn++; // a selected member left
        }
        emitted.remove(e.getKey());
        if (e.getValue() == MemberChange.REMOVE) {
          out.collect(removal(e.getKey(), label, t));
          changesOut.inc();
        }
      }
    }
    int n = m.size();
    if (n == 0) {
      st.members = 0;
      st.selected = 0;
      st.budget = 0;
      st.labelNoiseRate = 0;
      st.churn = churn;
      st.recomputeMillis = (System.nanoTime() - started) / 1e6;
      return;
    }
    Centroids[] centroids = centroidsAt(t, table);
    ClassMembers cm = m.members(label);
    ClassSelection sel;
    if (method instanceof RamApl ramApl) {
      RamApl.Incremental inc = ramApl.select(cm, centroids, config.fraction(), m.memos());
      sel = inc.selection();
      m.setMemos(inc.memos());
    } else {
      sel = method.select(cm, centroids, config.fraction());
    }
    int fms = config.dims().length;
    double aplSum = 0;
    long publishing = System.nanoTime();
    Instant windowEnd = Instant.ofEpochMilli(t);
    for (int i = 0; i < n; i++) {
      if (sel.hasRamApl()) {
        aplSum += sel.apl(i);
      }
      EmittedState now = new EmittedState();
      now.selected = sel.selected(i);
      now.score = sel.figure(i);
      now.ram = sel.hasRamApl() ? sel.ram(i) : Double.NaN;
      now.apl = sel.hasRamApl() ? sel.apl(i) : Double.NaN;
      now.rank = sel.rank(i);
      now.classSize = n;
      now.budget = sel.budget();
      EmittedState before = m.emitted(i);
      if (before == null ? now.selected : before.selected != now.selected) {
        churn++;
      }
      if (before != null && same(before, now)) {
        continue;
      }
      String id = m.id(i);
      emitted.put(id, now);
      m.setEmitted(i, now);
      Map<String, Long> pseudo = new HashMap<>();
      if (sel.hasRamApl()) {
        for (int f = 0; f < fms; f++) {
          pseudo.put(config.fmNames().get(f), sel.pseudoLabel(f, i));
        }
      }
      // the all-fields constructor: the builder deep-copies defaults, a cost per published change
      out.collect(new SubsetChange(id, label, now.selected, now.score, now.ram, now.apl, now.rank, pseudo, n,
          now.budget, method.name(), windowEnd, t));
      changesOut.inc();
    }
    window.publishNanos += System.nanoTime() - publishing;
    st.members = n;
    st.selected = sel.selectedCount();
    st.budget = sel.budget();
    st.labelNoiseRate = sel.hasRamApl() ? aplSum / n : Double.NaN;
    st.churn = churn;
    st.recomputeMillis = (System.nanoTime() - started) / 1e6;
  }

  private static boolean same(EmittedState a, EmittedState b) {
    return a.selected == b.selected && Double.compare(a.score, b.score) == 0 && Double.compare(a.ram, b.ram) == 0
        && Double.compare(a.apl, b.apl) == 0 && a.rank == b.rank && a.classSize == b.classSize
        && a.budget == b.budget;
  }

  private SubsetChange removal(String id, long label, long t) {
    return new SubsetChange(id, label, false, Double.NaN, Double.NaN, Double.NaN, -1, new HashMap<>(), 0, 0,
        method.name(), Instant.ofEpochMilli(t), t);
  }

  /** Every class's centroids as of window end t, one table per FM. */
  private Centroids[] centroidsAt(long t, ReadOnlyBroadcastState<Long, CentroidHistory> table) throws Exception {
    if (centroidsCache != null && centroidsCacheAt == t) {
      return centroidsCache;
    }
    TreeMap<Long, double[]> sums = new TreeMap<>();
    TreeMap<Long, Long> counts = new TreeMap<>();
    for (Map.Entry<Long, CentroidHistory> e : table.immutableEntries()) {
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
}
