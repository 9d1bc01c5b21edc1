package io.fmselect.stream;

import io.fmselect.avro.MembershipEvent;
import io.fmselect.avro.SubsetChange;
import io.fmselect.stream.window.MemberEvent;
import io.fmselect.stream.window.Metadata;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by sample id, in front of the subset topic: merges what the classes said about a sample at a
 * window end into exactly one membership record, and publishes a sample's records in window order.
 *
 * <p>A relabel involves two classes: the old one knows the sample was selected, the new one whether it
 * is. Both report here; once the watermark passes the window end (every class has reported), the pair
 * becomes RELABELED (selected in both), LEFT (selected before, not in the new class) or nothing. With
 * window ends folded (latest mode) a sample may also have moved on and been deleted since the last published
 * end: then only its old class reports it, and it LEFT. Going
 * through one subtask per id also keeps a sample's records in order in its Kafka partition, so the
 * topic's latest value per key is the sample's membership. {@code version} is the window end.
 */
final class PublishMembership extends KeyedProcessFunction<String, MemberEvent, SubsetChange> {
  private static final long serialVersionUID = 1L;
  private final List<String> fmNames;
  private final String method;
  private transient ListState<MemberEvent> pending;
  private transient Counter published;

  PublishMembership(StreamConfig config) {
    this.fmNames = config.fmNames();
    this.method = config.method();
  }

  @Override
  public void open(OpenContext openContext) {
    pending = getRuntimeContext().getListState(
        new ListStateDescriptor<>("events", StreamTypes.MEMBER_EVENT));
    published = getRuntimeContext().getMetricGroup().counter("membershipEvents");
  }

  @Override
  public void processElement(MemberEvent e, Context ctx, Collector<SubsetChange> out) throws Exception {
    pending.add(e);
    ctx.timerService().registerEventTimeTimer(e.windowEnd);
  }

  @Override
  public void onTimer(long w, OnTimerContext ctx, Collector<SubsetChange> out) throws Exception {
    List<MemberEvent> due = new ArrayList<>();
    List<MemberEvent> later = new ArrayList<>();
    for (MemberEvent e : pending.get()) {
      (e.windowEnd <= w ? due : later).add(e);
    }
    if (later.isEmpty()) {
      pending.clear();
    } else {
      pending.update(later);
    }
    SubsetChange c = merge(due);
    if (c != null) {
      out.collect(c);
      published.inc();
    }
  }

  /** One window's events of one sample as one record (null: no membership changed). */
  SubsetChange merge(List<MemberEvent> events) {
    MemberEvent out = null;
    MemberEvent in = null;
    for (MemberEvent e : events) {
      if (e.kind == MemberEvent.MOVED_OUT_SELECTED) {
        out = e;
      } else {
        in = e;
      }
    }
    if (in == null) { // a selected sample moved out, and no class reports it now: it left the data set since
      return out == null ? null : record(out, MembershipEvent.LEFT, null);
    }
    if (out == null) {
      return in.kind == MemberEvent.MOVED_IN_UNSELECTED ? null
          : record(in, in.kind == MemberEvent.JOINED ? MembershipEvent.JOINED : MembershipEvent.LEFT, null);
    }
    return in.kind == MemberEvent.JOINED ? record(in, MembershipEvent.RELABELED, out.label)
        : record(in, MembershipEvent.LEFT, out.label);
  }

  private SubsetChange record(MemberEvent e, MembershipEvent event, Long previous) {
    return record(e, event, previous, fmNames, method);
  }

  /** A SubsetChange of an event's figures (event null: an explanation). */
  static SubsetChange record(MemberEvent e, MembershipEvent event, Long previous, List<String> fmNames, String method) {
    Map<String, Long> pseudo = new HashMap<>();
    if (e.pseudoLabels != null) {
      for (int f = 0; f < fmNames.size(); f++) {
        pseudo.put(fmNames.get(f), e.pseudoLabels[f]);
      }
    }
    boolean selected = event == null ? e.kind == MemberEvent.JOINED : event != MembershipEvent.LEFT;
    // the all-fields constructor: the builder deep-copies defaults, a cost per record
    return new SubsetChange(e.id, e.label, selected, e.score, e.ram, e.apl, e.rank, pseudo, e.classSize, e.budget,
        method, Instant.ofEpochMilli(e.windowEnd), e.windowEnd, event, previous,
        new HashMap<>(Metadata.decode(e.metadata)));
  }
}
