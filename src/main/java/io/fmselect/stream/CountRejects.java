package io.fmselect.stream;

import io.fmselect.avro.Rejected;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;

/**
 * Counts the records on their way to the rejects topic, so that each counter counts exactly what
 * reaches it: {@code rejects.<reason>} per reason, and {@code rejectsPerSecond} (over the last 10 s).
 * Run at parallelism 1: the counts are the job's, not a subtask's.
 */
final class CountRejects extends RichMapFunction<Rejected, Rejected> {
  private static final long serialVersionUID = 1L;
  private transient MetricGroup group;
  private transient Map<String, Counter> counters;
  private transient Counter total;

  @Override
  public void open(OpenContext openContext) {
    register(getRuntimeContext().getMetricGroup());
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
  }

  @Override
  public Rejected map(Rejected r) {
    counters.computeIfAbsent(r.getReason(), group::counter).inc();
    total.inc();
    return r;
  }
}
