package io.fmselect.cli;

import io.fmselect.avro.ClassWindow;
import io.fmselect.avro.Rejected;
import io.fmselect.avro.SubsetChange;
import io.fmselect.avro.SubsetWindow;
import io.fmselect.embed.ModelService;
import io.fmselect.embed.ModelSpec;
import io.fmselect.stream.DataflowFloor;
import io.fmselect.stream.RejectTally;
import io.fmselect.stream.StreamConfig;
import io.fmselect.stream.StreamOptions;
import io.fmselect.stream.SubsetJob;
import io.fmselect.stream.ValidateSamples;
import io.fmselect.stream.Topics;
import io.fmselect.wire.SchemaRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fmselect run}: the streaming selector on a local Flink mini-cluster (with its web UI). */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    modelTransformer = JobFlags.class, // --input-topic ... --publish: the job's options (StreamOptions)
    description = {
      "Runs the streaming selector, from a topic of labeled samples to a topic of subset changes.",
      "It reads LabeledSamples from --input-topic, keeps the selected subset of every class up to date at each"
          + " --window boundary (event time), and publishes what changed to --output-topic, exactly once. Settings:"
          + " option defaults, then flink-conf/config.yaml, then flags. With --bounded it stops at the end offsets"
          + " present at start (after a final flush).",
      "It prints a line per window end once its changes are committed (what a consumer can read). Of rejected"
          + " samples, an unbounded run warns of each reason's first at once, then counts them at most once a minute;"
          + " a bounded run ends with a line per reason (count, first id, why) and exits 3 if it accepted no sample."
    })
public final class RunCommand implements Callable<Integer> {
  @Mixin KafkaClientOptions kafka;

  /** --timeout-s: the brokers' answer before the job starts, and the last windows' lines after a bounded run. */
  @Mixin BrokerTimeout timeout;

  @Option(names = "--bounded", description = "stop at the end offsets present at start")
  boolean bounded;

  @Option(names = "--parallelism", paramLabel = "N",
      description = "operator parallelism (default: 1; on a cluster, the cluster's own: parallelism.default,"
          + " the submission's, or the Kubernetes operator's setting)")
  Integer parallelism;

  @Option(names = "--group-id", paramLabel = "ID", defaultValue = "fmselect", description = "Kafka consumer group (default: ${DEFAULT-VALUE})")
  String groupId;

  @Option(names = "--conf-dir", paramLabel = "DIR", description = "directory of config.yaml (default: flink-conf next to bin/)")
  Path confDir;

  @Option(names = "--no-web-ui", description = "do not start the Flink web UI")
  boolean noWebUi;

  /** Set by {@link ClusterJob}: submit to the cluster running the job jar instead of a local mini-cluster. */
  @Option(names = "--in-cluster", hidden = true)
  boolean inCluster;

  @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE",
      description = "any Flink or fmselect (fmselect.*) option; repeat. Applied after config.yaml and before"
          + " the flags above")
  java.util.Map<String, String> settings;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The roles of the started job's operators (their uids without the layout's version): a refused savepoint's line names them. */
  private java.util.Set<String> roles = java.util.Set.of();

  /**
   * The job's configuration from the flags: config.yaml (locally), then {@code -D}, then the job flags
   * ({@link JobFlags}), then what a local run adds ({@link #local}).
   */
  Configuration configuration() {
    Configuration conf = base(confDir, inCluster);
    if (settings != null) {
      settings.forEach(conf::setString);
    }
    JobFlags.apply(spec, conf);
    if (!inCluster) {
      local(conf, !noWebUi);
    }
    return conf;
  }

  /**
   * What a job's configuration starts from: in a cluster nothing (the cluster's own configuration applies);
   * locally fmselect's {@code config.yaml} in {@code confDir} (null: flink-conf next to bin/).
   */
  static Configuration base(Path confDir, boolean inCluster) {
    Path dir = confDir;
    if (dir == null) {
      String home = System.getProperty("fmselect.home");
      dir = home == null ? Path.of("flink-conf") : Path.of(home, "flink-conf");
    }
    return !inCluster && Files.isRegularFile(dir.resolve("config.yaml"))
        ? GlobalConfiguration.loadConfiguration(dir.toString()) : new Configuration();
  }

  /** What a local job adds to its configuration: the web UI's ports, the log file, a checkpoint folder. */
  static void local(Configuration conf, boolean webUi) {
    LocalPorts.webUi(conf, webUi);
    // the web UI's "Log" tabs read the file this names (the launcher's log, see log4j2.xml)
    System.setProperty("log.file", logFile());
    conf.set(WebOptions.LOG_PATH, logFile());
    conf.set(TaskManagerOptions.TASK_MANAGER_LOG_PATH, logFile());
    if (!conf.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)) {
      // without a directory, checkpoints would live in the JobManager's memory (5 MB at most)
      String home = System.getProperty("fmselect.home", ".");
      conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, Path.of(home, "target", "checkpoints").toAbsolutePath().toUri().toString());
    }
  }

  /**
   * What a run starts, however it was asked for ({@code run}'s flags, or {@link LocalPipeline}'s typed
   * settings): the Flink and fmselect configuration, the Kafka client's properties and the broker timeout,
   * the consumer group, the parallelism (null: 1 locally, the cluster's own in a cluster), whether it stops
   * at the end offsets present at start, has a web UI, and is submitted to a cluster.
   */
  record Job(Configuration conf, Properties kafka, Duration brokerTimeout, String groupId, Integer parallelism,
      boolean bounded, boolean webUi, boolean inCluster) {}

  /** The job the flags describe. */
  Job job() {
    Properties props = kafka.properties();
    return new Job(configuration(), props, timeout.of(props), groupId, parallelism, bounded, !noWebUi, inCluster);
  }

  /**
   * A local job that has started: its client, its web UI (null without one), the models it shares, and the
   * follower that prints its windows (null unless asked for).
   */
  record Started(JobClient client, String webUi, Configuration conf, StreamConfig config, ModelService models,
      WindowLines windows) implements AutoCloseable {
    @Override
    public void close() {
      if (windows != null) {
        windows.close();
      }
      if (models != null) {
        ModelService.release(models);
      }
    }
  }

  /** The schema of each topic the job writes, by topic. */
  static java.util.Map<String, org.apache.avro.Schema> outputSchemas(Configuration conf) {
    String subset = conf.get(StreamOptions.OUTPUT_TOPIC);
    java.util.Map<String, org.apache.avro.Schema> m = new java.util.LinkedHashMap<>();
    m.put(subset, SubsetChange.getClassSchema());
    m.put(Topics.windows(subset), SubsetWindow.getClassSchema());
    m.put(conf.getOptional(StreamOptions.CLASSES_TOPIC).orElse(Topics.classes(subset)), ClassWindow.getClassSchema());
    m.put(conf.get(StreamOptions.REJECTS_TOPIC), Rejected.getClassSchema());
    conf.getOptional(StreamOptions.EXPLAIN_TOPIC).ifPresent(t -> m.put(t, SubsetChange.getClassSchema()));
    return m;
  }

  /** The exit code of a bounded run that accepted no sample: every one was rejected, or there was none. */
  static final int ALL_REJECTED = 3;

  @Override
  public Integer call() throws Exception {
    var out = spec.commandLine().getOut();
    Job settings = job();
    Started job = start(settings, out, true);
    if (job == null) {
      return 0;
    }
    try (job) {
      JobExecutionResult result;
      try {
        result = job.client().getJobExecutionResult().get();
      } catch (Exception e) {
        throw failure(job.conf(), e, roles);
      }
      if (job.windows() != null) {
        finishWindowLines(job.windows(), settings.brokerTimeout(), spec.commandLine().getErr());
      }
      out.printf("done (job net runtime %.3f s)%n", result.getNetRuntime() / 1000.0);
      Long read = result.getAccumulatorResult(ValidateSamples.RECORDS);
      int code = bounded ? report(out, result) : 0;
      out.flush();
      if (code == ALL_REJECTED) {
        throw new JobFailed(read != null && read > 0
            ? "every sample was rejected (see the lines above): nothing was published"
            : "topic '" + job.conf().get(StreamOptions.INPUT_TOPIC) + "' held no sample to read: nothing was published",
            ALL_REJECTED);
      }
      return code;
    }
  }

  /**
   * Prints the window lines the finished job committed last; if the brokers do not answer now, says so in one
   * line instead: the job has succeeded, and its report and exit code follow all the same.
   */
  static void finishWindowLines(WindowLines windows, Duration timeout, java.io.PrintWriter err)
      throws InterruptedException {
    try {
      windows.finish(timeout);
    } catch (org.apache.kafka.common.KafkaException e) {
      err.println("fmselect run: window lines may be incomplete: " + e.getMessage());
      err.flush();
    }
  }

  /**
   * A bounded run's figures, from the job's accumulators: samples read, accepted and rejected, then one line
   * per reject reason (count, the first reject's id and detail). Returns {@link #ALL_REJECTED} if no sample was
   * accepted (all rejected, or none read), else 0.
   */
  static int report(java.io.PrintWriter out, JobExecutionResult result) {
    Long read = result.getAccumulatorResult(ValidateSamples.RECORDS);
    java.util.Map<String, RejectTally.Reason> rejects = result.getAccumulatorResult(RejectTally.NAME);
    if (read == null || rejects == null) { // a benchmark's dataflow floor: no rejects stage
      return 0;
    }
    long rejected = RejectTally.total(rejects);
    long accepted = read - rejected;
    out.printf("%s samples read: %s accepted, %s rejected%n", RejectTally.number(read), RejectTally.number(accepted), RejectTally.number(rejected));
    for (var e : rejects.entrySet()) {
      RejectTally.Reason r = e.getValue();
      out.printf("%s: %s %s rejected, the first %s: %s%n", e.getKey(), RejectTally.number(r.count()),
          r.count() == 1 ? "sample" : "samples", r.firstId() == null ? "without an id" : r.firstId(), r.detail());
    }
    return accepted == 0 ? ALL_REJECTED : 0;
  }


  /** {@link #start(Job, java.io.PrintWriter, boolean)} of the flags' job, without the window lines. */
  Started start(java.io.PrintWriter out) throws Exception {
    return start(job(), out, false);
  }

  /**
   * Checks the settings, opens the models and starts the job; prints what runs and the web UI's URL, and with
   * {@code windowLines} a line per window the job publishes. In a cluster it submits the job and returns null.
   */
  Started start(Job job, java.io.PrintWriter out, boolean windowLines) throws Exception {
    Integer parallelism = job.parallelism();
    boolean inCluster = job.inCluster();
    if (parallelism != null && parallelism < 1) {
      throw new UserError("--parallelism must be at least 1");
    }
    Configuration conf = job.conf();
    StreamConfig config;
    java.util.Optional<DataflowFloor.Stage> floor;
    try {
      config = StreamConfig.from(conf);
      floor = conf.getOptional(StreamOptions.DATAFLOW_FLOOR);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    Properties props = new Properties();
    props.putAll(job.kafka());
    conf.getOptional(StreamOptions.SCHEMA_REGISTRY).ifPresent(url -> props.put(SchemaRegistry.URL, url));
    // one question to the brokers before anything starts: an unreachable broker or a missing topic is one line
    Duration brokerTimeout = job.brokerTimeout();
    KafkaCheck.requireTopic(SchemaRegistry.kafkaOnly(props), conf.get(StreamOptions.INPUT_TOPIC), "input", brokerTimeout);
    if (floor.isEmpty()) { // and one round with the schema registry, if there is one: it must take every output's schema
      RegistryCheck.open(props, outputSchemas(conf));
    }
    StreamExecutionEnvironment env = inCluster ? StreamExecutionEnvironment.getExecutionEnvironment(conf)
        : !job.webUi() ? StreamExecutionEnvironment.createLocalEnvironment(parallelism == null ? 1 : parallelism, conf)
        : StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
    if (parallelism != null || !inCluster) {
      // a cluster's own parallelism stands unless the flag is given
      env.setParallelism(parallelism == null ? 1 : parallelism);
    }
    if (!conf.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)) {
      // the exactly-once sinks commit on checkpoints: without them nothing would ever be published
      env.enableCheckpointing(10_000, CheckpointingMode.EXACTLY_ONCE);
    }
    String prefix = conf.get(StreamOptions.TRANSACTIONAL_ID_PREFIX);
    var source = SubsetJob.kafkaSource(props, conf.get(StreamOptions.INPUT_TOPIC), job.groupId(), config,
        job.bounded());
    if (floor.isPresent()) { // benchmarks: the dataflow's parts alone
      DataflowFloor.build(env, source, config, floor.get(), new DiscardingSink<>());
    } else {
      SubsetJob.build(env, source, SubsetJob.kafkaSinks(props, conf.get(StreamOptions.OUTPUT_TOPIC),
          conf.get(StreamOptions.REJECTS_TOPIC), conf.get(StreamOptions.CLASSES_TOPIC),
          conf.get(StreamOptions.EXPLAIN_TOPIC), prefix), config);
    }
    roles = SavepointRefusal.roles(env);
    if (inCluster) {
      // the models open on the TaskManagers, not here: a JobManager need not hold them
      var client = env.executeAsync("fmselect " + config.method());
      out.printf("submitted job %s: %s on %s -> %s%n", client.getJobID(), config.method(),
          conf.get(StreamOptions.INPUT_TOPIC), conf.get(StreamOptions.OUTPUT_TOPIC));
      out.flush();
      return null;
    }
    // the models open before the job does, each checked on a blank image: a mistake in a spec is one line
    // here, not a job that fails over and over; the job's operators then share the loaded models
    ModelService models = config.embedding() == null ? null : openModels(config.embedding());
    if (floor.isPresent()) {
      out.printf("running the dataflow up to %s on %s (a benchmark: no selection, no output)%n", floor.get(),
          conf.get(StreamOptions.INPUT_TOPIC));
    } else {
      out.printf("running %s on %s -> %s (window %s, fraction %s)%n", config.method(), conf.get(StreamOptions.INPUT_TOPIC),
          conf.get(StreamOptions.OUTPUT_TOPIC), Duration.ofMillis(config.windowMs()), config.fraction());
    }
    out.flush();
    WindowLines windows = null;
    try {
      if (windowLines && floor.isEmpty()) { // where its windows topic ends before the job starts
        windows = WindowLines.open(props, Topics.windows(conf.get(StreamOptions.OUTPUT_TOPIC)), out,
            brokerTimeout);
      }
      JobClient client = env.executeAsync("fmselect " + config.method());
      String url = null;
      if (job.webUi()) {
        url = LocalPorts.webUiUrl(conf, client.getJobID(), Duration.ofSeconds(30)).orElse(null);
        out.println(url != null ? "Flink web UI: " + url + "/#/job/running/" + client.getJobID()
            : "Flink web UI: not answering on " + LocalPorts.range(conf) + " (see " + logFile() + ")");
        out.flush();
      }
      if (windows != null) {
        windows.start();
      }
      return new Started(client, url, conf, config, models, windows);
    } catch (Exception e) {
      if (windows != null) {
        windows.close();
      }
      if (models != null) {
        ModelService.release(models);
      }
      throw failure(conf, e, roles);
    }
  }

  /** {@link #failure(Configuration, Exception, java.util.Collection)} knowing the previous layout's roles only. */
  static Exception failure(Configuration conf, Exception e) {
    return failure(conf, e, java.util.Set.of());
  }

  /**
   * A failed job as one line: the cause, where the details are. A savepoint Flink refused because it holds
   * state for an operator the job lacks is a user's error ({@link SavepointRefusal}); ROLES: the job's
   * operators' roles, which name the operator.
   */
  static Exception failure(Configuration conf, Exception e, java.util.Collection<String> roles) {
    org.slf4j.LoggerFactory.getLogger("io.fmselect.trace").error("the job failed", e);
    var refused = SavepointRefusal.of(e, roles);
    if (refused.isPresent()) {
      return refused.get();
    }
    if (JobFailed.rootCause(e).contains("Could not start rest endpoint")) {
      return new UserError("no free port for the Flink web UI in " + LocalPorts.range(conf)
          + " (other jobs hold them): --no-web-ui, or -D rest.bind-port=RANGE");
    }
    // the restart strategy gave up: the cause in one line (the full trace is in the log)
    return new JobFailed("the job failed and its restart strategy (restart-strategy.* in flink-conf/config.yaml)"
        + " gave up: " + JobFailed.rootCause(e) + " (details: " + logFile() + ")");
  }

  /** Where the log file is (see log4j2.xml). */
  static String logFile() {
    return System.getProperty("fmselect.log.file", Path.of(System.getProperty("java.io.tmpdir"), "fmselect.log").toString());
  }

  private static ModelService openModels(StreamConfig.Embedding e) throws java.io.IOException {
    return EmbedCommand.openModels(ModelSpec.loadAll(Path.of(e.modelsDir())), e.workers(), e.intraOpThreads());
  }
}
