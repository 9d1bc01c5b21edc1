package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.ClassWindow;
import io.fmselect.avro.MembershipEvent;
import io.fmselect.avro.SubsetChange;
import io.fmselect.avro.SubsetWindow;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.select.BatchSelector;
import io.fmselect.select.Embeddings;
import io.fmselect.select.Methods;
import io.fmselect.wire.WireFormat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The output contract, checked at every published window end against the batch selector: the subset topic
 * holds exactly the membership events between consecutive published ends (no other record, none twice), each
 * with the batch's figures at its window end, so that the latest record per sample is its membership; the
 * classes topic holds one record per class whose subset changed, with the batch's counts; and the windows topic
 * names the published ends. In every-window mode every window end is checked against the one before
 * ({@link #assertEveryWindow}); in latest mode the ends the windows topic names ({@link #assertLatest}).
 */
public final class MembershipCheck {
  private MembershipCheck() {}

  /** The batch answer at one window end. */
  public record BatchAt(Map<String, Long> labels, Map<String, Long> selected, Map<String, double[]> figures,
      Map<Long, int[]> classes) {
    static final BatchAt EMPTY = new BatchAt(Map.of(), Map.of(), Map.of(), Map.of());
  }

  /**
   * The batch selection of a data set (ids in sample order, aligned with labels and features): selected
   * ids with their class, every id's figure and rank, every class's size and budget.
   */
  public static BatchAt batch(List<String> ids, long[] labels, Embeddings[] features, String method, double fraction) {
    Map<String, Long> all = new HashMap<>();
    Map<String, Long> sel = new HashMap<>();
    Map<String, double[]> figures = new HashMap<>();
    Map<Long, int[]> classes = new HashMap<>();
    if (ids.isEmpty()) {
      return BatchAt.EMPTY;
    }
    BatchSelector.Result r = BatchSelector.select(labels, features, Methods.create(method, Methods.Params.defaults()),
        fraction, 1);
    for (int i = 0; i < ids.size(); i++) {
      all.put(ids.get(i), labels[i]);
      figures.put(ids.get(i), new double[] {r.figure(i), r.rank(i)});
      classes.computeIfAbsent(labels[i], l -> new int[3])[0]++;
    }
    for (int row : r.selectedRows()) {
      sel.put(ids.get(row), labels[row]);
      classes.get(labels[row])[2]++;
    }
    long[] classLabels = r.classLabels();
    for (int c = 0; c < classLabels.length; c++) {
      classes.get(classLabels[c])[1] = r.classSelection(c).budget(); // the method's own budget rule
    }
    return new BatchAt(all, sel, figures, classes);
  }

  /** The batch answer on a {@link Samples} data set (one FM, "a"). */
  static BatchAt batch(TreeMap<String, Samples.Sample> live, String method, double fraction) {
    List<String> ids = new ArrayList<>(live.keySet());
    long[] labels = ids.stream().mapToLong(id -> live.get(id).label()).toArray();
    float[][] x = ids.stream().map(id -> live.get(id).values()).toArray(float[][]::new);
    return batch(ids, labels, ids.isEmpty() ? null : new Embeddings[] {Embeddings.ofFloats(x)}, method, fraction);
  }

  /**
   * The subset topic's committed records, checking that each is keyed by its sample id and that a
   * sample's records lie in its partition in window order (so the latest value per key, which compaction
   * keeps, is the sample's membership).
   */
  static List<SubsetChange> subset(InJvmKafka kafka, String topic) throws Exception {
    return subset(kafka.readCommitted(topic));
  }

  /** {@link #subset(InJvmKafka, String)} on records read elsewhere (topic order within each partition). */
  public static List<SubsetChange> subset(List<ConsumerRecord<String, byte[]>> records) throws Exception {
    return subset(records, WireFormat.SINGLE_OBJECT);
  }

  /** {@link #subset(List)} of records in the framing {@code wire} reads (with a registry: either). */
  public static List<SubsetChange> subset(List<ConsumerRecord<String, byte[]>> records, WireFormat wire) throws Exception {
    List<SubsetChange> all = new ArrayList<>();
    Map<String, Long> lastVersion = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      SubsetChange c = wire.decode(r.value(), SubsetChange.class);
      assertEquals(c.getId(), r.key(), "keyed by sample id");
      Long before = lastVersion.put(c.getId(), c.getVersion());
      assertTrue(before == null || before < c.getVersion(),
          c.getId() + ": version " + c.getVersion() + " after " + before + " in its partition");
      all.add(c);
    }
    return all;
  }

  static List<ClassWindow> classes(InJvmKafka kafka, String topic) throws Exception {
    return classes(kafka.readCommitted(topic));
  }

  /** The classes topic's records read elsewhere, checking that each is keyed by its class label. */
  public static List<ClassWindow> classes(List<ConsumerRecord<String, byte[]>> records) throws Exception {
    return classes(records, WireFormat.SINGLE_OBJECT);
  }

  /** {@link #classes(List)} of records in the framing {@code wire} reads. */
  public static List<ClassWindow> classes(List<ConsumerRecord<String, byte[]>> records, WireFormat wire) throws Exception {
    List<ClassWindow> all = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      ClassWindow w = wire.decode(r.value(), ClassWindow.class);
      assertEquals(Long.toString(w.getLabel()), r.key(), "keyed by class label");
      all.add(w);
    }
    return all;
  }

  /** The windows topic's committed records ({@link Topics#windows}), in topic order. */
  static List<SubsetWindow> windows(InJvmKafka kafka, String subsetTopic) throws Exception {
    return windows(kafka.readCommitted(Topics.windows(subsetTopic)));
  }

  /** The windows topic's records read elsewhere, checking the key and that the window ends increase. */
  public static List<SubsetWindow> windows(List<ConsumerRecord<String, byte[]>> records) throws Exception {
    return windows(records, WireFormat.SINGLE_OBJECT);
  }

  /** {@link #windows(List)} of records in the framing {@code wire} reads. */
  public static List<SubsetWindow> windows(List<ConsumerRecord<String, byte[]>> records, WireFormat wire) throws Exception {
    List<SubsetWindow> all = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      SubsetWindow w = wire.decode(r.value(), SubsetWindow.class);
      assertEquals("windows", r.key(), "the windows topic's key");
      assertTrue(all.isEmpty() || all.get(all.size() - 1).getWindowEnd().isBefore(w.getWindowEnd()),
          "window ends increase: " + w.getWindowEnd() + " after " + (all.isEmpty() ? null : all.get(all.size() - 1)));
      all.add(w);
    }
    return all;
  }

  /** The window ends a windows topic names, in order. */
  public static List<Long> ends(List<SubsetWindow> windows) {
    return windows.stream().map(w -> w.getWindowEnd().toEpochMilli()).toList();
  }

  /**
   * Every window end from {@code window} to {@code last} whose batch subset differs from the previous window
   * end's: the ends every-window mode must publish, and that latest mode publishes while it keeps up.
   */
  public static List<Long> changedEnds(LongFunction<BatchAt> batch, long window, long last) {
    List<Long> ends = new ArrayList<>();
    Map<String, Long> prev = Map.of();
    for (long t = window; t <= last; t += window) {
      Map<String, Long> now = batch.apply(t).selected();
      if (!now.equals(prev)) {
        ends.add(t);
      }
      prev = now;
    }
    return ends;
  }

  /**
   * The every-window contract ({@code fmselect.publish=every-window}): each window end from {@code window} to
   * {@code last} holds exactly the membership events since the previous window end, so every window end with a
   * change is published.
   */
  public static List<Long> assertEveryWindow(List<SubsetChange> published, List<ClassWindow> classes,
      LongFunction<BatchAt> batch, long window, long last, boolean figures) {
    List<Long> ends = new ArrayList<>();
    for (long t = window; t <= last; t += window) {
      ends.add(t);
    }
    return assertPublishedEnds(published, classes, batch, ends, window, figures);
  }

  /**
   * {@link #assertEveryWindow}, and the windows topic (as {@link #windows} read it) names exactly the window
   * ends that have records, with their counts: every window end whose subset differs from the previous window
   * end's, and no other.
   */
  public static void assertEveryWindow(List<SubsetChange> published, List<ClassWindow> classes, List<SubsetWindow> marks,
      LongFunction<BatchAt> batch, long window, long last, boolean figures) {
    List<Long> changed = assertEveryWindow(published, classes, batch, window, last, figures);
    assertMarks(published, marks);
    assertEquals(changed, ends(marks), "every window end with a change is published, and only those");
  }

  /**
   * The latest contract ({@code fmselect.publish=latest}) on a run over data whose last sample lies in the
   * window ending {@code last}: the published ends are the windows topic's ({@code marks}), each a window end
   * (a multiple of {@code window}, at most {@code last}), exactly those with records, with their counts; each
   * holds exactly the net membership events since the previous published end, with the figures at it; and the
   * subset after the last published end is the batch's at {@code last}, the end of the data (so a change in the
   * last window is published, at {@code last} or folded into it). Returns the published ends.
   */
  public static List<Long> assertLatest(List<SubsetChange> published, List<ClassWindow> classes, List<SubsetWindow> marks,
      LongFunction<BatchAt> batch, long window, long last, boolean figures) {
    List<Long> ends = ends(marks);
    assertTrue(!ends.isEmpty(), "some window end is published");
    for (long t : ends) {
      assertTrue(t > 0 && t % window == 0 && t <= last, "published end " + t + " is a window end up to " + last);
    }
    assertMarks(published, marks);
    assertPublishedEnds(published, classes, batch, ends, window, figures);
    // the end of the data is published: at it, or (no net event there) the subset after the last published end is
    // already the one at it; a change after the last published end would be held back
    long lastPublished = ends.get(ends.size() - 1);
    TreeMap<String, SubsetChange> state = stateAt(published, last);
    assertEquals(new TreeSet<>(batch.apply(last).selected().keySet()), Samples.selected(state),
        "the subset after the last published end (" + lastPublished + ") is the batch's at the end of the data ("
            + last + ")");
    return ends;
  }

  /**
   * The windows topic names exactly the window ends that have records in the subset topic (WindowMarks writes
   * one mark per end with records, none for an end without), each with its record counts and the running size.
   */
  static void assertMarks(List<SubsetChange> published, List<SubsetWindow> marks) {
    TreeMap<Long, int[]> counts = new TreeMap<>();
    for (SubsetChange c : published) {
      int[] n = counts.computeIfAbsent(c.getWindowEnd().toEpochMilli(), w -> new int[4]);
      n[0]++;
      n[c.getEvent() == MembershipEvent.JOINED ? 1 : c.getEvent() == MembershipEvent.LEFT ? 2 : 3]++;
    }
    assertEquals(new ArrayList<>(counts.keySet()), ends(marks), "the windows topic names the ends with records");
    long selected = 0;
    for (SubsetWindow w : marks) {
      int[] n = counts.get(w.getWindowEnd().toEpochMilli());
      selected += n[1] - n[2];
      String at = " at " + w.getWindowEnd().toEpochMilli();
      assertEquals(n[0], w.getEvents(), "events" + at);
      assertEquals(n[1], w.getJoined(), "joined" + at);
      assertEquals(n[2], w.getLeft(), "left" + at);
      assertEquals(n[3], w.getRelabeled(), "relabeled" + at);
      assertEquals(selected, w.getSelected(), "subset size" + at);
    }
  }

  /**
   * Checks the published window ends {@code ends} (sorted, multiples of {@code window}), each against the
   * previous one (the first against the empty subset): the records at an end are exactly the samples whose
   * membership differs between the batch at the previous published end and the batch at this end (one each:
   * JOINED, LEFT or RELABELED, with the figures at this end), the classes topic (null: not checked) has one
   * record per class whose subset changed, and no record lies at an end not listed. Returns the ends with a
   * membership event.
   */
  public static List<Long> assertPublishedEnds(List<SubsetChange> published, List<ClassWindow> classes,
      LongFunction<BatchAt> batch, List<Long> ends, long window, boolean figures) {
    BatchAt prev = BatchAt.EMPTY;
    long prevEnd = Long.MIN_VALUE;
    int events = 0;
    List<Long> withEvents = new ArrayList<>();
    for (long t : ends) {
      assertTrue(t > prevEnd, "published ends increase: " + t + " after " + prevEnd);
      prevEnd = t;
      BatchAt now = batch.apply(t);
      long at = t;
      Map<String, SubsetChange> here = new TreeMap<>();
      for (SubsetChange c : published) {
        if (c.getWindowEnd().toEpochMilli() == at) {
          assertTrue(here.put(c.getId(), c) == null, "one record per sample and window: " + c.getId() + " at " + t);
        }
      }
      TreeSet<String> ids = new TreeSet<>(prev.selected().keySet());
      ids.addAll(now.selected().keySet());
      Map<Long, int[]> joinedLeft = new HashMap<>();
      TreeSet<String> expected = new TreeSet<>();
      for (String id : ids) {
        Long was = prev.selected().get(id);
        Long is = now.selected().get(id);
        if (was != null && was.equals(is)) {
          continue;
        }
        expected.add(id);
        MembershipEvent want = was == null ? MembershipEvent.JOINED : is == null ? MembershipEvent.LEFT
            : MembershipEvent.RELABELED;
        SubsetChange c = here.get(id);
        assertTrue(c != null, want + " of " + id + " published at " + t);
        assertEquals(want, c.getEvent(), id + " at " + t);
        assertEquals(is != null, c.getSelected());
        Long label = now.labels().get(id);
        assertEquals(label == null ? was : label, c.getLabel(), "label of " + id + " at " + t);
        if (want == MembershipEvent.RELABELED) {
          assertEquals(was, c.getPreviousLabel());
        }
        if (label == null) {
          assertEquals(0, c.getClassSize(), id + " left the data set by " + t);
        } else {
          int[] cls = now.classes().get(label);
          assertEquals(cls[0], c.getClassSize(), "class size of " + id + " at " + t);
          assertEquals(cls[1], c.getBudget(), "budget of " + id + " at " + t);
          if (figures) {
            assertEquals(now.figures().get(id)[0], c.getScore(), 0.0, "figure of " + id + " at " + t);
            assertEquals((int) now.figures().get(id)[1], c.getRank(), "rank of " + id + " at " + t);
          }
        }
        if (was != null) {
          joinedLeft.computeIfAbsent(was, l -> new int[2])[1]++;
        }
        if (is != null) {
          joinedLeft.computeIfAbsent(is, l -> new int[2])[0]++;
        }
      }
      assertEquals(expected, here.keySet(), "exactly the membership events at " + t);
      events += expected.size();
      if (!expected.isEmpty()) {
        withEvents.add(t);
      }
      TreeMap<String, SubsetChange> state = stateAt(published, t);
      assertEquals(new TreeSet<>(now.selected().keySet()), Samples.selected(state), "subset at " + t);
      if (classes != null) {
        Map<Long, ClassWindow> got = new TreeMap<>();
        for (ClassWindow w : classes) {
          if (w.getWindowEnd().toEpochMilli() == at) {
            assertTrue(got.put(w.getLabel(), w) == null, "one record per class and window");
          }
        }
        assertEquals(new TreeSet<>(joinedLeft.keySet()), got.keySet(), "classes whose subset changed at " + t);
        for (Map.Entry<Long, int[]> e : joinedLeft.entrySet()) {
          ClassWindow w = got.get(e.getKey());
          int[] cls = now.classes().getOrDefault(e.getKey(), new int[3]);
          assertEquals(cls[0], w.getMembers(), "members of class " + e.getKey() + " at " + t);
          assertEquals(cls[1], w.getBudget());
          assertEquals(cls[2], w.getSelected());
          assertEquals(e.getValue()[0], w.getJoined(), "joined in class " + e.getKey() + " at " + t);
          assertEquals(e.getValue()[1], w.getLeft(), "left class " + e.getKey() + " at " + t);
        }
      }
      prev = now;
    }
    assertTrue(events > 0, "some membership events");
    TreeSet<Long> checked = new TreeSet<>(ends);
    for (SubsetChange c : published) {
      long w = c.getWindowEnd().toEpochMilli();
      assertTrue(w % window == 0 && checked.contains(w), "a record at window end " + w + " was checked");
      assertEquals(w, c.getVersion(), "version is the window end");
    }
    if (classes != null) {
      for (ClassWindow w : classes) {
        assertTrue(checked.contains(w.getWindowEnd().toEpochMilli()),
            "a class record at window end " + w.getWindowEnd().toEpochMilli() + " was checked");
      }
    }
    return withEvents;
  }


  /** The state at window end t: latest change per id among those with windowEnd <= t. */
  static TreeMap<String, SubsetChange> stateAt(List<SubsetChange> all, long t) {
    TreeMap<String, SubsetChange> s = new TreeMap<>();
    for (SubsetChange c : all) {
      if (c.getWindowEnd().toEpochMilli() <= t) {
        SubsetChange prev = s.get(c.getId());
        if (prev == null || c.getVersion() >= prev.getVersion()) {
          s.put(c.getId(), c);
        }
      }
    }
    return s;
  }
}
