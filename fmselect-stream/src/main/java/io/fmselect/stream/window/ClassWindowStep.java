package io.fmselect.stream.window;

import io.fmselect.select.Centroids;
import io.fmselect.select.ClassSelection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One class's work at one window end, in plain Java (the class stage's operator only reads and writes
 * Flink state around it): apply the window's member changes to the class's table, select with the
 * method's incremental path, and diff the selection against the previous one.
 *
 * <p>Membership events only: a member that is selected now and was not JOINED; one that was and is not
 * (or was deleted, or its class emptied) LEFT; one relabeled away while selected is MOVED_OUT_SELECTED,
 * one relabeled in and not selected MOVED_IN_UNSELECTED (the publisher pairs these into one record). A
 * change of figures alone is no event. Each event carries the figures at this window end.
 */
public final class ClassWindowStep {
  private ClassWindowStep() {}

  /** A member's metadata as stored (null if none). */
  @FunctionalInterface
  public interface MetadataLookup {
    byte[] of(String id) throws Exception;
  }

  /**
   * What one class computed at one window end.
   *
   * @param events the membership events, in id order (removed members first)
   * @param explained every member's figures (only when asked), else null
   * @param members, budget, selected the class after the window
   * @param joined, left membership events counted for this class
   * @param aplShare share of members with APL > 0 (NaN for methods without pseudo-labels)
   */
  public record Outcome(List<MemberEvent> events, List<MemberEvent> explained, int members, int budget, int selected,
      int joined, int left, double aplShare) {}

  /**
   * Runs the step.
   *
   * @param changes the window's net change per member id (ADD, REPLACE, REMOVE, MOVE_OUT)
   * @param centroids every class's centroids at this window end, one table per FM
   * @param explain true: also return every member's figures
   * @param metadata where a member's stored metadata is read (before this window's changes apply)
   */
  public static Outcome run(long label, long windowEnd, MemberTable table, SortedMap<String, MemberChange> changes,
      Centroids[] centroids, double fraction, boolean explain, MetadataLookup metadata) throws Exception {
    List<MemberEvent> events = new ArrayList<>();
    int left = 0;
    TreeMap<String, MemberTable.Row> rows = new TreeMap<>(Ids.ORDER);
    for (Map.Entry<String, MemberChange> e : changes.entrySet()) {
      MemberChange c = e.getValue();
      boolean leaving = c.kind == MemberChange.REMOVE || c.kind == MemberChange.MOVE_OUT;
      rows.put(e.getKey(), new MemberTable.Row(leaving ? null : c.values,
          c.kind == MemberChange.ADD ? c.otherLabel : MemberChange.NONE));
      int row = table.indexOf(e.getKey());
      if (leaving && row >= 0 && table.selected(row)) {
        MemberEvent ev = event(e.getKey(), label, windowEnd, c.kind == MemberChange.REMOVE ? MemberEvent.LEFT
            : MemberEvent.MOVED_OUT_SELECTED, metadata.of(e.getKey()));
        ev.otherLabel = c.otherLabel;
        events.add(ev);
        left++;
      }
    }
    int[] from = table.apply(rows);
    int n = table.size();
    if (n == 0) {
      return new Outcome(events, explain ? List.of() : null, 0, 0, 0, 0, left, Double.NaN);
    }
    ClassSelection sel = table.incremental.select(table.members(label), centroids, fraction, from);
    int joined = 0;
    int apl = 0;
    List<MemberEvent> explained = explain ? new ArrayList<>(n) : null;
    for (int i = 0; i < n; i++) {
      if (sel.hasRamApl() && sel.apl(i) > 0) {
        apl++;
      }
      boolean was = table.selected(i);
      boolean now = sel.selected(i);
      long came = table.cameFrom(i);
      int kind = was == now ? (!now && came != MemberChange.NONE ? MemberEvent.MOVED_IN_UNSELECTED : -1)
          : now ? MemberEvent.JOINED : MemberEvent.LEFT;
      if (kind >= 0 || explain) {
        String id = table.id(i);
        MemberChange c = changes.get(id);
        byte[] meta = c != null && c.kind != MemberChange.REMOVE && c.kind != MemberChange.MOVE_OUT ? c.metadata
            : metadata.of(id);
        if (kind >= 0) {
          MemberEvent ev = figures(event(id, label, windowEnd, kind, meta), sel, i, n, centroids.length);
          ev.otherLabel = came;
          events.add(ev);
          if (kind == MemberEvent.JOINED) {
            joined++;
          } else if (kind == MemberEvent.LEFT) {
            left++;
          }
        }
        if (explain) {
          MemberEvent ex = figures(event(id, label, windowEnd, now ? MemberEvent.JOINED : MemberEvent.LEFT, meta), sel,
              i, n, centroids.length);
          explained.add(ex);
        }
      }
      table.setSelected(i, now);
    }
    return new Outcome(events, explained, n, sel.budget(), sel.selectedCount(), joined, left,
        sel.hasRamApl() ? (double) apl / n : Double.NaN);
  }

  /**
   * One centroid table per FM from each class's sums over the concatenated embedding ({@code labels}
   * ascending, {@code sums} and {@code sizes} aligned with them).
   */
  public static Centroids[] centroidsPerFm(long[] labels, int[] sizes, List<double[]> sums, int[] dims, int[] offsets) {
    Centroids[] out = new Centroids[dims.length];
    for (int f = 0; f < out.length; f++) {
      double[][] s = new double[labels.length][];
      for (int c = 0; c < labels.length; c++) {
        s[c] = Arrays.copyOfRange(sums.get(c), offsets[f], offsets[f] + dims[f]);
      }
      out[f] = Centroids.fromSums(labels, sizes, s);
    }
    return out;
  }

  private static MemberEvent event(String id, long label, long windowEnd, int kind, byte[] metadata) {
    MemberEvent e = new MemberEvent();
    e.id = id;
    e.label = label;
    e.windowEnd = windowEnd;
    e.kind = kind;
    e.metadata = metadata;
    return e;
  }

  private static MemberEvent figures(MemberEvent e, ClassSelection sel, int i, int n, int fms) {
    e.score = sel.figure(i);
    e.ram = sel.hasRamApl() ? sel.ram(i) : Double.NaN;
    e.apl = sel.hasRamApl() ? sel.apl(i) : Double.NaN;
    e.rank = sel.rank(i);
    e.classSize = n;
    e.budget = sel.budget();
    if (sel.hasRamApl()) {
      e.pseudoLabels = new long[fms];
      for (int f = 0; f < fms; f++) {
        e.pseudoLabels[f] = sel.pseudoLabel(f, i);
      }
    }
    return e;
  }
}
