package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.kafka.InJvmKafka;
import io.fmselect.stream.Topics;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} from a savepoint of another state layout (the previous release's operator uids, without the
 * layout's version), through bin/fmselect against a real broker: one line that says so and what to do, exit
 * code 2, nothing published.
 */
class OtherLayoutSavepointITCase {
  @TempDir Path dir;

  /** A count per key: keyed state, as the previous layout's per-sample-changes kept. */
  static final class CountPerKey extends RichMapFunction<Long, Long> {
    private static final long serialVersionUID = 1L;
    private transient ValueState<Long> count;

    @Override
    public void open(OpenContext context) {
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Long.class));
    }

    @Override
    public Long map(Long value) throws Exception {
      Long c = count.value();
      count.update(c == null ? 1 : c + 1);
      return value;
    }
  }

  /**
   * A savepoint of a tiny job whose operators carry the previous layout's uids (samples-source and
   * per-sample-changes, the latter with keyed state), stopped with a savepoint into DIR; returns its path.
   */
  static String previousLayoutSavepoint(Path dir) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env.fromSequence(0, Long.MAX_VALUE).uid("samples-source").keyBy(v -> v % 7).map(new CountPerKey())
        .uid("per-sample-changes").sinkTo(new DiscardingSink<>()).uid("subset-sink");
    JobClient client = env.executeAsync("previous layout");
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) { // stop-with-savepoint needs every task running
      if (client.getJobStatus().get() == JobStatus.RUNNING) {
        try {
          return client.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
              .get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          if (System.nanoTime() > until) {
            throw e;
          }
        }
      }
      assertTrue(System.nanoTime() < until, "the job runs within 60 s");
      Thread.sleep(100);
    }
  }

  @Test
  void aSavepointOfThePreviousLayoutIsRefusedInOneLineAndNothingIsPublished() throws Exception {
    String savepoint = previousLayoutSavepoint(dir.resolve("savepoints"));
    try (InJvmKafka kafka = InJvmKafka.start()) {
      kafka.createTopic("samples", 2);
      kafka.createTopic("subset", 2);
      kafka.createTopic("rejects", 1);
      kafka.createTopic(Topics.windows("subset"), 1);
      Path d = dir.resolve("data");
      LauncherITCase.Result g = LauncherITCase.launch("generate", "--out-dir", d.toString(), "--rows", "60",
          "--classes", "3", "--dims", "4", "--names", "dinov2");
      assertEquals(0, g.code(), g.err());
      LauncherITCase.Result p = LauncherITCase.launch("produce", "--bootstrap-servers", kafka.bootstrapServers(),
          "--interval-ms", "10", "--labels", d.resolve("labels.npy").toString(), "--features",
          "dinov2=" + d.resolve("dinov2.npy"));
      assertEquals(0, p.code(), p.err());

      LauncherITCase.Result r = LauncherITCase.launch("run", "--bootstrap-servers", kafka.bootstrapServers(), "--fm",
          "dinov2=4", "--window", "1s", "--bounded", "--no-web-ui", "-D", "execution.checkpointing.interval=500ms",
          "-D", "execution.state-recovery.path=" + savepoint);
      assertEquals(2, r.code(), r.out() + r.err());
      // Flink names one operator it cannot map: either of the two with state, by its previous layout's uid
      List<String> expected = java.util.stream.Stream.of("samples-source", "per-sample-changes").map(uid -> "fmselect run:"
          + " error: savepoint " + savepoint + " was written by another state layout of fmselect (it holds state for"
          + " operator uid '" + uid + "', which this job does not have): its state cannot be restored; start from the"
          + " topic instead, with fresh state: without -D execution.state-recovery.path (the subset is computed again"
          + " from the samples)").toList();
      assertTrue(expected.contains(r.err().strip()), "one line on stderr, got: " + r.err());
      assertTrue(r.out().lines().noneMatch(l -> l.startsWith("window end ")), r.out());
      assertEquals(List.of(), kafka.readCommitted("subset"), "nothing published");
      assertEquals(List.of(), kafka.readCommitted(Topics.windows("subset")), "no window published");
    }
  }
}
