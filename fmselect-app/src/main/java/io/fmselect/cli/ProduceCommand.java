package io.fmselect.cli;

import io.fmselect.stream.Topics;
import io.fmselect.avro.LabeledSample;
import io.fmselect.avro.Op;
import io.fmselect.select.EmbeddingSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import io.fmselect.wire.SchemaRegistry;
import io.fmselect.wire.WireFormat;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fmselect produce}: publishes labeled .npy embeddings as {@link LabeledSample}s, the way users
 * bulk-load embeddings they already have. Row i becomes sample id {@link #id(long)} (zero-padded, so
 * byte-wise id order is row order) with event time {@code start + (i - from) * interval}.
 */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Publishes .npy labels and embeddings to a Kafka topic as LabeledSample records (key = id).",
      "Row i gets id = i zero-padded to 10 digits and event time --start-time + (i - --from-row) * --interval-ms."
          + " Every row is checked before anything is sent; float64 embeddings are sent as float32.",
      "With --images DIR, row i is the i-th image of an image folder (classes in folder name order), sent as image"
          + " bytes for the job to embed (run --models). With --demo-data, row i is the i-th image the demo sends:"
          + " Fashion-MNIST when installed, else generated shapes, with --noise and --imbalance."
    })
public final class ProduceCommand implements Callable<Integer> {
  @Mixin KafkaClientOptions kafka;

  @Mixin RegistryFlag registry;

  @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = Topics.SAMPLES, description = "topic (default: ${DEFAULT-VALUE})")
  String topic;

  @Option(names = "--labels", paramLabel = "FILE", description = ".npy, 1-D int32/int64")
  java.nio.file.Path labels;

  @Option(names = "--features", paramLabel = "NAME=FILE",
      description = ".npy, 2-D float32/float64, one row per label; repeat per FM (NAME = the FM's name)")
  List<String> features;

  @Option(names = "--images", paramLabel = "DIR",
      description = "instead of --labels/--features: an image folder (one sub-folder per class, labels by folder"
          + " name order); each sample carries its image, for the job to embed (run --models)")
  java.nio.file.Path images;

  @Option(names = "--demo-data",
      description = "instead of --labels/--features or --images: the labeled images fmselect demo streams"
          + " (Fashion-MNIST's training set when Debian's dataset-fashion-mnist is installed, else 2,000 generated"
          + " shapes), shuffled, with injected label noise and long tail; metadata source and true_label say"
          + " where each came from")
  boolean demoData;

  @Option(names = "--noise", paramLabel = "R",
      description = "with --demo-data: share of labels flipped to another class (default: 0.1)")
  Double noise;

  @Option(names = "--imbalance", paramLabel = "K",
      description = "with --demo-data: long tail, largest class K times the smallest (default: 1)")
  Double imbalance;

  @Option(names = "--seed", paramLabel = "N",
      description = "with --demo-data: seed of the noise, the tail and the order (default: 1)")
  Long seed;

  @Option(names = "--interval-ms", paramLabel = "N", defaultValue = "10", description = "event-time step between rows (default: ${DEFAULT-VALUE})")
  long intervalMs;

  @Option(names = "--start-time", paramLabel = "MILLIS",
      description = "event time of the first row sent, ms since the epoch (default: now)")
  Long startTime;

  @Option(names = "--from-row", paramLabel = "N", defaultValue = "0", description = "first row to send (default: ${DEFAULT-VALUE})")
  int fromRow;

  @Option(names = "--to-row", paramLabel = "N", description = "send rows before this one (default: to the end)")
  Integer toRow;

  @Option(names = "--count", paramLabel = "N",
      description = "send N samples, cycling through the rows [--from-row, --to-row); sample k gets id %%010d of"
          + " --from-row + k, so every sample is new (default: each row once)")
  Long count;

  @Option(names = "--rate", paramLabel = "PER_S", defaultValue = "0",
      description = "send at most this many samples per second, evenly paced (default: ${DEFAULT-VALUE}, as fast as"
          + " possible)")
  double rate;

  @Option(names = "--live", description = "event time = the wall-clock time of sending (a live stream), instead"
      + " of --start-time and --interval-ms")
  boolean live;

  @Option(names = "--progress-s", paramLabel = "N", defaultValue = "0",
      description = "every N seconds, print to stderr how many samples were sent and acknowledged so far"
          + " (default: ${DEFAULT-VALUE}, never)")
  double progressS;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The sample id of row i: 10 digits, zero-padded. */
  public static String id(long row) {
    String s = Long.toString(row);
    return s.length() >= 10 ? s : "0".repeat(10 - s.length()) + s;
  }

  @Override
  public Integer call() throws Exception {
    if (intervalMs < 0) {
      throw new UserError("--interval-ms must be at least 0");
    }
    if (live && startTime != null) {
      throw new UserError("--live sets event times to the wall clock: drop --start-time");
    }
    if (rate < 0 || count != null && count < 0 || progressS < 0) {
      throw new UserError("--rate, --count and --progress-s must be at least 0");
    }
    boolean npy = labels != null || features != null;
    if ((npy ? 1 : 0) + (images != null ? 1 : 0) + (demoData ? 1 : 0) != 1 || (npy && (labels == null || features == null))) {
      throw new UserError("give one of: --labels and --features, --images, --demo-data");
    }
    if (!demoData && (noise != null || imbalance != null || seed != null)) {
      throw new UserError("--noise, --imbalance and --seed go with --demo-data");
    }
    if (demoData) {
      return send(demoRows());
    }
    if (images != null) {
      return send(imageRows(images));
    }
    NpyInputs in = NpyInputs.open(labels, features);
    int fms = in.features().length;
    float[][] row = new float[fms][];
    for (int f = 0; f < fms; f++) {
      row[f] = new float[in.features()[f].dim()];
    }
    // Check every row first, so that bad input sends nothing.
    int last = toRow == null ? in.labels().length : Math.min(toRow, in.labels().length);
    try {
      for (int i = Math.max(0, fromRow); i < last; i++) {
        for (int f = 0; f < fms; f++) {
          in.features()[f].copyRowAsFloat(i, row[f]);
        }
      }
    } catch (EmbeddingSource.NonFiniteValueException e) {
      throw new UserError(e.getMessage());
    }
    return send(new Rows(in.labels().length, labels.toString(), i -> {
      Map<String, ByteBuffer> emb = new HashMap<>();
      for (int f = 0; f < fms; f++) {
        in.features()[f].copyRowAsFloat(i, row[f]);
        ByteBuffer b = ByteBuffer.allocate(row[f].length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(row[f]);
        emb.put(in.names().get(f), b);
      }
      return LabeledSample.newBuilder().setLabel(in.labels()[i]).setEmbeddings(emb);
    }));
  }

  /** The rows to send: how many, where they come from (for messages), and row i without id and time. */
  record Rows(int count, String source, IOFunction<LabeledSample.Builder> row) {}

  @FunctionalInterface
  interface IOFunction<T> {
    T apply(int i) throws IOException;
  }

  /** An image folder as rows: each sample carries its encoded image and its class folder's label. */
  private static Rows imageRows(java.nio.file.Path dir) throws IOException {
    io.fmselect.embed.ImageFolder folder;
    try {
      folder = io.fmselect.embed.ImageFolder.scan(dir);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    return new Rows(folder.images().size(), dir.toString(), i -> LabeledSample.newBuilder()
        .setLabel(folder.labels()[i]).setImage(ByteBuffer.wrap(java.nio.file.Files.readAllBytes(folder.images().get(i)))));
  }

  /** The demo's images as rows: label as sent (after noise), image bytes, and where each came from. */
  private Rows demoRows() throws IOException {
    double r = noise == null ? 0.1 : noise;
    double k = imbalance == null ? 1 : imbalance;
    if (r < 0 || r >= 1 || k < 1) {
      throw new UserError("--noise must be in [0, 1) and --imbalance at least 1");
    }
    io.fmselect.demo.DemoData data = io.fmselect.demo.DemoData.open(null, r, k, seed == null ? 1 : seed, null);
    spec.commandLine().getOut().println(data.description());
    return new Rows(data.size(), "the demo data", i -> {
      io.fmselect.demo.DemoData.Shot s = data.shot(i);
      return LabeledSample.newBuilder().setLabel(s.label()).setImage(ByteBuffer.wrap(s.image()))
          .setMetadata(Map.of("source", s.source(), "true_label", Long.toString(s.trueLabel())));
    });
  }

  private int send(Rows rows) throws IOException {
    int n = toRow == null ? rows.count() : toRow;
    if (fromRow < 0 || fromRow > n || n > rows.count()) {
      throw new UserError("rows " + fromRow + " to " + n + " are not within the " + rows.count() + " rows of "
          + rows.source());
    }
    Properties p = registry.apply(kafka.properties());
    WireFormat wire = RegistryCheck.open(p, java.util.Map.of(topic, LabeledSample.getClassSchema()));
    p = SchemaRegistry.kafkaOnly(p);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
    AtomicReference<Exception> failure = new AtomicReference<>();
    java.util.concurrent.atomic.AtomicLong acked = new java.util.concurrent.atomic.AtomicLong();
    long total = count != null ? count : n - fromRow;
    if (total > 0 && n == fromRow) {
      throw new UserError("no rows to send between --from-row and --to-row");
    }
    long start = startTime != null ? startTime : System.currentTimeMillis();
    long started = System.nanoTime();
    long progressNs = (long) (progressS * 1e9);
    long nextProgress = started + progressNs;
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      for (long k = 0; k < total; k++) {
        if (rate > 0) { // evenly paced: sample k leaves at k / rate seconds
          long due = started + (long) (k * 1e9 / rate);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(wait);
          }
        }
        int i = (int) (fromRow + k % (n - fromRow));
        String id = id(fromRow + k);
        long eventTime = live ? System.currentTimeMillis() : start + k * intervalMs;
        LabeledSample s = rows.row().apply(i).setId(id).setOp(Op.UPSERT)
            .setEventTime(Instant.ofEpochMilli(eventTime)).build();
        producer.send(new ProducerRecord<>(topic, id, wire.encode(s, topic)), (meta, ex) -> {
          if (ex != null) {
            failure.compareAndSet(null, ex);
          } else {
            acked.incrementAndGet();
          }
        });
        if (progressNs > 0 && System.nanoTime() >= nextProgress) { // a line a bench can follow the producer by
          nextProgress += progressNs;
          spec.commandLine().getErr().printf("progress: %d sent, %d acknowledged, %.1f s%n", k + 1, acked.get(),
              (System.nanoTime() - started) / 1e9);
          spec.commandLine().getErr().flush();
        }
        if (failure.get() != null) {
          break;
        }
      }
      producer.flush();
      if (failure.get() != null) {
        throw KafkaCheck.failure(kafka.bootstrapServers, failure.get());
      }
    } catch (KafkaException e) {
      throw KafkaCheck.failure(kafka.bootstrapServers, e);
    }
    spec.commandLine().getOut().printf("produced %d samples to %s%n", total, topic);
    spec.commandLine().getOut().flush();
    return 0;
  }

}
