package io.fmselect.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import picocli.CommandLine;

/**
 * The whole pipeline on this machine, as {@code demo} and {@code bench continual} run it: a Kafka broker in
 * this process (data under {@code work/kafka}), the job's topics, the streaming job on a local Flink with
 * the encoders of a spec folder (checkpoints under {@code work/checkpoints}), and a follower of its output
 * through the Java consumer ({@link io.fmselect.wire.SubsetView}). {@link #close()} stops the job, the
 * follower and the broker, in that order.
 */
final class LocalPipeline implements AutoCloseable {
  /** Under the work folder: the broker's data, and the job's checkpoints. */
  static final String KAFKA_DIR = "kafka";
  static final String CHECKPOINTS_DIR = "checkpoints";

  private final KafkaRaftServer broker;
  private final String bootstrap;
  private RunCommand.Started job;
  private DemoFollower follower;

  private LocalPipeline(KafkaRaftServer broker, String bootstrap) {
    this.broker = broker;
    this.bootstrap = bootstrap;
  }

  /**
   * Starts the broker, creates the topics (samples, subset, subset-windows, subset-classes, rejects, explain),
   * starts the job with {@code run}'s flags {@code runArgs} added to the pipeline's own, then the follower.
   *
   * @param name names the consumer group and transactional ids ({@code fmselect-NAME})
   */
  static LocalPipeline start(Path work, Path models, String name, List<String> runArgs, PrintWriter say)
      throws Exception {
    Path kafkaDir = work.resolve(KAFKA_DIR);
    io.fmselect.embed.Folders.recreate(kafkaDir);
    int port = freePort();
    KafkaRaftServer broker = KafkaCommand.start("127.0.0.1", port, freePort(), kafkaDir);
    LocalPipeline p = new LocalPipeline(broker, "127.0.0.1:" + port);
    try {
      try (Admin admin = Admin.create(p.properties())) {
        // the job's topics up front: the follower opens them before the job's first write
        admin.createTopics(List.of(new NewTopic("samples", 2, (short) 1), new NewTopic("subset", 2, (short) 1),
            new NewTopic("subset-windows", 1, (short) 1), new NewTopic("subset-classes", 1, (short) 1),
            new NewTopic("rejects", 1, (short) 1), new NewTopic("explain", 2, (short) 1))).all().get();
      }
      io.fmselect.embed.Folders.recreate(work.resolve(CHECKPOINTS_DIR));
      List<String> args = new ArrayList<>(List.of("--bootstrap-servers", p.bootstrap, "--models", models.toString(),
          "--idle-flush", "2s", "--idleness", "1s", "--parallelism", "2", "--group-id", "fmselect-" + name,
          "-D", "execution.checkpointing.interval=2s", "-D", "metrics.fetcher.update-interval=1s",
          "-D", "execution.checkpointing.dir=" + work.resolve(CHECKPOINTS_DIR).toAbsolutePath().toUri(),
          "-D", "fmselect.transactional-id-prefix=fmselect-" + name + "-" + ProcessHandle.current().pid()));
      args.addAll(runArgs);
      RunCommand run = new RunCommand();
      new CommandLine(run).parseArgs(args.toArray(String[]::new));
      p.job = run.start(say);
      p.follower = DemoFollower.start(p.properties(), "subset", "rejects",
          runArgs.contains("--explain-topic") ? "explain" : null);
      return p;
    } catch (Exception e) {
      p.close();
      throw e;
    }
  }

  private static int freePort() throws IOException {
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Client properties for the broker. */
  Properties properties() {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    return props;
  }

  String bootstrap() {
    return bootstrap;
  }

  RunCommand.Started job() {
    return job;
  }

  DemoFollower follower() {
    return follower;
  }

  /** Cancels the job (if it still runs), closes the follower, stops the broker. */
  @Override
  public void close() throws InterruptedException {
    try {
      if (job != null) {
        try {
          job.client().cancel().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          // already finished or failed: nothing to cancel
        }
        job.close();
      }
      if (follower != null) {
        follower.close();
      }
    } finally {
      broker.shutdown();
      broker.awaitShutdown();
    }
  }
}
