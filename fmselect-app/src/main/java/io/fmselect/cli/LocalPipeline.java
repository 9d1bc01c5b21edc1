package io.fmselect.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import io.fmselect.wire.SchemaRegistry;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import io.fmselect.stream.StreamOptions;
import io.fmselect.stream.Topics;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;

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
  /** The schema registry's URL; null: none (single-object encoding). */
  private String registry;
  /** The schema registry's client settings (credentials, truststore); empty for none. */
  private Properties client = new Properties();
  private DemoFollower follower;

  private LocalPipeline(KafkaRaftServer broker, String bootstrap) {
    this.broker = broker;
    this.bootstrap = bootstrap;
  }

  /**
   * Starts the broker, creates the topics (samples, subset, subset-windows, subset-classes, rejects, explain),
   * starts the job with {@link #job}'s settings, then the follower.
   *
   * @param name names the consumer group and transactional ids ({@code fmselect-NAME})
   * @param options the job's options for this use ({@link StreamOptions}: method, fraction, window, ...), set
   *     after the pipeline's own
   * @param client client settings for the pipeline's clients beside the broker's address: the schema registry's
   *     ({@link SchemaRegistry#settings}: credentials, truststore), empty for none
   */
  static LocalPipeline start(Path work, Path models, String name, Configuration options, Properties client,
      PrintWriter say) throws Exception {
    Path kafkaDir = work.resolve(KAFKA_DIR);
    io.fmselect.embed.Folders.recreate(kafkaDir);
    int port = freePort();
    KafkaRaftServer broker = KafkaCommand.start("127.0.0.1", port, freePort(), kafkaDir);
    LocalPipeline p = new LocalPipeline(broker, "127.0.0.1:" + port);
    p.registry = options.getOptional(StreamOptions.SCHEMA_REGISTRY).orElse(null);
    p.client = SchemaRegistry.settings(client);
    try {
      try (Admin admin = Admin.create(SchemaRegistry.kafkaOnly(p.properties()))) {
        // the job's topics up front: the follower opens them before the job's first write
        admin.createTopics(List.of(new NewTopic(Topics.SAMPLES, 2, (short) 1), new NewTopic(Topics.SUBSET, 2, (short) 1),
            new NewTopic(Topics.windows(Topics.SUBSET), 1, (short) 1), new NewTopic(Topics.classes(Topics.SUBSET), 1, (short) 1),
            new NewTopic(Topics.REJECTS, 1, (short) 1), new NewTopic(Topics.EXPLAIN, 2, (short) 1))).all().get();
      }
      io.fmselect.embed.Folders.recreate(work.resolve(CHECKPOINTS_DIR));
      RunCommand.Job job = job(work, models, name, p.bootstrap, options, p.client);
      Configuration conf = job.conf();
      p.job = new RunCommand().start(job, say, false);
      p.follower = DemoFollower.start(p.properties(), conf.get(StreamOptions.OUTPUT_TOPIC),
          conf.get(StreamOptions.REJECTS_TOPIC), conf.get(StreamOptions.EXPLAIN_TOPIC));
      return p;
    } catch (Exception e) {
      p.close();
      throw e;
    }
  }

  /**
   * The job the pipeline runs, typed: {@code run}'s configuration (flink-conf/config.yaml, a local run's
   * additions) with the pipeline's settings (the encoders of {@code models}, a quick idle flush, two
   * subtasks, checkpoints every 2 s under {@code work}) and then {@code options}; the topics are the defaults
   * ({@link Topics}).
   */
  static RunCommand.Job job(Path work, Path models, String name, String bootstrap, Configuration options,
      Properties client) {
    Configuration conf = RunCommand.base(null, false);
    conf.set(StreamOptions.MODELS_DIR, models.toAbsolutePath().toString());
    conf.set(StreamOptions.IDLE_FLUSH, Duration.ofSeconds(2));
    conf.set(StreamOptions.IDLENESS, Duration.ofSeconds(1));
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(2));
    conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, work.resolve(CHECKPOINTS_DIR).toAbsolutePath().toUri().toString());
    conf.set(StreamOptions.TRANSACTIONAL_ID_PREFIX, "fmselect-" + name + "-" + ProcessHandle.current().pid());
    conf.addAll(options);
    RunCommand.local(conf, true);
    Properties props = new Properties();
    props.putAll(SchemaRegistry.settings(client));
    props.put("bootstrap.servers", bootstrap);
    return new RunCommand.Job(conf, props, Duration.ofSeconds(BrokerTimeout.DEFAULT_SECONDS), "fmselect-" + name, 2,
        false, true, false);
  }

  private static int freePort() throws IOException {
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Client properties for the broker (and the schema registry, if the job has one). */
  Properties properties() {
    Properties props = new Properties();
    props.putAll(client);
    props.put("bootstrap.servers", bootstrap);
    if (registry != null) {
      props.put(SchemaRegistry.URL, registry);
    }
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
