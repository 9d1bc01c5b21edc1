package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.SubsetChange;
import io.fmselect.cli.Main;
import io.fmselect.cli.ProduceCommand;
import io.fmselect.io.NpyReader;
import io.fmselect.select.Embeddings;
import io.fmselect.io.ExampleData;
import io.fmselect.kafka.InJvmKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure mid-stream (every decode task throws once, after 1,000 records) and a restore from the
 * last checkpoint: the read_committed output equals the failure-free run's, record for record, and is
 * exactly the membership events of every window (checked against the batch selector): nothing lost,
 * nothing repeated. In latest mode (which window ends a run publishes depends on how far behind it is, so two
 * runs need not publish the same ends) the restored run's committed output is exact at every end it publishes.
 */
class StreamFaultToleranceITCase {
  @TempDir Path data;

  /** The run's committed subset records, and the same as sortable lines. */
  record Run(List<SubsetChange> records, List<String> lines, List<io.fmselect.avro.SubsetWindow> marks) {}

  static Run run(InJvmKafka kafka, String tag, long failAfter, String publish, int parallelism, String memberCache)
      throws Exception {
    kafka.createTopic("subset-" + tag, 2);
    kafka.createTopic("rejects-" + tag, 1);
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    conf.set(StreamOptions.FMS, List.of("a=16", "b=8"));
    conf.set(StreamOptions.FRACTION, 0.1);
    conf.set(StreamOptions.PUBLISH, publish);
    if (!memberCache.equals("on")) { // a budget smaller than any class: every table is spilled and read back
      conf.set(StreamOptions.MEMBER_CACHE_SIZE, org.apache.flink.configuration.MemorySize.parse(memberCache));
    }
    conf.set(StreamOptions.WINDOW, Duration.ofMillis(1000));
    conf.set(StreamOptions.FAIL_AFTER_RECORDS, failAfter);
    conf.set(StreamOptions.OUT_OF_ORDERNESS, Duration.ofMillis(200));
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
    StreamConfig config = StreamConfig.from(conf);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    env.enableCheckpointing(100, CheckpointingMode.EXACTLY_ONCE);
    Properties props = kafka.clientProperties();
    SubsetJob.build(env, SubsetJob.kafkaSource(props, "samples", "g-" + tag, config, true),
        SubsetJob.kafkaSinks(props, "subset-" + tag, "rejects-" + tag, "t-" + tag),
        config);
    env.execute("fault tolerance " + tag);
    List<SubsetChange> records = MembershipCheck.subset(kafka, "subset-" + tag);
    List<String> out = new ArrayList<>();
    for (SubsetChange c : records) {
      out.add(c.getId() + "@" + c.getWindowEnd().toEpochMilli() + " " + c.getEvent() + " " + c.getScore() + " "
          + c.getRank());
    }
    out.sort(null);
    return new Run(records, out, MembershipCheck.windows(kafka, "subset-" + tag));
  }

  @ParameterizedTest(name = "publish {0} at parallelism {1}, member cache {2}")
  @CsvSource({"every-window,2,on", "every-window,2,3kb", "latest,1,on", "latest,2,on"})
  void aRestoreLosesAndRepeatsNothing(String publish, int parallelism, String memberCache) throws Exception {
    ExampleData.write(data, 4000, 10, new int[] {16, 8}, new String[] {"a", "b"}, 1.5, 0.05, 3);
    try (InJvmKafka kafka = InJvmKafka.start()) {
      kafka.createTopic("samples", 2);
      assertEquals(0, Main.commandLine().execute("produce", "--start-time", "0", "--bootstrap-servers", kafka.bootstrapServers(),
          "--topic", "samples", "--labels", data.resolve("labels.npy").toString(), "--features",
          "a=" + data.resolve("a.npy"), "--features", "b=" + data.resolve("b.npy"), "--interval-ms", "5"));
      boolean everyWindow = publish.equals("every-window");
      long failures = ValidateSamples.INJECTED_FAILURES.get();
      List<String> clean = everyWindow ? run(kafka, "clean", 0, publish, parallelism, memberCache).lines() : null;
      assertEquals(failures, ValidateSamples.INJECTED_FAILURES.get(), "the clean run did not fail");
      Run failed = run(kafka, "failed", 1000, publish, parallelism, memberCache);
      assertTrue(ValidateSamples.INJECTED_FAILURES.get() > failures, "the job failed and was restored");
      if (everyWindow) {
        assertEquals(clean.size(), failed.lines().size(), "same number of committed records");
        assertEquals(clean, failed.lines());
      }
      // and it is exactly the membership events of every (published) window, each once
      long[] labels = NpyReader.readLabels(data.resolve("labels.npy"));
      Embeddings a = NpyReader.readFeatures(data.resolve("a.npy"));
      Embeddings b = NpyReader.readFeatures(data.resolve("b.npy"));
      java.util.function.LongFunction<MembershipCheck.BatchAt> batch = t -> {
        int rows = (int) Math.min(4000, t / 5 + 1);
        int[] first = java.util.stream.IntStream.range(0, rows).toArray();
        return MembershipCheck.batch(java.util.stream.IntStream.range(0, rows).mapToObj(ProduceCommand::id).toList(),
            java.util.Arrays.copyOf(labels, rows), new Embeddings[] {a.rows(first), b.rows(first)}, "ram-apl", 0.1);
      };
      if (everyWindow) {
        MembershipCheck.assertEveryWindow(failed.records(), null, failed.marks(), batch, 1000, 20000, true);
      } else {
        MembershipCheck.assertLatest(failed.records(), null, failed.marks(), batch, 1000, 20000, true);
      }
    }
  }
}
