package io.fmselect.cli;

import io.fmselect.select.Centroids;
import io.fmselect.select.ExactAccumulator;
import io.fmselect.select.RamApl;
import io.fmselect.stream.window.ClassWindowStep;
import io.fmselect.stream.window.Ids;
import io.fmselect.stream.window.MemberChange;
import io.fmselect.stream.window.MemberTable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * The class-selection stage's window work, alone (no Flink, no Kafka, no RocksDB I/O), to compare a
 * window recompute after a small change with a full recompute of the same state.
 *
 * <p>State: {@code rows} samples in {@code classes} Gaussian clusters (2 FMs, {@code dims} each, noise
 * 1.5, 5% wrong labels), embeddings held as the job's state holds them (little-endian float32 bytes).
 * Each window adds {@code fraction} of the current member count as new samples, and both ways are
 * timed on the resulting state: <b>incremental</b> applies the window's changes to each class's cached
 * {@link MemberTable} and runs RAM-APL with the previous window's pseudo-label memos (as
 * the stream's {@code ClassSelector} does with its cache on); <b>full</b> decodes every member from its stored
 * bytes into a fresh table and runs RAM-APL without memos (as after a restore, or with the cache off).
 * Both give the same selection, which is checked. Centroids come from exact sums, as in the job.
 */
public final class RecomputeBench {
  private RecomputeBench() {}

  /** One window's timings, in nanoseconds. */
  public record Window(int members, int changed, long incrementalNanos, long fullNanos) {}

  public static List<Window> run(int rows, int classes, int dim, double fraction, int windows, long seed,
      LongConsumer progress) {
    int[] dims = {dim, dim};
    int[] offsets = {0, dim};
    SplittableRandom rnd = new SplittableRandom(seed);
    double[][] centers = new double[classes][2 * dim];
    for (double[] c : centers) {
      for (int j = 0; j < c.length; j++) {
        c[j] = rnd.nextGaussian();
      }
    }
    RamApl method = new RamApl();
    Map<Long, Map<String, byte[]>> stored = new HashMap<>();
    Map<Long, MemberTable> tables = new HashMap<>();
    Map<Long, ExactAccumulator> sums = new HashMap<>();
    int[] next = {0};
    List<Window> out = new ArrayList<>();
    int size = rows;
    for (int w = 0; w <= windows; w++) {
      int n = w == 0 ? rows : Math.max(1, (int) Math.round(size * fraction));
      Map<Long, TreeMap<String, byte[]>> changes = new HashMap<>();
      for (int k = 0; k < n; k++) {
        int i = next[0]++;
        long label = rnd.nextInt(classes);
        int cluster = rnd.nextDouble() < 0.05 ? rnd.nextInt(classes) : (int) label;
        ByteBuffer b = ByteBuffer.allocate(8 * dim).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < 2 * dim; j++) {
          b.putFloat((float) (centers[cluster][j] + 1.5 * rnd.nextGaussian()));
        }
        String id = String.format("%010d", i);
        changes.computeIfAbsent(label, l -> new TreeMap<>(Ids.ORDER)).put(id, b.array());
        stored.computeIfAbsent(label, l -> new HashMap<>()).put(id, b.array());
        sums.computeIfAbsent(label, l -> new ExactAccumulator(2 * dim)).addLittleEndian(b.array());
      }
      if (w > 0) {
        size += n;
      }
      Centroids[] cents = centroids(sums, dims, offsets);
      long t0 = System.nanoTime();
      Map<Long, io.fmselect.select.ClassSelection> incremental = new HashMap<>();
      for (Map.Entry<Long, MemberTable> e : sorted(tables, changes.keySet(), dims, offsets, method)) {
        MemberTable m = e.getValue();
        int[] from = m.apply(rows(changes.getOrDefault(e.getKey(), new TreeMap<>(Ids.ORDER))));
        incremental.put(e.getKey(), m.incremental.select(m.members(e.getKey()), cents, 0.1, from));
      }
      long t1 = System.nanoTime();
      Map<Long, io.fmselect.select.ClassSelection> full = new HashMap<>();
      for (Map.Entry<Long, Map<String, byte[]>> e : stored.entrySet()) {
        MemberTable fresh = new MemberTable(dims, offsets, 0);
        TreeMap<String, byte[]> all = new TreeMap<>(Ids.ORDER);
        all.putAll(e.getValue());
        fresh.apply(rows(all)); // decoded from the stored bytes, as a rebuild from state does
        full.put(e.getKey(), method.select(fresh.members(e.getKey()), cents, 0.1));
      }
      long t2 = System.nanoTime();
      for (Map.Entry<Long, io.fmselect.select.ClassSelection> e : full.entrySet()) {
        io.fmselect.select.ClassSelection a = e.getValue();
        io.fmselect.select.ClassSelection b = incremental.get(e.getKey());
        for (int i = 0; i < a.size(); i++) {
          if (a.selected(i) != b.selected(i) || a.figure(i) != b.figure(i) || a.rank(i) != b.rank(i)) {
            throw new IllegalStateException("class " + e.getKey() + ": incremental and full differ at member " + i);
          }
        }
      }
      if (w > 0) {
        out.add(new Window(size, n, t1 - t0, t2 - t1));
      }
      if (progress != null) {
        progress.accept(w);
      }
    }
    return out;
  }

  private static TreeMap<String, MemberTable.Row> rows(TreeMap<String, byte[]> values) {
    TreeMap<String, MemberTable.Row> rows = new TreeMap<>(Ids.ORDER);
    values.forEach((id, v) -> rows.put(id, new MemberTable.Row(v, MemberChange.NONE)));
    return rows;
  }

  /** Every class that has a table or changes, in label order; a class seen first gets an empty table. */
  private static List<Map.Entry<Long, MemberTable>> sorted(Map<Long, MemberTable> tables, Iterable<Long> changed,
      int[] dims, int[] offsets, RamApl method) {
    for (long label : changed) {
      tables.computeIfAbsent(label, l -> {
        MemberTable t = new MemberTable(dims, offsets, 0);
        t.incremental = method.incremental();
        return t;
      });
    }
    List<Map.Entry<Long, MemberTable>> all = new ArrayList<>(tables.entrySet());
    all.sort(Map.Entry.comparingByKey());
    return all;
  }

  private static Centroids[] centroids(Map<Long, ExactAccumulator> sums, int[] dims, int[] offsets) {
    long[] labels = sums.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
    int[] counts = new int[labels.length];
    List<double[]> all = new ArrayList<>();
    for (int c = 0; c < labels.length; c++) {
      ExactAccumulator a = sums.get(labels[c]);
      counts[c] = (int) a.count();
      all.add(a.sums());
    }
    return ClassWindowStep.centroidsPerFm(labels, counts, all, dims, offsets);
  }
}
