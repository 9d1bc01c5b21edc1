package io.fmselect.stream;

import io.fmselect.select.ExactAccumulator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by class: the exact per-dimension sums of the class's embeddings ({@link ExactAccumulator},
 * so adds and removes in any order give the batch's centroid bit for bit). At every window end where
 * the class changed it publishes a {@link CentroidUpdate}, which is broadcast to every class.
 */
public final class ClassSums extends KeyedProcessFunction<Long, MemberChange, CentroidUpdate> {
  private static final long serialVersionUID = 1L;
  private final StreamConfig config;

  private transient ListState<MemberChange> pending;
  private transient ValueState<long[]> digits;
  private transient ValueState<Long> count;

  public ClassSums(StreamConfig config) {
    this.config = config;
  }

  @Override
  public void open(OpenContext openContext) {
    pending = getRuntimeContext().getListState(new ListStateDescriptor<>("pending", MemberChange.class));
    digits = getRuntimeContext().getState(new ValueStateDescriptor<>("digits", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
  }

  @Override
  public void processElement(MemberChange c, Context ctx, Collector<CentroidUpdate> out) throws Exception {
    pending.add(c);
    ctx.timerService().registerEventTimeTimer(config.windowEnd(c.eventTime));
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<CentroidUpdate> out) throws Exception {
    List<MemberChange> due = Pending.takeDue(pending, timestamp, c -> c.eventTime);
    if (due.isEmpty()) {
      return;
    }
    int dim = config.totalDim();
    long[] state = digits.value();
    Long n = count.value();
    ExactAccumulator acc = state == null ? new ExactAccumulator(dim) : ExactAccumulator.restore(dim, state, n);
    for (MemberChange c : due) {
      if (c.kind == MemberChange.ADD) {
        acc.addLittleEndian(c.values);
      } else {
        acc.removeLittleEndian(c.values);
      }
    }
    CentroidUpdate u = new CentroidUpdate();
    u.label = ctx.getCurrentKey();
    u.windowEnd = timestamp;
    u.count = acc.count();
    u.sums = acc.count() == 0 ? new double[dim] : acc.sums();
    out.collect(u);
    if (acc.count() == 0) {
      digits.clear();
      count.clear();
    } else {
      digits.update(acc.state());
      count.update(acc.count());
    }
  }
}
