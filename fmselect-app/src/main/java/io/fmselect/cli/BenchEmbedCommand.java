package io.fmselect.cli;

import io.fmselect.embed.FmEncoder;
import io.fmselect.embed.ModelService;
import io.fmselect.embed.ModelSpec;
import io.fmselect.embed.Preprocessor;
import io.fmselect.embed.TinyEncoder;
import io.fmselect.stream.EmbedImages;
import io.fmselect.stream.window.SampleEvent;
import io.fmselect.stream.StreamConfig;
import io.fmselect.stream.StreamOptions;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fmselect bench-embed}: images per second through an FM, at batch 1 and at batch B (the model
 * call alone), through the stream's embed path (decode, resize, normalize, micro-batching service), and
 * with {@code --operator} through the stream's Flink operator itself, to give the overhead per image of
 * everything but the model call. The model is a spec file given with {@code --spec}, or the small
 * generated conv net ({@link TinyEncoder}) when none is given.
 */
@Command(name = "bench-embed", hidden = true, mixinStandardHelpOptions = true, sortOptions = false,
    description = "Measures images/s through one FM: the model call at batch 1 and batch B, and the whole embed"
        + " path.")
public final class BenchEmbedCommand implements Callable<Integer> {
  @Option(names = "--spec", paramLabel = "FILE", description = "FM spec file (default: a generated small conv net)")
  Path specFile;

  @Option(names = "--size", defaultValue = "32", paramLabel = "PX",
      description = "input size of the generated model (default: ${DEFAULT-VALUE})") int size;

  @Option(names = "--input-size", paramLabel = "N", description = "run the --spec model at this input size"
      + " (input_size and resize of the spec set to N)")
  Integer inputSize;

  @Option(names = "--images", defaultValue = "512", paramLabel = "N",
      description = "images per measurement (default: ${DEFAULT-VALUE})") int images;

  @Option(names = "--batch", defaultValue = "32", paramLabel = "B",
      description = "batch size B of the batched model call (default: ${DEFAULT-VALUE})") int batch;

  @Option(names = "--threads", defaultValue = "2", paramLabel = "N",
      description = "intra-op threads (default: ${DEFAULT-VALUE})") int threads;

  @Option(names = "--runs", defaultValue = "5", paramLabel = "N",
      description = "measurements, after one to warm up; the medians are printed (default: ${DEFAULT-VALUE})") int runs;

  @Option(names = "--operator", description = "also time the stream's Flink operator on a local MiniCluster")
  boolean operator;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path work = Files.createTempDirectory("fmselect-bench-embed");
    ModelSpec s;
    if (specFile == null) {
      new TinyEncoder(16, 64, 1).writeOnnx(work.resolve("small.onnx"));
      Files.writeString(work.resolve("small.yaml"), String.join("\n", "name: small", "model: small.onnx",
          "input_size: " + size, "dimension: 64", "batch_size: " + batch, "max_delay_ms: 50", ""));
      s = ModelSpec.load(work.resolve("small.yaml"));
    } else {
      s = ModelSpec.load(specFile);
      if (inputSize != null) {
        if (operator) {
          throw new UserError("--input-size and --operator: the operator reads the spec file itself; write a spec"
              + " with that input_size instead");
        }
        s = new ModelSpec(s.file(), s.name(), s.model(), s.engine(), inputSize, inputSize, s.interpolation(),
            s.antialias(), s.mean(), s.std(), s.bgr(),
            s.output(), s.pooling(), s.dimension(), s.device(), s.batchSize(), s.maxDelayMs());
      }
    }
    var out = spec.commandLine().getOut();
    // synthetic photo-like images (smooth colour waves plus a little noise) as JPEG, the usual input,
    // 5:4 and somewhat larger than the model's input so that they are resized and cropped
    SplittableRandom r = new SplittableRandom(7);
    List<byte[]> jpegs = new ArrayList<>();
    int side = s.resize() + s.resize() / 4;
    for (int i = 0; i < Math.min(images, 64); i++) {
      BufferedImage img = new BufferedImage(side, s.resize(), BufferedImage.TYPE_INT_RGB);
      double[] f = new double[9];
      for (int k = 0; k < f.length; k++) {
        f[k] = r.nextDouble() * 0.1;
      }
      for (int y = 0; y < img.getHeight(); y++) {
        for (int x = 0; x < img.getWidth(); x++) {
          int rgb = 0;
          for (int c = 0; c < 3; c++) {
            double v = 128 + 60 * Math.sin(f[3 * c] * x + f[3 * c + 1] * y + f[3 * c + 2] * 50) + 8 * r.nextGaussian();
            rgb = rgb << 8 | (int) Math.max(0, Math.min(255, v));
          }
          img.setRGB(x, y, rgb);
        }
      }
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      ImageIO.write(img, "jpg", b);
      jpegs.add(b.toByteArray());
    }
    int n = images;
    int t = 3 * s.inputSize() * s.inputSize();
    float[] one = Preprocessor.tensor(Preprocessor.decode(jpegs.get(0)), s);
    double[] b1 = new double[runs];
    double[] bb = new double[runs];
    double[] path = new double[runs];
    double[] overhead = new double[runs];
    double[] viaOperator = new double[runs];
    double[] operatorOverhead = new double[runs];
    // the model call and the whole path alternate within each run, so that each run's overhead compares
    // rates measured seconds apart (this machine's speed drifts by several percent over a minute)
    ModelService service = ModelService.acquire(List.of(s), 1, threads);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try (FmEncoder enc = FmEncoder.open(s, threads); FmEncoder.Worker w = enc.newWorker()) {
      float[] many = new float[batch * t];
      for (int i = 0; i < batch; i++) {
        System.arraycopy(one, 0, many, i * t, t);
      }
      for (int run = -1; run < runs; run++) { // run -1 warms up
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          w.embed(one, 1);
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < n; i += batch) {
          w.embed(many, batch);
        }
        long t2 = System.nanoTime();
        List<CompletableFuture<float[]>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          byte[] jpeg = jpegs.get(i % jpegs.size());
          fs.add(CompletableFuture.supplyAsync(() -> {
            try {
              return Preprocessor.decode(jpeg);
            } catch (Preprocessor.BadImageException e) {
              throw new IllegalStateException(e);
            }
          }, pool).thenCompose(img -> service.embed(0, img, pool)));
        }
        CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).join();
        long t3 = System.nanoTime();
        double op = operator ? throughOperator(s, jpegs, n) : Double.NaN;
        if (run >= 0) {
          b1[run] = n / ((t1 - t0) / 1e9);
          bb[run] = n / ((t2 - t1) / 1e9);
          path[run] = n / ((t3 - t2) / 1e9);
          overhead[run] = bb[run] / path[run] - 1;
          viaOperator[run] = op;
          operatorOverhead[run] = bb[run] / op - 1;
        }
      }
    } finally {
      ModelService.release(service);
      pool.shutdown();
    }
    // preprocessing alone, one thread
    double[] dec = new double[runs];
    double[] pre = new double[runs];
    for (int run = -1; run < runs; run++) {
      long d = 0;
      long q = 0;
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        Preprocessor.Rgb img = Preprocessor.decode(jpegs.get(i % jpegs.size()));
        long t1 = System.nanoTime();
        Preprocessor.tensor(img, s);
        q += System.nanoTime() - t1;
        d += t1 - t0;
      }
      if (run >= 0) {
        dec[run] = d / 1e6 / n;
        pre[run] = q / 1e6 / n;
      }
    }
    double m1 = BenchFigures.median(b1);
    double mb = BenchFigures.median(bb);
    double mp = BenchFigures.median(path);
    out.printf("%s (%d px, %d dims), %d images, %d intra-op threads, medians of %d runs:%n", s.name(), s.inputSize(),
        s.dimension(), n, threads, runs);
    out.printf("  model call, batch 1:  %.1f images/s%n", m1);
    out.printf("  model call, batch %d: %.1f images/s (%.2fx batch 1)%n", batch, mb, mb / m1);
    out.printf("  embed path (JPEG decode, resize, normalize, micro-batching, model): %.1f images/s%n", mp);
    out.printf("  preprocessing alone, one thread: JPEG decode %.3f ms, resize + crop + normalize %.3f ms per image%n",
        BenchFigures.median(dec), BenchFigures.median(pre));
    printOverhead(out, "embed path", overhead, mb);
    if (operator) {
      out.printf("  through the Flink operator (EmbedImages, async I/O, local MiniCluster): %.1f images/s%n",
          BenchFigures.median(viaOperator));
      printOverhead(out, "operator", operatorOverhead, mb);
    }
    out.flush();
    return 0;
  }

  private void printOverhead(java.io.PrintWriter out, String what, double[] overhead, double modelRate) {
    double mo = BenchFigures.median(overhead);
    double[] sorted = overhead.clone();
    Arrays.sort(sorted);
    out.printf("  overhead per image, %s: %.3f ms against %.3f ms of model time, %.1f%% (median of the runs, each"
        + " against the model call at batch %d in the same run; runs from %.1f%% to %.1f%%)%n", what,
        mo * 1000 / modelRate, 1000 / modelRate, 100 * mo, batch, 100 * sorted[0], 100 * sorted[runs - 1]);
  }

  /**
   * Images/s through the stream's {@link EmbedImages} operator (ordered async I/O, as the job wires it) on
   * a local MiniCluster, fed the JPEGs as samples that lack the FM's embedding. Timed from the first
   * micro-batch out to the last image out, so model loading and the first batch's fill are left out.
   */
  private double throughOperator(ModelSpec s, List<byte[]> jpegs, int n) throws Exception {
    Path dir = Files.createTempDirectory("fmselect-bench-operator");
    Files.createSymbolicLink(dir.resolve(s.model().getFileName()), s.model().toAbsolutePath());
    Files.copy(s.file(), dir.resolve(s.file().getFileName()));
    Configuration c = new Configuration();
    c.set(StreamOptions.MODELS_DIR, dir.toString());
    c.set(StreamOptions.EMBED_INTRA_OP_THREADS, threads);
    StreamConfig config = StreamConfig.from(c);
    List<SampleEvent> samples = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SampleEvent e = new SampleEvent();
      e.id = Integer.toString(i);
      e.hasLabel = true;
      e.values = new byte[4 * s.dimension()];
      e.missing = 1;
      e.image = jpegs.get(i % jpegs.size());
      samples.add(e);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
    DataStream<SampleEvent> embedded = AsyncDataStream.orderedWait(env.fromData(samples), new EmbedImages(config),
        config.embedding().timeoutMs(), TimeUnit.MILLISECONDS, config.embedding().capacity());
    Stamp.reset(n);
    embedded.map(new Stamp()).sinkTo(new DiscardingSink<>());
    env.execute("bench-embed operator");
    for (Path f : List.of(dir.resolve(s.model().getFileName()), dir.resolve(s.file().getFileName()), dir)) {
      Files.delete(f);
    }
    if (Stamp.seen.get() != n) {
      throw new IllegalStateException(Stamp.seen.get() + " of " + n + " samples came out");
    }
    return Stamp.steadyRate();
  }

  /** Times the operator's output (the local MiniCluster runs in this JVM); fails on a rejected sample. */
  static final class Stamp implements MapFunction<SampleEvent, SampleEvent> {
    private static final long serialVersionUID = 1L;
    static final java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
    static volatile long[] times = new long[0];

    static void reset(int n) {
      seen.set(0);
      times = new long[n];
    }

    @Override
    public SampleEvent map(SampleEvent e) {
      if (e.reason != null) {
        throw new IllegalStateException("sample " + e.id + " rejected: " + e.reason + " " + e.detail);
      }
      times[seen.getAndIncrement()] = System.nanoTime();
      return e;
    }

    /**
     * Images/s after the first micro-batch: the outputs of one batch leave together, so the first batch
     * is the outputs within a millisecond of the first one, and the window runs from its end to the last
     * output.
     */
    static double steadyRate() {
      long[] t = times;
      int first = 1;
      while (first < t.length && t[first] - t[0] < 1_000_000) {
        first++;
      }
      return (t.length - first) / ((t[t.length - 1] - t[first - 1]) / 1e9);
    }
  }

}
