package io.fmselect.stream;

import io.fmselect.avro.Rejected;
import io.fmselect.stream.window.Reasons;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Counts the records on their way to the rejects topic, so that each figure counts exactly what reaches it.
 * Run at parallelism 1: the counts are the job's, not a subtask's.
 *
 * <ul>
 *   <li>Metrics: {@code rejects.<reason>} per reason, {@code rejectsTotal}, and {@code rejectsPerSecond} (over
 *       the last 10 s).
 *   <li>The {@link RejectTally} (count, first id and detail per reason), checkpointed so that it survives a
 *       restore exactly, and registered as the accumulator {@value RejectTally#NAME}: a bounded {@code run}
 *       prints it when the job ends.
 *   <li>With a log interval (an unbounded run): the first reject of each reason at WARN at once (the console
 *       shows it); later rejects start a timer of one interval, after which each reason that had new rejects
 *       since its last line gets one line with its count. So count lines come at most once per interval, and
 *       none while no new rejects come. The timer runs on the operator's processing-time service, so a test
 *       harness drives it.
 * </ul>
 */
final class CountRejects extends AbstractStreamOperator<Rejected> implements OneInputStreamOperator<Rejected, Rejected> {
  private static final long serialVersionUID = 1L;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CountRejects.class);

  /** 0: no log lines. */
  private final long logIntervalMs;
  private transient MetricGroup group;
  private transient Map<String, Counter> counters;
  private transient Counter total;
  private transient RejectTally tally;
  private transient ListState<RejectCount> state;
  /** Per reason, the count its last line showed. */
  private transient Map<String, Long> logged;
  /** Whether a timer waits to write the next count lines. */
  private transient boolean timerSet;

  /** @param logIntervalMs the least time between two count lines; 0: log nothing (a bounded run reports at its end) */
  CountRejects(long logIntervalMs) {
    this.logIntervalMs = logIntervalMs;
    this.tally = new RejectTally();
    this.logged = new HashMap<>();
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    state = context.getOperatorStateStore()
        .getListState(new ListStateDescriptor<>("reject-counts", StreamTypes.REJECT_COUNT));
    tally = new RejectTally();
    logged = new HashMap<>();
    for (RejectCount c : state.get()) {
      tally.put(c.reason, c.figures());
      logged.put(c.reason, c.count); // its lines were written before the restore
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    register(getMetricGroup());
    getRuntimeContext().addAccumulator(RejectTally.NAME, tally);
  }

  /** Registers the counters and the rate in the operator's metric group. */
  void register(MetricGroup operator) {
    group = operator.addGroup("rejects");
    counters = new HashMap<>();
    for (String r : Reasons.ALL) {
      counters.put(r, group.counter(r));
    }
    total = operator.counter("rejectsTotal");
    operator.meter("rejectsPerSecond", new MeterView(total, 10));
    for (Map.Entry<String, RejectTally.Reason> e : tally.getLocalValue().entrySet()) {
      counters.computeIfAbsent(e.getKey(), group::counter).inc(e.getValue().count());
      total.inc(e.getValue().count());
    }
  }

  @Override
  public void processElement(StreamRecord<Rejected> r) {
    count(r.getValue());
    output.collect(r);
  }

  /** Counts one reject; logs it if it is the first of its reason, else makes sure its count will be logged. */
  void count(Rejected r) {
    counters.computeIfAbsent(r.getReason(), group::counter).inc();
    total.inc();
    boolean first = tally.count(r);
    if (logIntervalMs <= 0) {
      return;
    }
    if (first) {
      LOG.warn("rejected: {} (first {}): {}; later ones are counted here at most every {}", r.getReason(),
          r.getId() == null ? "without an id" : "id " + r.getId(), r.getDetail(), human(logIntervalMs));
      logged.put(r.getReason(), 1L);
    } else if (!timerSet) { // the count one interval after the first reject not yet in a line: lines an interval apart
      timerSet = true;
      getProcessingTimeService().registerTimer(getProcessingTimeService().getCurrentProcessingTime() + logIntervalMs,
          t -> logCounts());
    }
  }

  /** One line per reason with rejects since its last line. */
  private void logCounts() {
    timerSet = false;
    for (Map.Entry<String, RejectTally.Reason> e : tally.getLocalValue().entrySet()) {
      long n = e.getValue().count();
      long before = logged.getOrDefault(e.getKey(), 0L);
      if (n > before) {
        LOG.warn("rejected: {}: {} so far ({} since the last count)", e.getKey(), RejectTally.number(n), RejectTally.number(n - before));
        logged.put(e.getKey(), n);
      }
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    state.clear();
    for (Map.Entry<String, RejectTally.Reason> e : tally.getLocalValue().entrySet()) {
      state.add(RejectCount.of(e.getKey(), e.getValue()));
    }
  }

  /** The figures so far (for tests). */
  Map<String, RejectTally.Reason> figures() {
    return tally.getLocalValue();
  }


  private static String human(long ms) {
    Duration d = Duration.ofMillis(ms);
    return d.toSecondsPart() == 0 && d.toMillisPart() == 0 && d.toMinutes() > 0 ? d.toMinutes() + " min"
        : ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }
}
