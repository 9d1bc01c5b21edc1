package io.fmselect.stream;

import io.fmselect.select.Methods;
import io.fmselect.select.PseudoLabeler;
import io.fmselect.select.SelectionMethod;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/** The resolved settings every operator needs, checked once when the job is built. */
public record StreamConfig(List<String> fmNames, int[] dims, long windowMs, String method, double fraction,
    double a, double k, double s, long seed, long failAfterRecords, Embedding embedding,
    EventTime eventTime, int explainEvery, int classGauges, long memberCacheBytes, int failAttempts,
    long rejectsLogIntervalMs, Publish publish)
    implements Serializable {

  /** {@link #memberCacheBytes}: 60% of the TaskManager's heap, resolved where the job runs. */
  public static final long DEFAULT_SHARE_OF_HEAP = -1;
  /** The share of the heap {@link #DEFAULT_SHARE_OF_HEAP} stands for. */
  public static final double DEFAULT_HEAP_SHARE = 0.6;

  /**
   * Where event time comes from (docs/design.md, "Event time"), in milliseconds: the watermark's lag behind a
   * partition's newest accepted event time, the silence after which a partition stops holding it back, the
   * silence of every partition after which the windows up to the newest event time close, and how far ahead
   * of its partition a sample may be.
   */
  public record EventTime(long outOfOrdernessMs, long idlenessMs, long idleFlushMs, long maxFutureMs)
      implements Serializable {}

  /** The in-stream FM inference settings (null: samples must carry their embeddings). */
  public record Embedding(String modelsDir, long timeoutMs, int capacity, int workers, int intraOpThreads,
      long maxImageBytes) implements Serializable {}

  /** Reads and checks the options; throws IllegalArgumentException naming the bad one. */
  public static StreamConfig from(Configuration conf) {
    List<String> fms = conf.get(StreamOptions.FMS);
    String modelsDir = conf.get(StreamOptions.MODELS_DIR);
    Embedding embedding = null;
    List<io.fmselect.embed.ModelSpec> specs = List.of();
    if (modelsDir != null) {
      try {
        specs = io.fmselect.embed.ModelSpec.loadAll(java.nio.file.Path.of(modelsDir));
      } catch (java.io.IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException(StreamOptions.MODELS_DIR.key() + ": " + e.getMessage());
      }
      if (fms == null || fms.isEmpty()) { // the FMs are the models'
        fms = specs.stream().map(m -> m.name() + "=" + m.dimension()).toList();
      }
      embedding = new Embedding(modelsDir, conf.get(StreamOptions.EMBED_TIMEOUT).toMillis(),
          conf.get(StreamOptions.EMBED_CAPACITY), conf.get(StreamOptions.EMBED_WORKERS),
          conf.get(StreamOptions.EMBED_INTRA_OP_THREADS), conf.get(StreamOptions.MAX_IMAGE_BYTES));
    }
    if (fms == null || fms.isEmpty()) {
      throw new IllegalArgumentException(StreamOptions.FMS.key() + " must name at least one FM as NAME=DIM");
    }
    if (fms.size() > 32) {
      throw new IllegalArgumentException(StreamOptions.FMS.key() + ": at most 32 FMs, got " + fms.size());
    }
    List<String> names = new ArrayList<>();
    int[] dims = new int[fms.size()];
    for (int i = 0; i < fms.size(); i++) {
      String spec = fms.get(i).trim();
      int eq = spec.indexOf('=');
      try {
        if (eq <= 0) {
          throw new NumberFormatException();
        }
        dims[i] = Integer.parseInt(spec.substring(eq + 1).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("FM '" + spec + "' must be NAME=DIM");
      }
      if (dims[i] < 1) {
        throw new IllegalArgumentException("FM '" + spec + "': dimension must be at least 1");
      }
      String name = spec.substring(0, eq).trim();
      if (names.contains(name)) {
        throw new IllegalArgumentException("FM '" + name + "' is given twice");
      }
      names.add(name);
      for (io.fmselect.embed.ModelSpec m : specs) {
        if (m.name().equals(name) && m.dimension() != dims[i]) {
          throw new IllegalArgumentException("FM '" + spec + "' differs from its model spec " + m.file()
              + " (dimension " + m.dimension() + ")");
        }
      }
    }
    double fraction = conf.get(StreamOptions.FRACTION);
    io.fmselect.select.Budget.checkFraction(StreamOptions.FRACTION.key(), fraction);
    long window = conf.get(StreamOptions.WINDOW).toMillis();
    if (window < 1) {
      throw new IllegalArgumentException(StreamOptions.WINDOW.key() + " must be at least 1 ms");
    }
    StreamConfig c = new StreamConfig(List.copyOf(names), dims, window, conf.get(StreamOptions.METHOD), fraction,
        conf.get(StreamOptions.WEIGHT_A), conf.get(StreamOptions.WEIGHT_K), conf.get(StreamOptions.WEIGHT_S),
        conf.get(StreamOptions.SEED), conf.get(StreamOptions.FAIL_AFTER_RECORDS), embedding, eventTime(conf),
        conf.getOptional(StreamOptions.EXPLAIN_TOPIC).isPresent() ? conf.get(StreamOptions.EXPLAIN_EVERY) : 0,
        conf.get(StreamOptions.CLASS_GAUGES),
        !conf.get(StreamOptions.MEMBER_CACHE) ? 0 : conf.getOptional(StreamOptions.MEMBER_CACHE_SIZE)
            .map(org.apache.flink.configuration.MemorySize::getBytes).orElse(DEFAULT_SHARE_OF_HEAP),
        conf.get(StreamOptions.FAIL_ATTEMPTS), millis(conf, StreamOptions.REJECTS_LOG_INTERVAL, 1),
        Publish.of(conf.get(StreamOptions.PUBLISH)));
    if (conf.get(StreamOptions.EXPLAIN_EVERY) < 1) {
      throw new IllegalArgumentException(StreamOptions.EXPLAIN_EVERY.key() + " must be at least 1");
    }
    SelectionMethod m = c.createMethod();
    if (!m.multiModel() && names.size() != 1) {
      throw new IllegalArgumentException(m.name() + " takes exactly one FM, got " + names.size());
    }
    return c;
  }

  private static EventTime eventTime(Configuration conf) {
    return new EventTime(millis(conf, StreamOptions.OUT_OF_ORDERNESS, 0), millis(conf, StreamOptions.IDLENESS, 1),
        millis(conf, StreamOptions.IDLE_FLUSH, 1), millis(conf, StreamOptions.MAX_FUTURE, 1));
  }

  private static long millis(Configuration conf, org.apache.flink.configuration.ConfigOption<java.time.Duration> o,
      long least) {
    long ms = conf.get(o).toMillis();
    if (ms < least) {
      throw new IllegalArgumentException(o.key() + " must be at least " + least + " ms, got " + conf.get(o));
    }
    return ms;
  }

  /** The selection method (throws IllegalArgumentException for an unknown name). */
  public SelectionMethod createMethod() {
    return createMethod(null);
  }

  /** The selection method, counting RAM-APL's pseudo-label work into {@code stats} (may be null). */
  public SelectionMethod createMethod(PseudoLabeler.Stats stats) {
    return Methods.create(method, new Methods.Params(a, k, s, seed, stats));
  }

  /** Sum of the FM dimensions: the length of a sample's concatenated embedding. */
  public int totalDim() {
    int t = 0;
    for (int d : dims) {
      t += d;
    }
    return t;
  }

  /** Where each FM's values start in a sample's concatenated embeddings. */
  public int[] offsets() {
    int[] o = new int[dims.length];
    for (int f = 0; f < dims.length; f++) {
      o[f] = offset(f);
    }
    return o;
  }

  /** Where FM {@code fm} starts in a concatenated embedding. */
  public int offset(int fm) {
    int t = 0;
    for (int i = 0; i < fm; i++) {
      t += dims[i];
    }
    return t;
  }

  /** The window end that event time t belongs to: the smallest multiple of the window >= t. */
  public long windowEnd(long t) {
    return windowEnd(t, windowMs);
  }

  /** The publish cadence's interval in latest mode: half a window of processing time (at least 1 ms). */
  public long publishIntervalMs() {
    return Math.max(1, windowMs / 2);
  }

  /** The smallest multiple of {@code windowMs} at or after t. */
  static long windowEnd(long t, long windowMs) {
    long floor = Math.floorDiv(t, windowMs) * windowMs;
    return floor == t ? t : floor + windowMs;
  }
}
