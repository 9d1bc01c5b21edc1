package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fmselect.avro.Rejected;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** Single operators driven by hand: outputs, rejects, and state and timers cleaned up afterwards. */
class OperatorHarnessTest {
  static StreamConfig config() {
    Configuration c = new Configuration();
    c.set(StreamOptions.FMS, List.of("a=2"));
    c.set(StreamOptions.WINDOW, java.time.Duration.ofMillis(100));
    return StreamConfig.from(c);
  }

  static SampleEvent upsert(String id, long label, long t, float... v) {
    SampleEvent e = new SampleEvent();
    e.id = id;
    e.label = label;
    e.hasLabel = true;
    e.eventTime = t;
    e.values = bytes(v);
    return e;
  }

  /** Embeddings as the job carries them: little-endian float32. */
  static byte[] bytes(float... v) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return b.array();
  }

  static SampleEvent delete(String id, long t) {
    SampleEvent e = new SampleEvent();
    e.id = id;
    e.delete = true;
    e.eventTime = t;
    e.raw = new byte[] {9};
    return e;
  }

  @Test
  void validateRejectsLateEventsAndFlaggedRecords() throws Exception {
    OneInputStreamOperatorTestHarness<SampleEvent, SampleEvent> h =
        ProcessFunctionTestHarnesses.forProcessFunction(new ValidateSamples());
    h.processWatermark(1000);
    h.processElement(upsert("late", 1, 1000, 1, 2), 1000);
    h.processElement(upsert("ok", 1, 1001, 1, 2), 1001);
    SampleEvent bad = upsert("bad", 1, 2000, 1, 2);
    bad.reason = Reasons.DIMENSION_MISMATCH;
    bad.raw = new byte[] {1};
    h.processElement(bad, 2000);
    assertEquals(List.of("ok"), h.extractOutputValues().stream().map(e -> e.id).collect(Collectors.toList()));
    List<String> reasons = h.getSideOutput(ValidateSamples.REJECTS).stream().map(r -> r.getValue().getReason())
        .collect(Collectors.toList());
    assertEquals(List.of(Reasons.LATE, Reasons.DIMENSION_MISMATCH), reasons);
    h.close();
  }

  @Test
  void sampleChangesAppliesInEventTimeOrderAndCleansUp() throws Exception {
    KeyedOneInputStreamOperatorTestHarness<String, SampleEvent, MemberChange> h =
        ProcessFunctionTestHarnesses.forKeyedProcessFunction(new SampleChanges(), e -> e.id, Types.STRING);
    // arrive out of order; apply as 10 (add to 1), 20 (replay), 30 (relabel to 2), 40 (delete)
    h.processElement(upsert("a", 2, 30, 1, 2), 30);
    h.processElement(upsert("a", 1, 10, 1, 2), 10);
    h.processElement(delete("a", 40), 40);
    h.processElement(upsert("a", 1, 20, 1, 2), 20);
    h.processElement(delete("b", 50), 50);
    h.processWatermark(100);
    List<String> got = h.extractOutputValues().stream()
        .map(c -> c.kind + ":" + c.label + "@" + c.eventTime).collect(Collectors.toList());
    assertEquals(List.of("0:1@10", "2:1@30", "0:2@30", "1:2@40"), got);
    List<StreamRecord<Rejected>> rejects = List.copyOf(h.getSideOutput(ValidateSamples.REJECTS));
    assertEquals(1, rejects.size());
    assertEquals(Reasons.UNKNOWN_DELETE, rejects.get(0).getValue().getReason());
    assertEquals(0, h.numEventTimeTimers(), "no timer left");
    assertEquals(0, h.numKeyedStateEntries(), "no state left for deleted ids");
    h.close();
  }

  @Test
  void classSumsPublishesExactSumsAndForgetsAnEmptyClass() throws Exception {
    StreamConfig config = config();
    KeyedOneInputStreamOperatorTestHarness<Long, MemberChange, CentroidUpdate> h =
        ProcessFunctionTestHarnesses.forKeyedProcessFunction(new ClassSums(config), c -> c.label, Types.LONG);
    h.processElement(MemberChange.of(7, "x", 10, MemberChange.ADD, bytes(1, 2)), 10);
    h.processElement(MemberChange.of(7, "y", 20, MemberChange.ADD, bytes(0.1f, 4)), 20);
    h.processElement(MemberChange.of(7, "x", 150, MemberChange.REMOVE, bytes(1, 2)), 150);
    h.processWatermark(100);
    List<CentroidUpdate> first = h.extractOutputValues();
    assertEquals(1, first.size());
    assertEquals(100, first.get(0).windowEnd);
    assertEquals(2, first.get(0).count);
    assertArrayEquals(new double[] {1.0 + (double) 0.1f, 6}, first.get(0).sums, 0.0);
    h.processElement(MemberChange.of(7, "y", 160, MemberChange.REMOVE, bytes(0.1f, 4)), 160);
    h.processWatermark(200);
    List<CentroidUpdate> all = h.extractOutputValues();
    assertEquals(2, all.size());
    assertEquals(0, all.get(1).count);
    assertEquals(0, h.numEventTimeTimers());
    assertEquals(0, h.numKeyedStateEntries(), "an empty class keeps no state");
    h.close();
  }

}
