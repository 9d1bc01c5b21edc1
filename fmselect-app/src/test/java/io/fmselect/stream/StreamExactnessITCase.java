package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.SubsetChange;
import io.fmselect.cli.Main;
import io.fmselect.cli.ProduceCommand;
import io.fmselect.io.ExampleData;
import io.fmselect.io.NpyReader;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.select.Embeddings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The exactness contract: after a bounded run, and at every intermediate window end T, the subset the
 * job published equals the batch selector applied to the samples with event time <= T. Real Kafka
 * (in-JVM), real Flink MiniCluster, RocksDB state, checkpoints on.
 */
class StreamExactnessITCase {
  static final int ROWS = 360;
  static final long INTERVAL = 10;
  static final long WINDOW = 600;
  static InJvmKafka kafka;
  @TempDir static Path data;
  static long[] labels;
  static Embeddings a;
  static Embeddings b;

  @BeforeAll
  static void setUp() throws Exception {
    kafka = InJvmKafka.start();
    ExampleData.write(data, ROWS, 5, new int[] {12, 6}, new String[] {"a", "b"}, 1.5, 0.1, 7);
    labels = NpyReader.readLabels(data.resolve("labels.npy"));
    a = NpyReader.readFeatures(data.resolve("a.npy"));
    b = NpyReader.readFeatures(data.resolve("b.npy"));
  }

  @AfterAll
  static void tearDown() throws Exception {
    kafka.close();
  }

  /** What a run committed: the subset topic's and the classes topic's records, in topic order. */
  record Output(List<SubsetChange> subset, List<io.fmselect.avro.ClassWindow> classes, List<SubsetChange> explained,
      List<io.fmselect.avro.SubsetWindow> marks) {}

  /** Runs the job over a freshly produced topic; returns every committed record. */
  static Output runJob(String method, int parallelism, boolean twoFms, String memberCache, String publish)
      throws Exception {
    return runJob(method, parallelism, twoFms, memberCache, 0, publish);
  }

  /** As above; {@code explainEvery} > 0: also every member's figures every that many windows. */
  /**
   * As above; {@code memberCache}: "on" (the default budget), "off", or a budget ("2kb": smaller than any
   * class, so every class is read back from RocksDB at every window); {@code publish}: fmselect.publish.
   */
  static Output runJob(String method, int parallelism, boolean twoFms, String memberCache, int explainEvery,
      String publish) throws Exception {
    String tag = method + "-" + parallelism + "-" + System.nanoTime();
    String in = "samples-" + tag;
    String out = "subset-" + tag;
    kafka.createTopic(in, 2);
    kafka.createTopic(out, 2);
    kafka.createTopic("rejects-" + tag, 1);
    List<String> args = new ArrayList<>(List.of("produce", "--start-time", "0", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", in,
        "--labels", data.resolve("labels.npy").toString(), "--features", "a=" + data.resolve("a.npy"),
        "--interval-ms", Long.toString(INTERVAL)));
    if (twoFms) {
      args.addAll(List.of("--features", "b=" + data.resolve("b.npy")));
    }
    assertEquals(0, Main.commandLine().execute(args.toArray(String[]::new)));

    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    conf.set(StreamOptions.FMS, twoFms ? List.of("a=12", "b=6") : List.of("a=12"));
    conf.set(StreamOptions.METHOD, method);
    conf.set(StreamOptions.FRACTION, 0.2);
    conf.set(StreamOptions.PUBLISH, publish);
    conf.set(StreamOptions.WINDOW, Duration.ofMillis(WINDOW));
    if (memberCache.equals("off")) {
      conf.set(StreamOptions.MEMBER_CACHE, false);
    } else if (!memberCache.equals("on")) {
      conf.set(StreamOptions.MEMBER_CACHE_SIZE, org.apache.flink.configuration.MemorySize.parse(memberCache));
    }
    conf.set(StreamOptions.OUT_OF_ORDERNESS, Duration.ofMillis(100));
    String explain = explainEvery > 0 ? "explain-" + tag : null;
    if (explain != null) {
      conf.set(StreamOptions.EXPLAIN_TOPIC, explain);
      conf.set(StreamOptions.EXPLAIN_EVERY, explainEvery);
    }
    StreamConfig config = StreamConfig.from(conf);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
    Properties props = kafka.clientProperties();
    SubsetJob.build(env, SubsetJob.kafkaSource(props, in, "g-" + tag, config, true),
        SubsetJob.kafkaSinks(props, out, "rejects-" + tag, null, explain, "t-" + tag),
        config);
    env.execute("exactness " + tag);
    List<SubsetChange> explained = new ArrayList<>();
    if (explain != null) {
      for (var r : kafka.readCommitted(explain)) {
        explained.add(SubsetChange.fromByteBuffer(java.nio.ByteBuffer.wrap(r.value())));
      }
    }
    return new Output(MembershipCheck.subset(kafka, out), MembershipCheck.classes(kafka, out + "-classes"), explained,
        MembershipCheck.windows(kafka, out));
  }
  /** The batch answer on the first {@code rows} samples. */
  static MembershipCheck.BatchAt batch(String method, int rows, boolean twoFms) {
    int[] first = java.util.stream.IntStream.range(0, rows).toArray();
    long[] l = java.util.Arrays.copyOf(labels, rows);
    Embeddings[] f = twoFms ? new Embeddings[] {a.rows(first), b.rows(first)} : new Embeddings[] {a.rows(first)};
    List<String> ids = java.util.stream.IntStream.range(0, rows).mapToObj(ProduceCommand::id).toList();
    return MembershipCheck.batch(ids, l, f, method, 0.2);
  }

  /**
   * every-window: every window end holds the membership events since the one before; latest (a bounded replay,
   * so window ends may be folded): every end the windows topic names holds the net events since the previous
   * one, and the last is the batch's over all the data.
   */
  @ParameterizedTest(name = "{0} at parallelism {1}, member cache {2}, publish {3}")
  @CsvSource({"ram-apl,1,on,every-window", "ram-apl,2,on,every-window", "ram-apl,2,off,every-window",
      "ram-apl,2,3kb,every-window", "min,1,on,every-window", "min,2,on,every-window", "moderate-ds,1,on,every-window",
      "moderate-ds,2,on,every-window", "kcenter,1,on,every-window", "kcenter,2,on,every-window",
      "graphcut,1,on,every-window", "graphcut,2,on,every-window", "facility-location,1,on,every-window",
      "facility-location,2,on,every-window", "uniform,1,on,every-window", "uniform,2,on,every-window",
      "ram-apl,1,on,latest", "ram-apl,2,on,latest"})
  void publishedSubsetEqualsTheBatchSelectorAtEveryPublishedWindowEnd(String method, int parallelism,
      String memberCache, String publish) throws Exception {
    boolean twoFms = method.equals("ram-apl");
    Output out = runJob(method, parallelism, twoFms, memberCache, publish);
    long last = ((ROWS - 1) * INTERVAL / WINDOW + 1) * WINDOW; // the window end of the last sample
    java.util.function.LongFunction<MembershipCheck.BatchAt> at =
        t -> batch(method, (int) Math.min(ROWS, t / INTERVAL + 1), twoFms);
    if (publish.equals("every-window")) {
      MembershipCheck.assertEveryWindow(out.subset(), out.classes(), out.marks(), at, WINDOW, last, true);
    } else {
      MembershipCheck.assertLatest(out.subset(), out.classes(), out.marks(), at, WINDOW, last, true);
    }
  }

  @org.junit.jupiter.api.Test
  void anExplainTopicGetsEveryMembersFiguresEveryFewWindows() throws Exception {
    Output out = runJob("ram-apl", 2, true, "on", 2, "every-window");
    long lastTime = (ROWS - 1) * INTERVAL;
    int windows = 0;
    for (long t = WINDOW; t <= lastTime + WINDOW; t += WINDOW) {
      long at = t;
      List<SubsetChange> here = out.explained().stream().filter(c -> c.getWindowEnd().toEpochMilli() == at).toList();
      if ((t / WINDOW) % 2 != 0) {
        assertEquals(List.of(), here, "no explanation at " + t);
        continue;
      }
      int rows = (int) Math.min(ROWS, t / INTERVAL + 1);
      MembershipCheck.BatchAt want = batch("ram-apl", rows, true);
      assertEquals(rows, here.size(), "every member explained at " + t);
      for (SubsetChange c : here) {
        assertEquals(null, c.getEvent(), "an explanation, not an event");
        assertEquals(want.selected().containsKey(c.getId()), c.getSelected(), c.getId() + " at " + t);
        assertEquals(want.figures().get(c.getId())[0], c.getScore(), 0.0, "score of " + c.getId() + " at " + t);
        assertEquals((int) want.figures().get(c.getId())[1], c.getRank(), "rank of " + c.getId() + " at " + t);
      }
      windows++;
    }
    assertTrue(windows >= 3, "explained windows: " + windows);
    MembershipCheck.assertEveryWindow(out.subset(), out.classes(),
        t -> batch("ram-apl", (int) Math.min(ROWS, t / INTERVAL + 1), true), WINDOW, lastTime + WINDOW, true);
  }
}
