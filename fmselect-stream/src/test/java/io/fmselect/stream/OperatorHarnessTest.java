package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.Rejected;
import io.fmselect.stream.window.CentroidUpdate;
import io.fmselect.stream.window.MemberChange;
import io.fmselect.stream.window.MemberEvent;
import io.fmselect.stream.window.Reasons;
import io.fmselect.stream.window.SampleEvent;
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
  void validatePassesGoodRecordsAndRejectsFlaggedOnesWithTheirId() throws Exception {
    OneInputStreamOperatorTestHarness<SampleEvent, SampleEvent> h =
        ProcessFunctionTestHarnesses.forProcessFunction(new ValidateSamples());
    h.processWatermark(1000);
    h.processElement(upsert("old", 1, 10, 1, 2), 10); // lateness is the gate's call, not this stage's
    h.processElement(upsert("ok", 1, 1001, 1, 2), 1001);
    SampleEvent bad = upsert("bad", 1, 2000, 1, 2);
    bad.reason = Reasons.DIMENSION_MISMATCH;
    bad.raw = new byte[] {1};
    h.processElement(bad, 2000);
    SampleEvent garbage = new SampleEvent();
    garbage.reason = Reasons.UNDECODABLE;
    garbage.raw = new byte[] {1, 2, 3};
    h.processElement(garbage, 2000);
    assertEquals(List.of("old", "ok"), h.extractOutputValues().stream().map(e -> e.id).collect(Collectors.toList()));
    List<Rejected> rejects = h.getSideOutput(ValidateSamples.REJECTS).stream().map(StreamRecord::getValue)
        .collect(Collectors.toList());
    assertEquals(List.of(Reasons.DIMENSION_MISMATCH, Reasons.UNDECODABLE),
        rejects.stream().map(Rejected::getReason).collect(Collectors.toList()));
    assertEquals("bad", rejects.get(0).getId(), "the id, where known, for the topic's key");
    assertEquals(null, rejects.get(1).getId());
    assertEquals(3, rejects.get(1).getRaw().remaining(), "raw bytes kept");
    h.close();
  }

  static KeyedOneInputStreamOperatorTestHarness<String, SampleEvent, MemberChange> gate() throws Exception {
    return new KeyedOneInputStreamOperatorTestHarness<>(new EventTimeGate(100), e -> e.id, Types.STRING);
  }

  @Test
  void theGateRejectsWhatFallsInAClosedWindowWithRawBytesAndId() throws Exception {
    try (var h = gate()) {
      h.open();
      h.processWatermark(1050); // windows of 100 ms: the one ending at 1000 is closed, the one ending at 1100 open
      SampleEvent late = upsert("late", 1, 1000, 1, 2);
      late.raw = new byte[] {7, 7};
      late.topic = "samples";
      late.offset = 42;
      h.processElement(late, 1000);
      SampleEvent behind = upsert("behind", 1, 1020, 1, 2); // behind the watermark, in an open window: taken
      h.processElement(behind, 1020);
      SampleEvent ok = upsert("ok", 1, 1101, 1, 2);
      ok.raw = new byte[] {8};
      h.processElement(ok, 1101);
      h.processWatermark(2000);
      assertEquals(List.of("behind", "ok"), h.extractOutputValues().stream().map(c -> c.id).collect(Collectors.toList()));
      List<Rejected> rejects = h.getSideOutput(ValidateSamples.REJECTS).stream().map(StreamRecord::getValue)
          .collect(Collectors.toList());
      assertEquals(1, rejects.size());
      Rejected r = rejects.get(0);
      assertEquals(Reasons.LATE, r.getReason());
      assertEquals("late", r.getId());
      assertEquals(2, r.getRaw().remaining(), "the record's bytes go to rejects");
      assertEquals(42, r.getSourceOffset());
      assertEquals("event time 1970-01-01T00:00:01Z: its window (ending 1970-01-01T00:00:01Z) was closed by the"
          + " watermark 1970-01-01T00:00:01.050Z", r.getDetail());
    }
  }

  @Test
  void theGateNeverPassesIdlenessOnAndKeepsItsWatermarkAcrossARestore() throws Exception {
    org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
    try (var h = gate()) {
      h.open();
      h.processWatermark(5000);
      h.processWatermarkStatus(org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus.IDLE);
      assertTrue(h.getOutput().stream()
          .noneMatch(o -> o instanceof org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus),
          "downstream of the gate nothing is ever idle");
      h.processElement(upsert("pending", 1, 7000, 1, 2), 7000);
      snapshot = h.snapshot(1, 1);
    }
    try (var h = gate()) {
      h.initializeState(snapshot);
      h.open();
      // Flink restarts watermarks at the beginning of time; the gate does not forget its own
      h.processElement(upsert("behind", 1, 4000, 1, 2), 4000);
      h.processElement(upsert("ahead", 1, 6000, 1, 2), 6000);
      h.processWatermark(8000);
      assertEquals(List.of(Reasons.LATE), h.getSideOutput(ValidateSamples.REJECTS).stream()
          .map(r -> r.getValue().getReason()).collect(Collectors.toList()));
      assertEquals(List.of("ahead@6000", "pending@7000"), h.extractOutputValues().stream()
          .map(c -> c.id + "@" + c.eventTime).collect(Collectors.toList()), "changes go out at their window end");
    }
  }

  /** A metric group that keeps its counters by full name ("rejects.late"). */
  static final class Counters extends org.apache.flink.metrics.groups.UnregisteredMetricsGroup {
    final java.util.Map<String, org.apache.flink.metrics.Counter> byName;
    final String prefix;

    Counters() {
      this(new java.util.TreeMap<>(), "");
    }

    private Counters(java.util.Map<String, org.apache.flink.metrics.Counter> byName, String prefix) {
      this.byName = byName;
      this.prefix = prefix;
    }

    @Override
    public org.apache.flink.metrics.Counter counter(String name) {
      return counter(name, new org.apache.flink.metrics.SimpleCounter());
    }

    @Override
    public <C extends org.apache.flink.metrics.Counter> C counter(String name, C counter) {
      byName.put(prefix + name, counter);
      return counter;
    }

    @Override
    public org.apache.flink.metrics.MetricGroup addGroup(String name) {
      return new Counters(byName, prefix + name + ".");
    }

    long count(String name) {
      return byName.get(name).getCount();
    }
  }

  /** The records-read accumulator (with the rejects' tally it gives the samples accepted) survives a restore. */
  @Test
  void validateCountsTheRecordsItReadsAcrossARestore() throws Exception {
    org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
    try (var h = ProcessFunctionTestHarnesses.forProcessFunction(new ValidateSamples())) {
      h.processElement(upsert("a", 1, 10, 1, 2), 10);
      SampleEvent bad = upsert("b", 1, 20, 1, 2);
      bad.reason = Reasons.NON_FINITE;
      h.processElement(bad, 20);
      snapshot = h.snapshot(1, 1);
      h.processElement(upsert("c", 1, 30, 1, 2), 30); // after the checkpoint: read again after the restore
      assertEquals(3L, records(h));
    }
    try (var h = new OneInputStreamOperatorTestHarness<>(
        new org.apache.flink.streaming.api.operators.ProcessOperator<>(new ValidateSamples()))) {
      h.initializeState(snapshot);
      h.open();
      assertEquals(2L, records(h), "as of the checkpoint");
      h.processElement(upsert("c", 1, 30, 1, 2), 30);
      assertEquals(3L, records(h), "each record once");
    }
  }

  /**
   * With a source to read them back from, an accepted upsert goes on without its raw bytes (the rejects stage
   * restores them for a late one: EventTimeITCase); a DELETE keeps them, and a rejected record has them.
   */
  @Test
  void validateDropsTheRawBytesOfAcceptedUpsertsOnly() throws Exception {
    try (var h = ProcessFunctionTestHarnesses.forProcessFunction(new ValidateSamples(0, 0, true))) {
      SampleEvent up = upsert("a", 1, 10, 1, 2);
      up.raw = new byte[] {1, 2, 3};
      h.processElement(up, 10);
      h.processElement(delete("b", 20), 20);
      SampleEvent bad = upsert("c", 1, 30, 1, 2);
      bad.raw = new byte[] {4, 5};
      bad.reason = Reasons.NON_FINITE;
      h.processElement(bad, 30);
      List<SampleEvent> out = h.extractOutputValues();
      assertEquals(List.of("a", "b"), out.stream().map(e -> e.id).toList());
      assertEquals(null, out.get(0).raw, "an accepted upsert travels without them");
      assertArrayEquals(new byte[] {9}, out.get(1).raw, "a DELETE keeps them");
      assertEquals(2, h.getSideOutput(ValidateSamples.REJECTS).poll().getValue().getRaw().remaining());
    }
  }

  private static Object records(OneInputStreamOperatorTestHarness<?, ?> h) {
    return h.getEnvironment().getAccumulatorRegistry().getUserMap().get(ValidateSamples.RECORDS).getLocalValue();
  }

  @Test
  void rejectsAreCountedPerReasonAsTheyReachTheTopic() {
    CountRejects count = new CountRejects(0);
    Counters metrics = new Counters();
    count.register(metrics);
    for (String reason : Reasons.ALL) {
      assertEquals(0, metrics.count("rejects." + reason), "every reason is on the dashboard from the start");
    }
    for (String reason : Reasons.ALL) {
      count.count(rejected(reason));
    }
    count.count(rejected(Reasons.UNKNOWN_DELETE));
    count.count(rejected("some-new-reason"));
    for (String reason : Reasons.ALL) {
      assertEquals(reason.equals(Reasons.UNKNOWN_DELETE) ? 2 : 1, metrics.count("rejects." + reason), reason);
    }
    assertEquals(1, metrics.count("rejects.some-new-reason"));
    assertEquals(Reasons.ALL.size() + 2, metrics.count("rejectsTotal"));
  }

  static Rejected rejected(String reason) {
    return Rejected.newBuilder().setReason(reason).setRaw(java.nio.ByteBuffer.wrap(new byte[0])).setSourceTopic("t")
        .setSourcePartition(0).setSourceOffset(0).setTime(java.time.Instant.EPOCH).build();
  }

  static String change(MemberChange c) {
    String k = switch (c.kind) {
      case MemberChange.ADD -> "add";
      case MemberChange.REMOVE -> "remove";
      case MemberChange.MOVE_OUT -> "move-out";
      default -> "replace";
    };
    return k + ":" + c.id + ":" + c.label + "@" + c.eventTime + (c.otherLabel == MemberChange.NONE ? "" : ">" + c.otherLabel);
  }

  @Test
  void sampleChangesGivesOneNetChangePerWindowAndCleansUp() throws Exception {
    try (var h = gate()) {
      h.open();
      // window 100: arrive out of order; apply as 10 (add to 1), 20 (replay), 30 (relabel to 2): net add to 2
      h.processElement(upsert("a", 2, 30, 1, 2), 30);
      h.processElement(upsert("a", 1, 10, 1, 2), 10);
      h.processElement(upsert("a", 1, 20, 1, 2), 20);
      // window 200: a delete; window 300: b deleted before it exists, then added
      h.processElement(delete("a", 140), 140);
      h.processElement(delete("b", 250), 250);
      h.processElement(upsert("b", 5, 260, 3, 4), 260);
      // window 400: c added and deleted within the window: nothing goes out
      h.processElement(upsert("c", 1, 310, 1, 1), 310);
      h.processElement(delete("c", 320), 320);
      // window 500: d added; window 600: d relabeled, window 700: a new embedding
      h.processElement(upsert("d", 1, 410, 1, 1), 410);
      h.processElement(upsert("d", 2, 510, 1, 1), 510);
      h.processElement(upsert("d", 2, 610, 7, 7), 610);
      h.processWatermark(1000);
      assertEquals(List.of("add:a:2@100", "remove:a:2@200", "add:b:5@300", "add:d:1@500", "move-out:d:1@600>2",
          "add:d:2@600>1", "replace:d:2@700"), h.extractOutputValues().stream().map(OperatorHarnessTest::change)
          .collect(Collectors.toList()));
      List<Rejected> rejects = h.getSideOutput(ValidateSamples.REJECTS).stream().map(StreamRecord::getValue)
          .collect(Collectors.toList());
      assertEquals(List.of(Reasons.UNKNOWN_DELETE), rejects.stream().map(Rejected::getReason).collect(Collectors.toList()));
      assertEquals("b", rejects.get(0).getId());
      assertEquals(1, rejects.get(0).getRaw().remaining(), "a delete keeps its bytes for its reject");
      assertEquals(0, h.numEventTimeTimers(), "no timer left");
      assertEquals(2, h.numKeyedStateEntries(), "one entry per live sample (b, d), none for deleted ones");
    }
  }

  @Test
  void recordsWaitingAtACheckpointAreAppliedAfterARestoreInEventTimeOrder() throws Exception {
    org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
    try (var h = gate()) {
      h.open();
      h.processElement(upsert("a", 1, 10, 1, 2), 10);
      h.processWatermark(100); // window 100 closes: a joins class 1 (its sample written to state)
      h.processElement(upsert("a", 3, 150, 5, 6), 150); // window 200, waiting on the heap ...
      h.processElement(upsert("b", 2, 160, 1, 1), 160);
      snapshot = h.snapshot(1, 1); // ... written to state by the checkpoint, one timer per id and window
      assertEquals(2, h.numEventTimeTimers());
    }
    try (var h = gate()) {
      h.initializeState(snapshot);
      h.open();
      // a record of the same id and window after the restore, earlier in event time: it applies first
      h.processElement(upsert("a", 4, 120, 7, 8), 120);
      h.processElement(upsert("c", 4, 130, 1, 1), 130);
      h.processWatermark(200);
      assertEquals(List.of("move-out:a:1@200>3", "add:a:3@200>1", "add:c:4@200", "add:b:2@200"),
          h.extractOutputValues().stream().map(OperatorHarnessTest::change).collect(Collectors.toList()),
          "a: 120 (class 4) then 150 (class 3); b from state alone, by its timer");
      assertEquals(0, h.numEventTimeTimers(), "no timer left");
      assertEquals(3, h.numKeyedStateEntries(), "one entry per live sample, none waiting");
    }
  }

  static KeyedOneInputStreamOperatorTestHarness<Long, MemberChange, MemberChange> store(StreamConfig config)
      throws Exception {
    return new KeyedOneInputStreamOperatorTestHarness<>(new MemberStore(config), c -> c.label, Types.LONG);
  }

  static List<CentroidUpdate> sums(KeyedOneInputStreamOperatorTestHarness<Long, MemberChange, MemberChange> h) {
    var out = h.getSideOutput(MemberStore.SUMS);
    return out == null ? List.of() : out.stream().map(StreamRecord::getValue).collect(Collectors.toList());
  }

  @Test
  void memberStoreKeepsEachEmbeddingOnceAndPublishesExactSums() throws Exception {
    StreamConfig config = config();
    try (var h = store(config)) {
      h.open();
      h.processElement(MemberChange.of(7, "x", 100, MemberChange.ADD, bytes(1, 2)), 100);
      h.processElement(MemberChange.of(7, "y", 100, MemberChange.ADD, bytes(0.1f, 4)), 100);
      h.processElement(MemberChange.of(7, "x", 200, MemberChange.REMOVE, null), 200); // its embedding is read back
      h.processWatermark(100);
      List<CentroidUpdate> first = sums(h);
      assertEquals(1, first.size());
      assertEquals(100, first.get(0).windowEnd);
      assertEquals(2, first.get(0).count);
      assertArrayEquals(new double[] {1.0 + (double) 0.1f, 6}, first.get(0).sums, 0.0);
      h.processElement(MemberChange.of(7, "y", 200, MemberChange.REPLACE, bytes(3, 3)), 200); // the old one from state
      h.processWatermark(200);
      assertArrayEquals(new double[] {3, 3}, sums(h).get(1).sums, 0.0);
      assertEquals(4, h.extractOutputValues().size(), "every change goes on to the class stage");
      assertEquals(null, h.extractOutputValues().get(2).values, "a removal goes on without an embedding");
      h.processElement(MemberChange.of(7, "y", 300, MemberChange.MOVE_OUT, null), 300);
      h.processWatermark(300);
      List<CentroidUpdate> all = sums(h);
      assertEquals(3, all.size());
      assertEquals(0, all.get(2).count);
      assertEquals(0, h.numEventTimeTimers());
      assertEquals(0, h.numKeyedStateEntries(), "an empty class keeps no state");
    }
  }

  @Test
  void memberStoreKeepsAWindowOpenAcrossACheckpointAndSendsItsMembersAfterARestore() throws Exception {
    StreamConfig config = config();
    org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
    try (var h = store(config)) {
      h.open();
      h.processElement(MemberChange.of(7, "w", 0, MemberChange.ADD, bytes(10, 20)), 0);
      h.processWatermark(0); // a closed window: its total lives on the heap until the barrier
      h.processElement(MemberChange.of(7, "x", 100, MemberChange.ADD, bytes(1, 2)), 100);
      h.processElement(MemberChange.of(9, "z", 100, MemberChange.ADD, bytes(5, 5)), 100);
      h.prepareSnapshotPreBarrier(1);
      snapshot = h.snapshot(1, 1);
    }
    try (var h = store(config)) {
      h.initializeState(snapshot);
      h.open();
      h.processElement(MemberChange.of(7, "y", 100, MemberChange.ADD, bytes(2, 2)), 100);
      h.processWatermark(100);
      List<MemberChange> out = h.extractOutputValues();
      assertEquals(List.of("7:w", "7:x", "9:z"), out.subList(0, 3).stream().map(c -> c.label + ":" + c.id).sorted().toList(),
          "every stored member first, class by class");
      assertTrue(out.subList(0, 3).stream().allMatch(c -> c.kind == MemberChange.PRESENT && c.values != null));
      assertEquals("y", out.get(3).id, "then the changes");
      List<CentroidUpdate> s = sums(h).stream().filter(u -> u.label == 7).toList();
      assertArrayEquals(new double[] {13, 24}, s.get(0).sums, 0.0,
          "the total and the delta flushed before the barrier, and the delta after it");
      assertEquals(3, s.get(0).count);
    }
    // the first change after a restore reads its own class's embedding, whichever class was sent last
    for (String[] first : new String[][] {{"7", "w"}, {"9", "z"}}) {
      try (var h = store(config)) {
        h.initializeState(snapshot);
        h.open();
        h.processElement(MemberChange.of(Long.parseLong(first[0]), first[1], 200, MemberChange.REMOVE, null), 200);
        h.processWatermark(200);
        CentroidUpdate u = sums(h).stream().filter(c -> c.label == Long.parseLong(first[0]) && c.windowEnd == 200)
            .findFirst().orElseThrow();
        assertEquals(first[0].equals("7") ? 1 : 0, u.count, "class " + first[0] + " lost one member");
        assertArrayEquals(first[0].equals("7") ? new double[] {1, 2} : new double[] {0, 0}, u.sums, 0.0);
      }
    }
  }

  static MemberEvent ev(String id, long label, long w, int kind, long other) {
    MemberEvent e = new MemberEvent();
    e.id = id;
    e.label = label;
    e.windowEnd = w;
    e.kind = kind;
    e.otherLabel = other;
    e.classSize = 10;
    return e;
  }

  @Test
  void thePublisherMergesARelabelsTwoSidesAndKeepsWindowOrder() throws Exception {
    try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new PublishMembership(config()), e -> e.id,
        Types.STRING)) {
      long none = MemberChange.NONE;
      // x: selected in 1, relabeled to 2 and selected there; y: the same but not selected in 2
      h.processElement(ev("x", 2, 100, MemberEvent.JOINED, 1), 100);
      h.processElement(ev("x", 1, 100, MemberEvent.MOVED_OUT_SELECTED, 2), 100);
      h.processElement(ev("y", 1, 100, MemberEvent.MOVED_OUT_SELECTED, 2), 100);
      h.processElement(ev("y", 2, 100, MemberEvent.MOVED_IN_UNSELECTED, 1), 100);
      // z: relabeled in while not selected before, not selected now: nothing; then joins in window 300,
      // whose event arrives before window 200's (another class subtask ran ahead)
      h.processElement(ev("z", 3, 100, MemberEvent.MOVED_IN_UNSELECTED, 1), 100);
      h.processElement(ev("z", 3, 300, MemberEvent.LEFT, none), 300);
      h.processElement(ev("z", 3, 200, MemberEvent.JOINED, none), 200);
      h.processWatermark(300);
      List<String> got = h.extractOutputValues().stream().map(c -> c.getId() + " " + c.getEvent() + " " + c.getLabel()
          + " " + c.getPreviousLabel() + " " + c.getSelected() + " v" + c.getVersion()).collect(Collectors.toList());
      assertEquals(List.of("x RELABELED 2 1 true v100", "y LEFT 2 1 false v100", "z JOINED 3 null true v200",
          "z LEFT 3 null false v300"), got);
      assertEquals(0, h.numKeyedStateEntries(), "nothing left once published");
      assertEquals(0, h.numEventTimeTimers());
    }
  }
}
