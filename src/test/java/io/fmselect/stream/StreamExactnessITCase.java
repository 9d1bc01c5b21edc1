package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.SubsetChange;
import io.fmselect.cli.Main;
import io.fmselect.cli.ProduceCommand;
import io.fmselect.io.ExampleData;
import io.fmselect.io.NpyReader;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.select.BatchSelector;
import io.fmselect.select.Embeddings;
import io.fmselect.select.Methods;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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

  /** Runs the job over a freshly produced topic; returns every committed SubsetChange in topic order. */
  static List<SubsetChange> runJob(String method, int parallelism, boolean twoFms, boolean memberCache) throws Exception {
    String tag = method + "-" + parallelism + "-" + System.nanoTime();
    String in = "samples-" + tag;
    String out = "subset-" + tag;
    kafka.createTopic(in, 2);
    kafka.createTopic(out, 2);
    kafka.createTopic("rejects-" + tag, 1);
    List<String> args = new ArrayList<>(List.of("produce", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", in,
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
    conf.set(StreamOptions.WINDOW, Duration.ofMillis(WINDOW));
    conf.set(StreamOptions.MEMBER_CACHE, memberCache);
    conf.set(StreamOptions.OUT_OF_ORDERNESS, Duration.ofMillis(100));
    StreamConfig config = StreamConfig.from(conf);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
    Properties props = kafka.clientProperties();
    SubsetJob.build(env, SubsetJob.kafkaSource(props, in, "g-" + tag, config, true),
        SubsetJob.subsetSink(props, out, "t-" + tag), SubsetJob.rejectsSink(props, "rejects-" + tag, "t-" + tag),
        config);
    env.execute("exactness " + tag);
    return readCommitted(out);
  }

  static List<SubsetChange> readCommitted(String topic) throws Exception {
    List<SubsetChange> all = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : StreamExactnessITCaseSupport.readCommitted(kafka, topic)) {
      all.add(SubsetChange.fromByteBuffer(ByteBuffer.wrap(r.value())));
    }
    return all;
  }

  /** The state at window end t: latest change per id among those with windowEnd <= t. */
  static TreeMap<String, SubsetChange> stateAt(List<SubsetChange> all, long t) {
    TreeMap<String, SubsetChange> s = new TreeMap<>();
    for (SubsetChange c : all) {
      if (c.getWindowEnd().toEpochMilli() <= t) {
        SubsetChange prev = s.get(c.getId());
        if (prev == null || c.getVersion() >= prev.getVersion()) {
          s.put(c.getId(), c);
        }
      }
    }
    return s;
  }

  static BatchSelector.Result batch(String method, int rows, boolean twoFms) {
    int[] first = java.util.stream.IntStream.range(0, rows).toArray();
    long[] l = java.util.Arrays.copyOf(labels, rows);
    Embeddings[] f = twoFms ? new Embeddings[] {a.rows(first), b.rows(first)} : new Embeddings[] {a.rows(first)};
    return BatchSelector.select(l, f, Methods.create(method, Methods.Params.defaults()), 0.2, 1);
  }

  @ParameterizedTest(name = "{0} at parallelism {1}, member cache {2}")
  @CsvSource({"ram-apl,1,true", "ram-apl,2,true", "ram-apl,2,false", "min,1,true", "min,2,true",
      "moderate-ds,1,true", "moderate-ds,2,true", "kcenter,1,true", "kcenter,2,true", "graphcut,1,true",
      "graphcut,2,true", "facility-location,1,true", "facility-location,2,true", "uniform,1,true", "uniform,2,true"})
  void publishedSubsetEqualsTheBatchSelectorAtEveryWindowEnd(String method, int parallelism, boolean memberCache)
      throws Exception {
    boolean twoFms = method.equals("ram-apl");
    List<SubsetChange> all = runJob(method, parallelism, twoFms, memberCache);
    assertTrue(!all.isEmpty(), "the job published something");
    long lastTime = (ROWS - 1) * INTERVAL;
    int windowsChecked = 0;
    for (long t = 0; t <= lastTime + WINDOW; t += WINDOW) {
      int rows = (int) Math.min(ROWS, t / INTERVAL + 1);
      BatchSelector.Result expected = batch(method, rows, twoFms);
      TreeMap<String, SubsetChange> state = stateAt(all, t);
      TreeSet<String> selected = new TreeSet<>();
      for (Map.Entry<String, SubsetChange> e : state.entrySet()) {
        if (e.getValue().getSelected()) {
          selected.add(e.getKey());
        }
      }
      TreeSet<String> want = new TreeSet<>();
      for (int r : expected.selectedRows()) {
        want.add(ProduceCommand.id(r));
      }
      assertEquals(want, selected, method + " p=" + parallelism + " at window end " + t);
      assertEquals(rows, state.size(), "every sample reported at " + t);
      if (method.equals("ram-apl")) {
        for (int r = 0; r < rows; r++) {
          SubsetChange c = state.get(ProduceCommand.id(r));
          assertEquals(expected.figure(r), c.getScore(), 0.0, "score of row " + r + " at " + t);
          assertEquals(expected.rank(r), c.getRank(), "rank of row " + r + " at " + t);
        }
      }
      windowsChecked++;
    }
    assertTrue(windowsChecked >= 6);
  }
}
