package io.fmselect.cli;

import io.fmselect.avro.LabeledSample;
import io.fmselect.avro.Op;
import io.fmselect.avro.SubsetChange;
import io.fmselect.demo.Png;
import io.fmselect.embed.Preprocessor;
import io.fmselect.quality.Classifier;
import io.fmselect.quality.ContinualReport;
import io.fmselect.quality.ContinualReport.Row;
import io.fmselect.quality.Study;
import io.fmselect.quality.StudyData;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Callable;
import io.fmselect.stream.StreamOptions;
import io.fmselect.stream.Topics;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fmselect bench continual}: Fashion-MNIST arrives in stages through the real pipeline (a broker in
 * this process, the streaming job embedding the images with the encoders, the Java consumer of the subset
 * topic). After each stage a classifier is trained from scratch on the subset the topic holds (GDumb-style),
 * on a class-balanced random subset of the same size, and on everything seen so far; each is measured on the
 * test split, over seeds.
 */
@Command(name = "continual", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
      "Streams a Fashion-MNIST pool in stages through the real pipeline and trains on the subset after each.",
      "The pipeline is the embedded broker, the streaming job with the encoders and the Java consumer of the subset"
          + " topic. After each stage it trains a fresh CNN on the subset, on a class-balanced random subset of the"
          + " same size and on all data seen so far, and measures each on the test split over seeds. Writes"
          + " continual.csv, continual.md and plots/continual.png into --out."
    })
public final class BenchContinualCommand implements Callable<Integer> {
  @Mixin FashionMnistFlags fashionMnist;

  @Option(names = "--stages", paramLabel = "N", defaultValue = "5", description = "stages (default: ${DEFAULT-VALUE})")
  int stages;

  @Option(names = "--variant", paramLabel = "NAME", defaultValue = "clean",
      description = "clean, noiseP (P%% symmetric label noise) or tailK (long tail, K to 1) (default: ${DEFAULT-VALUE})")
  String variant;

  @Mixin SelectionFlags selection;

  @Mixin EncoderFlags encoder;

  @Mixin TrainingFlags training;

  @Option(names = "--stage-timeout", paramLabel = "S", defaultValue = "900",
      description = "seconds a stage may take to be embedded and selected (default: ${DEFAULT-VALUE})")
  int stageTimeout;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "fmselect-continual",
      description = "output folder (default: ${DEFAULT-VALUE})")
  Path out;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter say = spec.commandLine().getOut();
    long started = System.nanoTime();
    List<Long> seeds = training.seeds;
    if (stages < 1 || seeds.isEmpty() || stageTimeout < 1) {
      throw new UserError("--stages, --stage-timeout at least 1, --seeds not empty");
    }
    selection.check();
    String method = selection.method;
    double fraction = selection.fraction;
    Study.Variant v;
    Classifier.Recipe recipe;
    StudyData data;
    try {
      v = Study.Variant.parse(variant);
      recipe = Classifier.Recipe.DEFAULT.withSteps(training.steps);
      data = StudyData.fashionMnist(io.fmselect.demo.DemoData.fashionMnistDir(), fashionMnist.pool, fashionMnist.test);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    say.println("data: " + data.name() + ", variant " + v.name() + ", " + stages + " stages");
    say.flush();
    Files.createDirectories(out);
    DemoModels.Choice encoders = DemoModels.pretrained(encoder.dir(), encoder.inputSize, out, spec.root().commandLine(), say, "--models");
    say.println(encoders.description());
    say.flush();
    DemoLogging.quietConsole();

    // the variant's rows in a fixed shuffled order, cut into stages
    Study.Corrupted c = v.apply(data.pool().labels(), data.classes());
    int n = c.rows().length;
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Classifier.shuffle(order, new Random(0));
    List<Row> rows = new ArrayList<>();
    double streamSeconds = 0;
    try (LocalPipeline p = LocalPipeline.start(out, encoders.dir(), "continual", jobOptions(), new java.util.Properties(), say)) {
      Properties props = p.properties();
      props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
          new ByteArraySerializer())) {
        for (int s = 0; s < stages; s++) {
          int from = (int) ((long) n * s / stages);
          int to = (int) ((long) n * (s + 1) / stages);
          long t0 = System.nanoTime();
          long last = send(producer, data, c, order, from, to);
          waitForStage(p, last, s + 1);
          double took = (System.nanoTime() - t0) / 1e9;
          streamSeconds += took;
          Map<String, SubsetChange> subset = p.follower().selected();
          int[] seen = java.util.Arrays.copyOfRange(order, 0, to); // positions into the variant's rows
          int[] chosen = subset.keySet().stream().mapToInt(id -> Integer.parseInt(id.substring(1))).sorted().toArray();
          say.printf(Locale.ROOT, "stage %d/%d: %,d seen, %,d in the subset (%.1f s through the pipeline); training ...%n",
              s + 1, stages, to, chosen.length, took);
          say.flush();
          for (long seed : seeds) {
            rows.add(train(data, c, s + 1, to, "fmselect subset (" + method + ")", chosen, recipe, seed));
            rows.add(train(data, c, s + 1, to, "balanced random, same size", balancedRandom(c, seen, chosen, seed),
                recipe, seed));
            rows.add(train(data, c, s + 1, to, "all data seen", sorted(seen), recipe, seed));
          }
          for (Row r : rows.subList(rows.size() - 3 * seeds.size(), rows.size())) {
            say.printf(Locale.ROOT, "  %s seed %d: %,d images, %d noisy, accuracy %.4f (%.1f s)%n", r.arm(), r.seed(),
                r.size(), r.noisy(), r.accuracy(), r.seconds());
          }
          say.flush();
        }
      }
    }
    double total = (System.nanoTime() - started) / 1e9;
    ContinualReport.write(out, rows, List.of(
        "## Continual learning fed by the stream: " + data.name(),
        "",
        String.format(Locale.ROOT, "- Variant %s, %d stages of %,d images, %s at fraction %s with %s; the subset read"
            + " from the subset topic (committed windows) after each stage.", v.name(), stages, n / stages, method,
            fraction, encoders.names()),
        "- Classifier: " + recipe.describe() + ", trained from scratch after every stage (GDumb-style); seeds "
            + seeds.toString().replaceAll("[\\[\\] ]", "") + ".",
        String.format(Locale.ROOT, "- Took %s: %s streaming through the pipeline, the rest training.",
            BenchFigures.secs(total), BenchFigures.secs(streamSeconds)),
        "- Command: `fmselect " + String.join(" ", spec.commandLine().getParseResult().originalArgs()) + "`"));
    say.printf(Locale.ROOT, "done in %s: %s, %s%n", BenchFigures.secs(total), out.resolve("continual.csv"),
        out.resolve("continual.md"));
    say.flush();
    return 0;
  }

  /** The job's options this benchmark sets (after the local pipeline's own): its selection and a 2 s window. */
  Configuration jobOptions() {
    Configuration conf = new Configuration();
    selection.setIn(conf);
    conf.set(StreamOptions.WINDOW, WINDOW);
    return conf;
  }

  /** The job's window: short, so that a stage's last window closes soon after it is sent. */
  static final java.time.Duration WINDOW = java.time.Duration.ofSeconds(2);

  /** Sends positions {@code order[from..to)} of the variant as labeled images; returns the last event time. */
  private static long send(KafkaProducer<String, byte[]> producer, StudyData data, Study.Corrupted c, int[] order,
      int from, int to) throws java.io.IOException {
    long last = Long.MIN_VALUE;
    for (int k = from; k < to; k++) {
      int pos = order[k];
      long now = System.currentTimeMillis();
      String id = String.format("p%06d", pos);
      LabeledSample s = LabeledSample.newBuilder().setId(id).setLabel((long) c.labels()[pos]).setOp(Op.UPSERT)
          .setEventTime(Instant.ofEpochMilli(now)).setImage(ByteBuffer.wrap(png(data.images().image(c.rows()[pos]))))
          .setEmbeddings(Map.of()).setMetadata(Map.of("source", "fashion-mnist:pool:" + c.rows()[pos])).build();
      ByteBuffer value = s.toByteBuffer();
      byte[] bytes = new byte[value.remaining()];
      value.get(bytes);
      producer.send(new ProducerRecord<>(Topics.SAMPLES, id, bytes));
      last = now;
    }
    producer.flush();
    return last;
  }

  private void waitForStage(LocalPipeline p, long lastEventTime, int stage) throws Exception {
    long deadline = System.nanoTime() + stageTimeout * 1_000_000_000L;
    while (p.follower().lastWindowEnd() < lastEventTime) {
      if (p.job().client().getJobStatus().get().isGloballyTerminalState()) {
        p.job().client().getJobExecutionResult().get(); // throws the job's failure
        throw new UserError("the job stopped before stage " + stage + " was selected");
      }
      if (p.follower().failure() != null) {
        throw new UserError("reading the subset topic failed: " + JobFailed.rootCause(p.follower().failure()));
      }
      if (System.nanoTime() > deadline) {
        throw new UserError("stage " + stage + " was not embedded and selected within " + stageTimeout
            + " s (--stage-timeout)");
      }
      Thread.sleep(250);
    }
  }

  private static Row train(StudyData data, Study.Corrupted c, int stage, int seen, String arm, int[] chosen,
      Classifier.Recipe recipe, long seed) {
    int[] rows = new int[chosen.length];
    int[] labels = new int[chosen.length];
    for (int k = 0; k < chosen.length; k++) {
      rows[k] = c.rows()[chosen[k]];
      labels[k] = c.labels()[chosen[k]];
    }
    long t0 = System.nanoTime();
    double acc = Classifier.trainAndTest(data.pool().subset(rows, labels), data.test(), data.classes(), recipe, seed);
    return new Row(stage, seen, arm, seed, chosen.length, c.noisy(chosen, data.pool().labels()), acc,
        (System.nanoTime() - t0) / 1e9);
  }

  /** As many of the seen samples per (given) label as the subset has, drawn uniformly with the seed. */
  static int[] balancedRandom(Study.Corrupted c, int[] seen, int[] subset, long seed) {
    Map<Integer, Integer> want = new java.util.TreeMap<>();
    for (int k : subset) {
      want.merge(c.labels()[k], 1, Integer::sum);
    }
    Map<Integer, List<Integer>> byLabel = new java.util.TreeMap<>();
    for (int k : sorted(seen)) {
      byLabel.computeIfAbsent(c.labels()[k], l -> new ArrayList<>()).add(k);
    }
    Random r = new Random(seed);
    List<Integer> out = new ArrayList<>();
    for (var e : want.entrySet()) {
      List<Integer> pool = new ArrayList<>(byLabel.getOrDefault(e.getKey(), List.of()));
      java.util.Collections.shuffle(pool, r);
      out.addAll(pool.subList(0, Math.min(e.getValue(), pool.size())));
    }
    return out.stream().mapToInt(Integer::intValue).sorted().toArray();
  }

  private static int[] sorted(int[] a) {
    int[] s = a.clone();
    java.util.Arrays.sort(s);
    return s;
  }

  private static byte[] png(Preprocessor.Rgb img) {
    return Png.encode(StudyData.image(img));
  }
}
