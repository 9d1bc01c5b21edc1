package io.fmselect.stream.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.select.BatchSelector;
import io.fmselect.select.Centroids;
import io.fmselect.select.ClassMembers;
import io.fmselect.select.Embeddings;
import io.fmselect.select.Methods;
import io.fmselect.select.RamApl;
import io.fmselect.select.SelectionMethod;
import io.fmselect.stream.Samples;
import io.fmselect.stream.Samples.Sample;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The class stage's per-window step without Flink: over a sequence of windows (adds, deletes, a relabel
 * in each direction, a replaced embedding, a class that empties), every class's events are exactly the
 * difference between the batch selections of consecutive window ends, with the batch's figures.
 */
class ClassWindowStepTest {
  static final int DIM = 3;
  static final double FRACTION = 0.3;

  /** The data set the step's classes hold, as the batch selector sees it. */
  final TreeMap<String, Sample> live = new TreeMap<>(Ids.ORDER);
  final Map<Long, MemberTable> tables = new HashMap<>();
  final Map<String, byte[]> metadata = new HashMap<>();
  final SelectionMethod method = new RamApl();
  /** The selected ids (and their classes) at the previous window end. */
  Map<String, Long> selectedBefore = new TreeMap<>();

  static float[] point(SplittableRandom r, long label) {
    float[] v = new float[DIM];
    for (int j = 0; j < DIM; j++) {
      v[j] = (float) (r.nextGaussian() + (j == label ? 2.5 : 0));
    }
    return v;
  }

  /** The batch answer on the live data set: id -> "label selected" for the selected ones, and figures by id. */
  record Batch(TreeMap<String, Long> selected, Map<String, double[]> figures) {}

  Batch batch() {
    List<String> ids = new ArrayList<>(live.keySet());
    TreeMap<String, Long> sel = new TreeMap<>(Ids.ORDER);
    Map<String, double[]> figures = new HashMap<>();
    if (ids.isEmpty()) {
      return new Batch(sel, figures);
    }
    long[] labels = ids.stream().mapToLong(id -> live.get(id).label()).toArray();
    float[][] x = ids.stream().map(id -> live.get(id).values()).toArray(float[][]::new);
    BatchSelector.Result r = BatchSelector.select(labels, new Embeddings[] {Embeddings.ofFloats(x)},
        Methods.create("ram-apl", Methods.Params.defaults()), FRACTION, 1);
    for (int row : r.selectedRows()) {
      sel.put(ids.get(row), labels[row]);
    }
    for (int i = 0; i < ids.size(); i++) {
      figures.put(ids.get(i), new double[] {r.figure(i), r.rank(i)});
    }
    return new Batch(sel, figures);
  }

  /** Centroids of every class of the live data set (one FM). */
  Centroids[] centroids() {
    TreeMap<Long, List<float[]>> byClass = new TreeMap<>();
    for (Sample s : live.values()) {
      byClass.computeIfAbsent(s.label(), l -> new ArrayList<>()).add(s.values());
    }
    long[] labels = byClass.keySet().stream().mapToLong(Long::longValue).toArray();
    int[] sizes = new int[labels.length];
    List<double[]> sums = new ArrayList<>();
    for (int c = 0; c < labels.length; c++) {
      io.fmselect.select.ExactAccumulator a = new io.fmselect.select.ExactAccumulator(DIM);
      for (float[] v : byClass.get(labels[c])) {
        a.add(v, 0);
      }
      sizes[c] = (int) a.count();
      sums.add(a.sums());
    }
    return ClassWindowStep.centroidsPerFm(labels, sizes, sums, new int[] {DIM}, new int[] {0});
  }

  /**
   * One window: the samples given (upserts, deletes) become member changes per class as the per-sample
   * stage makes them, then every class runs the step. Returns every event by id.
   */
  Map<String, List<MemberEvent>> window(long w, List<Sample> samples) throws Exception {
    Map<Long, TreeMap<String, MemberChange>> changes = new TreeMap<>();
    for (Sample s : samples) {
      Sample before = live.get(s.id());
      var out = new java.util.ArrayList<MemberChange>();
      byte[] meta = Metadata.encode(Map.of("uri", "file:" + s.id() + "@" + w));
      SampleVersions.Record was = before == null ? null : record(before, metadata.get(s.id()));
      SampleVersions.Record now = s.delete() ? null : record(s, meta);
      SampleChanges.emit(s.id(), w, was == null ? null : was.stored(), now == null ? null : now.stored(), now, out::add);
      for (MemberChange c : out) {
        changes.computeIfAbsent(c.label, l -> new TreeMap<>(Ids.ORDER)).put(c.id, c);
      }
      if (s.delete()) {
        live.remove(s.id());
      } else {
        live.put(s.id(), s);
        metadata.put(s.id(), meta);
      }
    }
    Centroids[] cents = centroids();
    Map<String, List<MemberEvent>> events = new HashMap<>();
    TreeSet<Long> classes = new TreeSet<>(changes.keySet());
    classes.addAll(tables.keySet());
    for (long label : classes) {
      MemberTable t = tables.computeIfAbsent(label, l -> {
        MemberTable m = new MemberTable(new int[] {DIM}, new int[] {0}, 0);
        m.incremental = method.incremental();
        return m;
      });
      ClassWindowStep.Outcome o = ClassWindowStep.run(label, w, t, changes.getOrDefault(label, new TreeMap<>(Ids.ORDER)),
          cents, FRACTION, false, metadata::get);
      assertEquals(o.joined() + o.left(), o.events().stream()
          .filter(e -> e.kind == MemberEvent.JOINED || e.kind == MemberEvent.LEFT || e.kind == MemberEvent.MOVED_OUT_SELECTED)
          .count(), "joined + left counts the class's own events");
      long members = live.values().stream().filter(s -> s.label() == label).count();
      assertEquals(members, o.members(), "class " + label + " size at " + w);
      for (MemberEvent e : o.events()) {
        events.computeIfAbsent(e.id, i -> new ArrayList<>()).add(e);
      }
      if (t.size() == 0) {
        tables.remove(label);
      }
    }
    return events;
  }

  static SampleVersions.Record record(Sample s, byte[] metadata) {
    return new SampleVersions.Record(false, s.time(), s.label(), Samples.vec(s.values()).array(), metadata, null,
        null, 0, 0);
  }

  @Test
  void eventsAreExactlyTheBatchSelectionsDifferenceWithTheBatchsFigures() throws Exception {
    SplittableRandom r = new SplittableRandom(11);
    List<List<Sample>> windows = new ArrayList<>();
    List<Sample> first = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      first.add(Samples.upsert(String.format("s%03d", i), 10 + i, i % 3, point(r, i % 3)));
    }
    windows.add(first);
    List<Sample> second = new ArrayList<>();
    for (int i = 60; i < 75; i++) { // growth
      second.add(Samples.upsert(String.format("s%03d", i), 1010 + i, i % 3, point(r, i % 3)));
    }
    windows.add(second);
    windows.add(new ArrayList<>()); // filled in below, once the selection is known
    Batch before = null;
    for (int k = 0; k < 5; k++) {
      long w = 1000L * (k + 1);
      List<Sample> samples = k < windows.size() ? windows.get(k) : new ArrayList<>();
      if (k == 2) { // relabel a selected and an unselected member, delete a selected one, replace an embedding
        Map<String, Long> selectedBefore = this.selectedBefore;
        String sel = selectedBefore.keySet().iterator().next();
        String unsel = live.keySet().stream().filter(id -> !selectedBefore.containsKey(id)).findFirst().orElseThrow();
        String gone = selectedBefore.keySet().stream().skip(1).findFirst().orElseThrow();
        String moved = live.keySet().stream().filter(id -> !id.equals(sel) && !id.equals(unsel) && !id.equals(gone))
            .findFirst().orElseThrow();
        samples.add(Samples.upsert(sel, w - 5, (live.get(sel).label() + 1) % 3, live.get(sel).values()));
        samples.add(Samples.upsert(unsel, w - 5, (live.get(unsel).label() + 2) % 3, point(r, 0)));
        samples.add(Samples.delete(gone, w - 4));
        samples.add(Samples.upsert(moved, w - 3, live.get(moved).label(), point(r, 2)));
      }
      if (k == 3) { // class 2 empties
        for (Sample s : new ArrayList<>(live.values())) {
          if (s.label() == 2) {
            samples.add(Samples.delete(s.id(), w - 1));
          }
        }
      }
      Map<String, List<MemberEvent>> events = window(w, samples);
      Batch now = batch();
      // the expected membership events: who joined, left, or moved while selected
      TreeSet<String> ids = new TreeSet<>(Ids.ORDER);
      ids.addAll(now.selected().keySet());
      ids.addAll(this.selectedBefore.keySet());
      int expected = 0;
      for (String id : ids) {
        Long was = this.selectedBefore.get(id);
        Long is = now.selected().get(id);
        if (was != null && was.equals(is)) {
          assertEquals(null, events.get(id), id + " stays selected: no event at " + w);
          continue;
        }
        expected++;
        List<MemberEvent> got = events.get(id);
        assertTrue(got != null, id + ": an event at " + w);
        MemberEvent merged = got.stream().filter(e -> e.kind != MemberEvent.MOVED_OUT_SELECTED).findFirst().orElseThrow();
        if (is != null) {
          assertEquals(MemberEvent.JOINED, merged.kind, id + " joined at " + w);
          assertEquals((long) is, merged.label);
          assertEquals(now.figures().get(id)[0], merged.score, 0.0, "score of " + id);
          assertEquals((int) now.figures().get(id)[1], merged.rank, "rank of " + id);
          assertEquals(Metadata.decode(metadata.get(id)), Metadata.decode(merged.metadata),
              "metadata of " + id + ": its latest upsert's");
          assertTrue(!Metadata.decode(merged.metadata).isEmpty());
        } else {
          assertTrue(merged.kind == MemberEvent.LEFT || merged.kind == MemberEvent.MOVED_IN_UNSELECTED, id + " left at " + w);
          if (live.containsKey(id)) {
            assertEquals(now.figures().get(id)[0], merged.score, 0.0, "score of " + id);
          } else {
            assertEquals(0, merged.classSize, id + " left the data set");
          }
        }
      }
      for (Map.Entry<String, List<MemberEvent>> e : events.entrySet()) {
        boolean expectedHere = !java.util.Objects.equals(this.selectedBefore.get(e.getKey()), now.selected().get(e.getKey()));
        boolean informational = e.getValue().stream().allMatch(x -> x.kind == MemberEvent.MOVED_IN_UNSELECTED);
        assertTrue(expectedHere || informational, "no event without a membership change: " + e.getKey() + " at " + w);
      }
      assertTrue(k != 2 || expected >= 3, "the relabel window has events");
      this.selectedBefore = new TreeMap<>(now.selected());
      before = now;
    }
    assertTrue(before != null);
    assertTrue(tables.get(2L) == null, "an emptied class keeps no table");
  }

  @Test
  void explainGivesEveryMembersFigures() throws Exception {
    SplittableRandom r = new SplittableRandom(3);
    List<Sample> first = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      first.add(Samples.upsert(String.format("e%03d", i), 10 + i, i % 2, point(r, i % 2)));
    }
    window(1000, first);
    Batch b = batch();
    MemberTable t = tables.get(0L);
    ClassWindowStep.Outcome o = ClassWindowStep.run(0, 2000, t, new TreeMap<>(Ids.ORDER), centroids(), FRACTION, true,
        metadata::get);
    assertEquals(List.of(), o.events(), "nothing changed: no events");
    assertEquals(10, o.explained().size());
    for (MemberEvent e : o.explained()) {
      assertEquals(b.figures().get(e.id)[0], e.score, 0.0);
      assertEquals(b.selected().containsKey(e.id), e.kind == MemberEvent.JOINED, "selection of " + e.id);
    }
    ClassMembers m = t.members(0);
    assertEquals(10, m.size());
  }
}
