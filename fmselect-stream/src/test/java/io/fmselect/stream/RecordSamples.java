package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.ClassWindow;
import io.fmselect.avro.MembershipEvent;
import io.fmselect.avro.Rejected;
import io.fmselect.avro.SubsetChange;
import io.fmselect.avro.SubsetWindow;
import io.fmselect.stream.window.CentroidHistory;
import io.fmselect.stream.window.CentroidUpdate;
import io.fmselect.stream.window.ClassProgress;
import io.fmselect.stream.window.MemberChange;
import io.fmselect.stream.window.MemberEvent;
import io.fmselect.stream.window.SampleEvent;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * For every type in {@link StreamTypes}: one record with every field set to a value other than its default, and
 * one with every nullable field null; and a field-by-field comparison of the job's own record classes.
 */
final class RecordSamples {
  private RecordSamples() {}

  /** A type, its samples, and how to tell two records apart. */
  record Case<T>(String name, TypeInformation<T> type, List<T> samples) {}

  static List<Case<?>> all() {
    List<Case<?>> cases = new ArrayList<>();
    cases.add(new Case<>("SampleEvent", StreamTypes.SAMPLE_EVENT, List.of(sampleEvent(), new SampleEvent())));
    cases.add(new Case<>("MemberChange", StreamTypes.MEMBER_CHANGE, List.of(memberChange(), new MemberChange())));
    cases.add(new Case<>("MemberChange list", StreamTypes.MEMBER_CHANGE_LIST,
        List.of(List.of(memberChange(), new MemberChange()), List.of())));
    cases.add(new Case<>("CentroidUpdate", StreamTypes.CENTROID_UPDATE, List.of(centroidUpdate(), new CentroidUpdate())));
    CentroidHistory nulls = new CentroidHistory();
    nulls.windowEnds = null;
    nulls.counts = null;
    nulls.sums = null;
    cases.add(new Case<>("CentroidHistory", StreamTypes.CENTROID_HISTORY,
        List.of(centroidHistory(), new CentroidHistory(), nulls)));
    cases.add(new Case<>("MemberEvent", StreamTypes.MEMBER_EVENT, List.of(memberEvent(), new MemberEvent())));
    cases.add(new Case<>("ClassProgress", StreamTypes.CLASS_PROGRESS, List.of(ClassProgress.of(7, 1200, 30, 5),
        new ClassProgress())));
    cases.add(new Case<>("WindowTally", StreamTypes.WINDOW_TALLY, List.of(WindowTally.of(3000, 9, 4, 3, 2),
        new WindowTally())));
    cases.add(new Case<>("RejectCount", StreamTypes.REJECT_COUNT, List.of(rejectCount(), new RejectCount())));
    cases.add(new Case<>("SubsetChange", StreamTypes.SUBSET_CHANGE, List.of(subsetChange(true), subsetChange(false))));
    cases.add(new Case<>("ClassWindow", StreamTypes.CLASS_WINDOW, List.of(classWindow())));
    cases.add(new Case<>("Rejected", StreamTypes.REJECTED, List.of(rejected("s1"), rejected(null))));
    cases.add(new Case<>("SubsetWindow", StreamTypes.SUBSET_WINDOW, List.of(subsetWindow())));
    return cases;
  }

  static RejectCount rejectCount() {
    return RejectCount.of("late", new RejectTally.Reason(12, "s-ü7", "window 3000 closed"));
  }

  static SampleEvent sampleEvent() {
    SampleEvent e = new SampleEvent();
    e.id = "sample-ü1";
    e.label = 42;
    e.hasLabel = true;
    e.delete = true;
    e.eventTime = 1_700_000_000_123L;
    e.values = new byte[] {1, 2, 3, 4, 5, 6, 7, 8};
    e.metadata = new byte[] {9, 10};
    e.missing = 0b101;
    e.image = new byte[] {(byte) 0xff, (byte) 0xd8};
    e.imageUri = "file:///images/1.jpg";
    e.reason = "bad-embedding";
    e.detail = "fm a: 3 floats, expected 2";
    e.raw = new byte[] {0, 1, 0, 1};
    e.topic = "samples";
    e.partition = 3;
    e.offset = 123_456_789_012L;
    return e;
  }

  static MemberChange memberChange() {
    MemberChange c = MemberChange.of(-5, "m1", 2000, MemberChange.REPLACE, new byte[] {1, 2, 3, 4});
    c.metadata = new byte[] {};
    c.otherLabel = 9;
    return c;
  }

  static CentroidUpdate centroidUpdate() {
    CentroidUpdate u = new CentroidUpdate();
    u.label = 3;
    u.windowEnd = 5000;
    u.count = 17;
    u.sums = new double[] {1.5, -0.0, Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY};
    u.publish = true;
    return u;
  }

  static CentroidHistory centroidHistory() {
    CentroidHistory h = new CentroidHistory();
    h.windowEnds = new long[] {1000, 2000};
    h.counts = new long[] {4, 0};
    h.sums = new double[][] {{1, 2}, null};
    return h;
  }

  static MemberEvent memberEvent() {
    MemberEvent e = new MemberEvent();
    e.id = "e1";
    e.label = 11;
    e.windowEnd = 3000;
    e.kind = MemberEvent.MOVED_OUT_SELECTED;
    e.score = 0.25;
    e.ram = -1.5;
    e.apl = 3.75;
    e.rank = 2;
    e.pseudoLabels = new long[] {4, MemberChange.NONE};
    e.classSize = 100;
    e.budget = 10;
    e.metadata = new byte[] {1};
    e.otherLabel = 12;
    return e;
  }

  static SubsetChange subsetChange(boolean full) {
    return SubsetChange.newBuilder().setId("c1").setLabel(4).setSelected(full).setScore(0.5).setRam(Double.NaN)
        .setApl(1.25).setRank(3).setPseudoLabels(full ? Map.of("a", 7L) : Map.of()).setClassSize(20).setBudget(5)
        .setMethod("ram-apl").setWindowEnd(Instant.ofEpochMilli(4000)).setVersion(9)
        .setEvent(full ? MembershipEvent.RELABELED : null).setPreviousLabel(full ? 3L : null)
        .setMetadata(full ? Map.of("k", "v") : Map.of()).build();
  }

  static ClassWindow classWindow() {
    return ClassWindow.newBuilder().setLabel(2).setWindowEnd(Instant.ofEpochMilli(6000)).setMembers(30).setBudget(5)
        .setSelected(5).setJoined(1).setLeft(2).setAplShare(0.4).setRecomputeMillis(1.5).setMethod("fl").build();
  }

  static Rejected rejected(String id) {
    return Rejected.newBuilder().setReason("no-label").setDetail("d").setRaw(ByteBuffer.wrap(new byte[] {1, 2}))
        .setSourceTopic("samples").setSourcePartition(1).setSourceOffset(77).setTime(Instant.ofEpochMilli(8000))
        .setId(id).build();
  }

  static SubsetWindow subsetWindow() {
    return SubsetWindow.newBuilder().setWindowEnd(Instant.ofEpochMilli(9000)).setEvents(6).setJoined(3).setLeft(2)
        .setRelabeled(1).setSelected(40).build();
  }

  /** Public instance fields of one of the job's record classes. */
  static List<Field> fields(Class<?> c) {
    List<Field> out = new ArrayList<>();
    for (Field f : c.getFields()) {
      if (!Modifier.isStatic(f.getModifiers())) {
        out.add(f);
      }
    }
    return out;
  }

  /** True if {@code a} and {@code b} hold equal values: field by field for the job's classes (arrays by content). */
  static boolean same(Object a, Object b) {
    if (a instanceof List<?> la && b instanceof List<?> lb) { // any List implementation
      if (la.size() != lb.size()) {
        return false;
      }
      for (int i = 0; i < la.size(); i++) {
        if (!same(la.get(i), lb.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a == null || b == null || a.getClass() != b.getClass()) {
      return a == b;
    }
    if (a instanceof SpecificRecord ra) { // field by field (Avro's own equals tells a HashMap from Map.of)
      SpecificRecord rb = (SpecificRecord) b;
      for (int i = 0; i < ra.getSchema().getFields().size(); i++) {
        if (!Objects.equals(ra.get(i), rb.get(i))) {
          return false;
        }
      }
      return true;
    }
    try {
      for (Field f : fields(a.getClass())) {
        if (!Objects.deepEquals(f.get(a), f.get(b))) {
          return false;
        }
      }
      return true;
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Asserts that {@code full} sets every field to something else than a new instance has, so that a field added to
   * the class fails the round-trip tests until the sample (and the codec) carry it.
   */
  static void assertEveryFieldSet(Object full, Supplier<?> fresh) throws IllegalAccessException {
    Object empty = fresh.get();
    List<Field> fs = fields(full.getClass());
    assertFalse(fs.isEmpty());
    for (Field f : fs) {
      assertTrue(!Objects.deepEquals(f.get(full), f.get(empty)),
          full.getClass().getSimpleName() + "." + f.getName() + " is not set in the sample");
    }
  }

  /** Asserts that no array of {@code copy} is shared with {@code original} (a deep copy). */
  static void assertNoSharedArrays(Object original, Object copy) throws IllegalAccessException {
    if (original instanceof List<?> lo) {
      for (int i = 0; i < lo.size(); i++) {
        assertNoSharedArrays(lo.get(i), ((List<?>) copy).get(i));
      }
      return;
    }
    if (!original.getClass().getPackageName().equals(RecordSamples.class.getPackageName())) {
      return;
    }
    for (Field f : fields(original.getClass())) {
      Object v = f.get(original);
      if (v != null && v.getClass().isArray()) {
        assertTrue(v != f.get(copy), f.getName() + " is shared by the copy");
      }
    }
  }
}
