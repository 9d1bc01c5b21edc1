package io.fmselect.quality;

import io.fmselect.demo.DemoReport;
import io.fmselect.io.AtomicFile;
import io.fmselect.select.BatchSelector;
import io.fmselect.select.EmbeddingSource;
import io.fmselect.select.Embeddings;
import io.fmselect.select.Methods;
import io.fmselect.select.RamApl;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a {@link Study}'s cells one after the other and keeps what is done under the output folder, so an
 * interrupted run resumes where it stopped: every finished cell is a row of {@code results.csv} (rewritten
 * atomically after each cell), every subset a file of pool rows under {@code cache/subsets/}. A cell of
 * {@code results.csv} counts only if it was made from the same data and recipe ({@code fingerprint}).
 */
public final class StudyRunner {
  /** One finished cell. */
  public record Result(String variant, String arm, String method, String encoders, double fraction, long seed,
      int size, int noisy, int smallestClass, int largestClass, double accuracy, double seconds, String fingerprint) {

    static final String HEADER = "variant,arm,method,encoders,fraction,seed,subset_size,noisy_kept,smallest_class,"
        + "largest_class,accuracy,train_seconds,fingerprint";

    String key() {
      return String.join("|", variant, arm, Study.fractionLabel(fraction), Long.toString(seed));
    }

    String csv() {
      return String.join(",", variant, DemoReport.csv(arm), method, DemoReport.csv(encoders), Study.fractionLabel(fraction),
          Long.toString(seed), Integer.toString(size), Integer.toString(noisy), Integer.toString(smallestClass),
          Integer.toString(largestClass), String.format(Locale.ROOT, "%.4f", accuracy),
          String.format(Locale.ROOT, "%.1f", seconds), fingerprint);
    }

    static Result parse(String line) {
      List<String> f = fields(line);
      if (f.size() != 13) {
        throw new IllegalArgumentException("expected 13 fields, got " + f.size());
      }
      return new Result(f.get(0), f.get(1), f.get(2), f.get(3), Double.parseDouble(f.get(4)), Long.parseLong(f.get(5)),
          Integer.parseInt(f.get(6)), Integer.parseInt(f.get(7)), Integer.parseInt(f.get(8)), Integer.parseInt(f.get(9)),
          Double.parseDouble(f.get(10)), Double.parseDouble(f.get(11)), f.get(12));
    }
  }

  private final StudyData data;
  private final Map<String, float[][]> embeddings;
  private final Study study;
  private final Path out;
  private final int threads;
  private final String fingerprint;
  private final Map<String, Study.Corrupted> variants = new HashMap<>();
  private int trained;

  /**
   * @param embeddings every encoder's embedding of every pool image, by encoder name
   * @param out the output folder (results.csv, cache/)
   */
  public StudyRunner(StudyData data, Map<String, float[][]> embeddings, Study study, Path out, int threads) {
    this.data = data;
    this.embeddings = embeddings;
    this.study = study;
    this.out = out;
    this.threads = threads;
    this.fingerprint = Integer.toHexString((data.key() + "|" + study.recipe()).hashCode());
  }

  public Path resultsFile() {
    return out.resolve("results.csv");
  }

  /** Every row of results.csv, in file order. */
  List<Result> rows() throws IOException {
    List<Result> all = new ArrayList<>();
    if (Files.isRegularFile(resultsFile())) {
      List<String> lines = Files.readAllLines(resultsFile(), StandardCharsets.UTF_8);
      for (int i = 1; i < lines.size(); i++) {
        if (lines.get(i).isBlank()) {
          continue;
        }
        Result r;
        try {
          r = Result.parse(lines.get(i));
        } catch (RuntimeException e) {
          throw new IllegalArgumentException(resultsFile() + ":" + (i + 1) + ": not a result row (" + e.getMessage()
              + "); move the file away to start over");
        }
        all.add(r);
      }
    }
    return all;
  }

  /**
   * Runs every cell not finished yet, reporting each to {@code progress}; returns the study's results in cell
   * order (finished earlier or now).
   */
  public List<Result> run(Progress progress) throws IOException {
    List<Result> kept = rows(); // rows of other studies (another recipe, other data) in the same file stay
    Map<String, Result> done = new LinkedHashMap<>();
    for (Result r : kept) {
      if (r.fingerprint().equals(fingerprint)) {
        done.put(r.key(), r);
      }
    }
    List<Study.Cell> cells = study.cells();
    List<Result> results = new ArrayList<>();
    int todo = (int) cells.stream().filter(c -> !done.containsKey(c.key())).count();
    progress.start(cells.size(), cells.size() - todo);
    for (Study.Cell c : cells) {
      Result r = done.get(c.key());
      if (r == null) {
        progress.cell(c);
        r = run(c);
        trained++;
        kept.add(r);
        writeResults(kept);
        progress.finished(c, r);
      }
      results.add(r);
    }
    return results;
  }

  /** Cells trained by the last {@link #run(Progress)} (the others came from results.csv). */
  public int trained() {
    return trained;
  }

  /** What a run reports as it goes. */
  public interface Progress {
    void start(int cells, int alreadyDone);

    void cell(Study.Cell c);

    void finished(Study.Cell c, Result r);
  }

  private void writeResults(List<Result> rows) throws IOException {
    StringBuilder b = new StringBuilder(Result.HEADER).append('\n');
    for (Result r : rows) {
      b.append(r.csv()).append('\n');
    }
    byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
    AtomicFile.write(resultsFile(), o -> o.write(bytes));
  }

  Study.Corrupted variant(Study.Variant v) {
    return variants.computeIfAbsent(v.name(), n -> v.apply(data.pool().labels(), data.classes()));
  }

  /** Runs one cell: its subset (from the cache or selected now), then a classifier trained on it. */
  Result run(Study.Cell c) throws IOException {
    Study.Corrupted v = variant(c.variant());
    int[] chosen = subset(c, v);
    int[] rows = new int[chosen.length];
    int[] labels = new int[chosen.length];
    int[] perClass = new int[data.classes()];
    for (int k = 0; k < chosen.length; k++) {
      rows[k] = v.rows()[chosen[k]];
      labels[k] = v.labels()[chosen[k]];
      perClass[labels[k]]++;
    }
    int smallest = Arrays.stream(perClass).filter(n -> n > 0).min().orElse(0);
    int largest = Arrays.stream(perClass).max().orElse(0);
    long t0 = System.nanoTime();
    double acc = Classifier.trainAndTest(data.pool().subset(rows, labels), data.test(), data.classes(), study.recipe(),
        c.seed());
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new Result(c.variant().name(), c.arm().label(), c.arm().method(), String.join("+", c.arm().encoders()),
        c.fraction(), c.seed(), chosen.length, v.noisy(chosen, data.pool().labels()), smallest, largest, acc, seconds,
        fingerprint);
  }

  /** The cell's subset as positions into the variant's rows, ascending. */
  int[] subset(Study.Cell c, Study.Corrupted v) throws IOException {
    if (c.arm().method().equals("full")) {
      int[] all = new int[v.rows().length];
      Arrays.setAll(all, i -> i);
      return all;
    }
    boolean seeded = c.arm().method().equals("uniform");
    String name = c.arm().label().replaceAll("[^A-Za-z0-9.+-]+", "_") + "-f" + Study.fractionLabel(c.fraction())
        + (seeded ? "-s" + c.seed() : "") + ".txt";
    Path file = out.resolve("cache").resolve(data.key()).resolve("subsets").resolve(c.variant().name()).resolve(name);
    if (Files.isRegularFile(file)) {
      return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).mapToInt(Integer::parseInt).toArray();
    }
    List<String> encoders = c.arm().encoders();
    EmbeddingSource[] features = new EmbeddingSource[encoders.size()];
    for (int f = 0; f < features.length; f++) {
      float[][] all = embeddings.get(encoders.get(f));
      if (all == null) {
        throw new IllegalArgumentException("no embeddings for encoder '" + encoders.get(f) + "' (have "
            + String.join(", ", embeddings.keySet()) + ")");
      }
      float[][] rows = new float[v.rows().length][];
      for (int k = 0; k < rows.length; k++) {
        rows[k] = all[v.rows()[k]];
      }
      features[f] = Embeddings.ofFloats(rows);
    }
    long[] labels = Arrays.stream(v.labels()).asLongStream().toArray();
    var method = Methods.create(c.arm().method(), new Methods.Params(RamApl.DEFAULT_A, RamApl.DEFAULT_K,
        RamApl.DEFAULT_S, c.seed(), null));
    int[] chosen = BatchSelector.select(labels, features, method, c.fraction(), threads).selectedRows();
    Files.createDirectories(file.getParent());
    StringBuilder b = new StringBuilder();
    for (int k : chosen) {
      b.append(k).append('\n');
    }
    byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
    AtomicFile.write(file, o -> o.write(bytes));
    return chosen;
  }

  private static List<String> fields(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted) {
        if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (ch == '"') {
          quoted = false;
        } else {
          cur.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(ch);
      }
    }
    out.add(cur.toString());
    return out;
  }

  /** A console progress bar: one line per cell with the bar, elapsed time and an estimate of what is left. */
  public static Progress console(PrintWriter err) {
    return new Progress() {
      private int total;
      private int done;
      private int ranNow;
      private long t0;

      @Override
      public void start(int cells, int alreadyDone) {
        total = cells;
        done = alreadyDone;
        t0 = System.nanoTime();
        if (alreadyDone > 0) {
          err.printf(Locale.ROOT, "resuming: %d of %d cells already done%n", alreadyDone, cells);
          err.flush();
        }
      }

      @Override
      public void cell(Study.Cell c) {
        // reported with its result
      }

      @Override
      public void finished(Study.Cell c, Result r) {
        done++;
        ranNow++;
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double left = elapsed / ranNow * (total - done);
        int width = 30;
        int filled = (int) Math.round(width * (double) done / total);
        err.printf(Locale.ROOT, "[%s%s] %d/%d %s: accuracy %.4f, %d images, %d noisy (%.1f s); %s elapsed, ~%s left%n",
            "#".repeat(filled), ".".repeat(width - filled), done, total, c, r.accuracy(), r.size(), r.noisy(),
            r.seconds(), clock(elapsed), clock(left));
        err.flush();
      }
    };
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
