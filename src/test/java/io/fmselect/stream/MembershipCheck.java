package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.ClassWindow;
import io.fmselect.avro.MembershipEvent;
import io.fmselect.avro.SubsetChange;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.select.BatchSelector;
import io.fmselect.select.Embeddings;
import io.fmselect.select.Methods;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The output contract, checked at every window end against the batch selector: the subset topic holds
 * exactly the membership events between consecutive window ends (no other record, none twice), each with
 * the batch's figures at its window end, so that the latest record per sample is its membership; and the
 * classes topic holds one record per class whose subset changed, with the batch's counts.
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
    List<SubsetChange> all = new ArrayList<>();
    Map<String, Long> lastVersion = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      SubsetChange c = SubsetChange.fromByteBuffer(ByteBuffer.wrap(r.value()));
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
    List<ClassWindow> all = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      ClassWindow w = ClassWindow.fromByteBuffer(ByteBuffer.wrap(r.value()));
      assertEquals(Long.toString(w.getLabel()), r.key(), "keyed by class label");
      all.add(w);
    }
    return all;
  }

  /** Checks every window end from {@code window} to {@code last} (classes: null to skip that topic). */
  public static void assertEveryWindow(List<SubsetChange> published, List<ClassWindow> classes, LongFunction<BatchAt> batch,
      long window, long last, boolean figures) {
    BatchAt prev = BatchAt.EMPTY;
    int events = 0;
    for (long t = window; t <= last; t += window) {
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
      TreeMap<String, SubsetChange> state = StreamExactnessITCase.stateAt(published, t);
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
    for (SubsetChange c : published) {
      long w = c.getWindowEnd().toEpochMilli();
      assertTrue(w % window == 0 && w <= last, "a record at window end " + w + " was checked");
      assertEquals(w, c.getVersion(), "version is the window end");
    }
  }
}
