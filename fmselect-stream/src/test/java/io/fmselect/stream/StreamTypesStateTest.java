package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/**
 * Every {@link StreamTypes} type kept in RocksDB keyed state, snapshotted, and restored into a new operator instance:
 * Flink stores the serializer snapshot with the state and re-creates the codec from it on restore.
 */
class StreamTypesStateTest {
  /** Keeps every record in list state; a processing-time timer (restored with the state) emits them all. */
  static final class Keep<T> extends KeyedProcessFunction<Integer, T, T> {
    private static final long serialVersionUID = 1L;
    private final TypeInformation<T> type;
    private transient ListState<T> kept;

    Keep(TypeInformation<T> type) {
      this.type = type;
    }

    @Override
    public void open(OpenContext context) {
      kept = getRuntimeContext().getListState(new ListStateDescriptor<>("kept", type));
    }

    @Override
    public void processElement(T value, Context ctx, Collector<T> out) throws Exception {
      kept.add(value);
      ctx.timerService().registerProcessingTimeTimer(100);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<T> out) throws Exception {
      for (T v : kept.get()) {
        out.collect(v);
      }
    }
  }

  static <T> KeyedOneInputStreamOperatorTestHarness<Integer, T, T> harness(TypeInformation<T> type) throws Exception {
    var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new Keep<>(type)), x -> 0, Types.INT);
    h.setStateBackend(new EmbeddedRocksDBStateBackend());
    return h;
  }

  @Test
  void everyTypeSurvivesASnapshotAndRestoreOfRocksDbState() throws Exception {
    for (RecordSamples.Case<?> c : RecordSamples.all()) {
      check(c);
    }
  }

  private static <T> void check(RecordSamples.Case<T> c) throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(c.type())) {
      h.open();
      for (T s : c.samples()) {
        h.processElement(s, 1);
      }
      snapshot = h.snapshot(1, 1);
    }
    try (var h = harness(c.type())) {
      h.initializeState(snapshot);
      h.open();
      h.setProcessingTime(100);
      List<T> got = new ArrayList<>(h.extractOutputValues());
      assertEquals(c.samples().size(), got.size(), c.name());
      for (int i = 0; i < got.size(); i++) { // list state keeps the order
        assertTrue(RecordSamples.same(c.samples().get(i), got.get(i)), c.name() + " #" + i + " differs after restore");
      }
    }
  }
}
