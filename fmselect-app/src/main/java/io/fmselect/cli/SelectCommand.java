package io.fmselect.cli;

import io.fmselect.io.AtomicFile;
import io.fmselect.io.OutputTarget;
import io.fmselect.select.BatchSelector;
import io.fmselect.io.NpyMatrix;
import io.fmselect.select.EmbeddingSource;
import io.fmselect.select.Budget;
import io.fmselect.select.Methods;
import io.fmselect.select.RamApl;
import io.fmselect.select.PseudoLabeler;
import io.fmselect.select.SelectionMethod;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fmselect select}: the batch selector over .npy embeddings. */
@Command(
    name = "select",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Selects a class-balanced subset of the rows of .npy embeddings.",
      "Writes the selected row indexes (0-based, ascending, one per line) to --out and, with --scores, a CSV of"
          + " the figures behind every row. Exit code 2 on bad input; no output file is left behind unless all of"
          + " them were written. A FILE of - is standard output."
    })
public final class SelectCommand implements Callable<Integer> {

  @Option(names = "--method", paramLabel = "NAME", defaultValue = Methods.DEFAULT,
      description = "selection method: ram-apl, min, moderate-ds, kcenter, graphcut, facility-location or uniform"
          + " (default: ${DEFAULT-VALUE})")
  String method;

  @Option(names = "--fraction", paramLabel = "R", required = true,
      description = "fraction of each class to keep, in " + Budget.FRACTION_RANGE)
  double fraction;

  @Option(names = "--labels", paramLabel = "FILE", required = true,
      description = ".npy, 1-D int32/int64: the label of each row")
  Path labels;

  @Option(names = "--features", paramLabel = "NAME=FILE", required = true,
      description = ".npy, 2-D float32/float64 (rows x dims), C order; repeat per feature set "
          + "(RAM-APL: one or more; the baselines: exactly one)")
  List<String> features;

  @Option(names = "--out", paramLabel = "FILE", required = true, description = "selected row indexes (- for standard output)")
  Path out;

  @Option(names = "--scores", paramLabel = "FILE",
      description = "CSV of every row's figures (for ram-apl: index, label, ram, apl, score, rank, selected; - for"
          + " standard output)")
  Path scores;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "seed of the uniform baseline (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--a", paramLabel = "A", defaultValue = "" + RamApl.DEFAULT_A, description = "RAM-APL weight floor a (default: ${DEFAULT-VALUE})")
  double weightA;

  @Option(names = "--k", paramLabel = "K", defaultValue = "" + RamApl.DEFAULT_K, description = "RAM-APL weight slope k (default: ${DEFAULT-VALUE})")
  double weightK;

  @Option(names = "--s", paramLabel = "S", defaultValue = "" + RamApl.DEFAULT_S, description = "RAM-APL weight midpoint s (default: ${DEFAULT-VALUE})")
  double weightS;

  @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: available processors)")
  Integer threads;

  @Option(names = "--stats", description = "print timings, heap use and fast-path counters to stderr")
  boolean stats;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    long t0 = System.nanoTime();
    if (!Methods.NAMES.contains(method)) {
      throw new UserError("unknown method '" + method + "' (expected one of " + String.join(", ", Methods.NAMES) + ")");
    }
    try {
      Budget.checkFraction("--fraction", fraction);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    int featureCount = NpyInputs.parseSpecs(features).size();
    PseudoLabeler.Stats counters = new PseudoLabeler.Stats();
    SelectionMethod created;
    try {
      created = Methods.create(method, new Methods.Params(weightA, weightK, weightS, seed, counters));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    // only the selection is written without --scores: no APL for members that cannot be kept
    SelectionMethod m = scores == null && created instanceof RamApl r ? r.keptFiguresOnly() : created;
    if (!m.multiModel() && featureCount != 1) {
      throw new UserError(method + " takes exactly one --features, got " + featureCount);
    }
    int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (nThreads < 1) {
      throw new UserError("--threads must be at least 1");
    }
    OutputTarget outTarget = OutputFiles.checkWritable(out, "--out");
    if (scores != null && OutputFiles.checkWritable(scores, "--scores").isStdout() && outTarget.isStdout()) {
      throw new UserError("--out and --scores both go to standard output: give at most one of them as - or /dev/stdout");
    }

    // Headers first: cheap, and every shape mistake is reported before any data is read.
    NpyInputs in = NpyInputs.open(labels, features);
    long[] labelValues = in.labels();
    NpyMatrix[] matrices = in.features();
    long t1 = System.nanoTime();

    BatchSelector.Result result;
    try {
      result = BatchSelector.select(labelValues, matrices, m, fraction, nThreads);
    } catch (EmbeddingSource.NonFiniteValueException e) {
      throw new UserError(e.getMessage());
    }
    long t2 = System.nanoTime();

    try (AtomicFile.Batch batch = new AtomicFile.Batch()) {
      batch.add(out, os -> writeSelected(os, result));
      if (scores != null) {
        batch.add(scores, os -> writeScores(os, result, labelValues, m));
      }
      batch.commit();
    }
    long t3 = System.nanoTime();
    if (stats) {
      printStats(t0, t1, t2, t3, result, counters, matrices);
    }
    return 0;
  }

  private static void writeSelected(java.io.OutputStream os, BatchSelector.Result r) throws IOException {
    Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.US_ASCII), 1 << 16);
    for (int row : r.selectedRows()) {
      w.write(Integer.toString(row));
      w.write('\n');
    }
    w.flush();
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : Double.toString(v);
  }

  private static void writeScores(java.io.OutputStream os, BatchSelector.Result r, long[] labels, SelectionMethod m)
      throws IOException {
    Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.US_ASCII), 1 << 16);
    boolean ramApl = r.hasRamApl();
    w.write(ramApl ? "index,label,ram,apl,score,rank,selected\n" : "index,label," + m.figureName() + ",rank,selected\n");
    StringBuilder sb = new StringBuilder(96);
    for (int i = 0; i < r.rows(); i++) {
      sb.setLength(0);
      sb.append(i).append(',').append(labels[i]).append(',');
      if (ramApl) {
        sb.append(num(r.ram(i))).append(',').append(num(r.apl(i))).append(',');
      }
      sb.append(num(r.figure(i))).append(',');
      int rank = r.rank(i);
      if (rank >= 0) {
        sb.append(rank);
      }
      sb.append(',').append(r.selected(i) ? '1' : '0').append('\n');
      w.append(sb);
    }
    w.flush();
  }

  private void printStats(long t0, long t1, long t2, long t3, BatchSelector.Result r, PseudoLabeler.Stats c, NpyMatrix[] ms) {
    long heapPeak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        heapPeak += pool.getPeakUsage().getUsed();
      }
    }
    long featureBytes = 0;
    for (NpyMatrix e : ms) {
      featureBytes += (long) e.rows() * e.dim() * (e.isFloat() ? Float.BYTES : Double.BYTES);
    }
    long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    double sinceJvm = (System.currentTimeMillis() - jvmStart) / 1000.0;
    PrintWriter err = spec.commandLine().getErr();
    err.printf("stats: load_s=%.3f centroid_pass_s=%.3f method_pass_s=%.3f select_s=%.3f write_s=%.3f command_s=%.3f since_jvm_start_s=%.3f"
            + " rows=%d selected=%d heap_peak_bytes=%d feature_bytes=%d heap_over_features=%.2f"
            + " pseudo_rows=%d pseudo_rechecked=%d%n",
        (t1 - t0) / 1e9, r.centroidNanos() / 1e9, r.selectNanos() / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t3 - t0) / 1e9, sinceJvm,
        r.rows(), r.selectedRows().length, heapPeak, featureBytes, (double) heapPeak / featureBytes,
        c.rows(), c.rechecked());
    err.flush();
  }

}
