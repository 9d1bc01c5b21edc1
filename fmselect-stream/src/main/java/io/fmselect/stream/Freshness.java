package io.fmselect.stream;

import io.fmselect.stream.window.ClassProgress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The job's freshness on the dashboard and in Prometheus, from one subtask (parallelism 1), so every
 * figure is the whole job's:
 *
 * <ul>
 *   <li>{@code publishedWindowEnd}: the latest window end whose subset is committed to the subset topic
 *       (the class-selection watermark as of the latest completed checkpoint, cut to the window grid);
 *   <li>{@code newestEventTime}: the newest event time the job has let through;
 *   <li>{@code eventTimeLag}: how far the published window trails it (ms, 0 when everything received is
 *       published);
 *   <li>{@code wallClockLag}: how far the published window trails the wall clock (ms; meaningful when
 *       event time is wall-clock time);
 *   <li>{@code members}, {@code selected}, {@code classes}: across all classes, as of each class's latest
 *       computation.
 * </ul>
 *
 * Input 1: every class's figures after each computation; input 2: the gate's newest event time. An
 * unknown figure reads NaN.
 */
final class Freshness extends AbstractStreamOperator<Void> implements TwoInputStreamOperator<ClassProgress, Long, Void> {
  private static final long serialVersionUID = 1L;
  private final long windowMs;

  private transient Map<Long, ClassProgress> classes;
  private transient ListState<ClassProgress> classesState;
  private transient ListState<Long> timesState;
  /** Per pending checkpoint, the window end it publishes. */
  private transient TreeMap<Long, Long> pending;
  private transient long watermark;
  private transient volatile long published;
  private transient volatile long newest;
  private transient volatile long members;
  private transient volatile long selected;
  private transient volatile long classCount;

  Freshness(long windowMs) {
    this.windowMs = windowMs;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    classesState = context.getOperatorStateStore()
        .getListState(new ListStateDescriptor<>("classes", StreamTypes.CLASS_PROGRESS));
    timesState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("times", Types.LONG));
    classes = new HashMap<>();
    pending = new TreeMap<>();
    watermark = Long.MIN_VALUE;
    published = Long.MIN_VALUE;
    newest = Long.MIN_VALUE;
    for (ClassProgress p : classesState.get()) {
      add(p);
    }
    List<Long> times = new ArrayList<>();
    timesState.get().forEach(times::add);
    if (times.size() == 2) {
      published = times.get(0);
      newest = times.get(1);
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    MetricGroup g = getMetricGroup();
    g.gauge("publishedWindowEnd", (Gauge<Double>) () -> time(published));
    g.gauge("newestEventTime", (Gauge<Double>) () -> time(newest));
    g.gauge("eventTimeLag", (Gauge<Double>) () -> published == Long.MIN_VALUE || newest == Long.MIN_VALUE
        ? Double.NaN : Math.max(0, newest - published));
    g.gauge("wallClockLag", (Gauge<Double>) () -> published == Long.MIN_VALUE
        ? Double.NaN : System.currentTimeMillis() - published);
    g.gauge("members", (Gauge<Long>) () -> members);
    g.gauge("selected", (Gauge<Long>) () -> selected);
    g.gauge("classes", (Gauge<Long>) () -> classCount);
  }

  private static double time(long t) {
    return t == Long.MIN_VALUE ? Double.NaN : t;
  }

  @Override
  public void processElement1(StreamRecord<ClassProgress> r) {
    add(r.getValue());
  }

  private void add(ClassProgress p) {
    ClassProgress before = p.members == 0 ? classes.remove(p.label) : classes.put(p.label, p);
    long m = members + p.members;
    long s = selected + p.selected;
    if (before != null) {
      m -= before.members;
      s -= before.selected;
    }
    members = m;
    selected = s;
    classCount = classes.size();
  }

  @Override
  public void processElement2(StreamRecord<Long> r) {
    newest = Math.max(newest, r.getValue());
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    watermark = Math.max(watermark, mark.getTimestamp());
    super.processWatermark(mark);
  }

  /** The window end that everything up to the current watermark publishes. */
  private long windowEndNow() {
    if (watermark == Long.MIN_VALUE) {
      return Long.MIN_VALUE;
    }
    if (watermark == Long.MAX_VALUE) { // the end of a bounded input: everything received is published
      return newest == Long.MIN_VALUE ? published : StreamConfig.windowEnd(newest, windowMs);
    }
    return Math.floorDiv(watermark, windowMs) * windowMs;
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    pending.put(context.getCheckpointId(), windowEndNow());
    classesState.update(new ArrayList<>(classes.values()));
    timesState.update(List.of(published, newest));
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    super.notifyCheckpointComplete(checkpointId);
    Map.Entry<Long, Long> done = pending.floorEntry(checkpointId);
    if (done != null) {
      published = Math.max(published, done.getValue());
      pending.headMap(checkpointId, true).clear();
    }
  }
}
