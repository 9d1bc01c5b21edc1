package io.fmselect.stream;

import io.fmselect.select.Budget;
import io.fmselect.select.Methods;
import io.fmselect.select.RamApl;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Every tunable of the streaming job, typed, with its default and description: their one home. Values come
 * from these defaults, then {@code flink-conf/config.yaml}, then command-line flags. {@code run}'s flags for
 * the options it names are made from these declarations (io.fmselect.cli.JobFlags): a description's first
 * sentence is the flag's help, so it is written to stand alone, with no ". " inside; the rest says more.
 */
public final class StreamOptions {
  private StreamOptions() {}

  /** The default fraction of each class kept (the job's, {@code demo}'s and {@code bench continual}'s). */
  public static final double DEFAULT_FRACTION = 0.1;

  public static final ConfigOption<String> INPUT_TOPIC = ConfigOptions.key("fmselect.input-topic")
      .stringType().defaultValue(Topics.SAMPLES).withDescription("Input topic: LabeledSample records.");

  public static final ConfigOption<String> OUTPUT_TOPIC = ConfigOptions.key("fmselect.output-topic")
      .stringType().defaultValue(Topics.SUBSET).withDescription("Output topic: SubsetChange records.");

  public static final ConfigOption<String> REJECTS_TOPIC = ConfigOptions.key("fmselect.rejects-topic")
      .stringType().defaultValue(Topics.REJECTS)
      .withDescription("Rejects topic: Rejected records, each with its reason. These are the samples the job could"
          + " not use.");

  public static final ConfigOption<String> CLASSES_TOPIC = ConfigOptions.key("fmselect.classes-topic")
      .stringType().noDefaultValue()
      .withDescription("Classes topic: a ClassWindow record per class whose subset changed at a window end"
          + " (default: the output topic followed by '" + Topics.CLASSES_SUFFIX + "').");

  public static final ConfigOption<String> EXPLAIN_TOPIC = ConfigOptions.key("fmselect.explain-topic")
      .stringType().noDefaultValue()
      .withDescription("Also publish every member's figures to this topic every fmselect.explain-every windows"
          + " (default: off). They are SubsetChange records with no event (compaction-friendly).");

  public static final ConfigOption<String> SCHEMA_REGISTRY = ConfigOptions.key("fmselect.schema-registry")
      .stringType().noDefaultValue()
      .withDescription("Schema registry URL (Confluent-compatible API, such as http://registry:8080/apis/ccompat/v7):"
          + " write every output topic in the Confluent wire format (default: Avro single-object encoding). Its"
          + " schemas are registered under the subjects <topic>-value, new subjects with compatibility BACKWARD;"
          + " input records may be in either framing (a record in neither is rejected with reason 'encoding')."
          + " Credentials: schema.registry.basic.auth.user.info=USER:PASSWORD in the Kafka client properties.");

  public static final ConfigOption<Integer> EXPLAIN_EVERY = ConfigOptions.key("fmselect.explain-every")
      .intType().defaultValue(10)
      .withDescription("Windows between explanations. With an explain topic, every member's figures are published"
          + " at the window ends that are a multiple of this many windows.");

  public static final ConfigOption<Integer> CLASS_GAUGES = ConfigOptions.key("fmselect.metrics.class-gauges")
      .intType().defaultValue(100)
      .withDescription("Per-class gauges (class_members, class_selected, ...) are kept for at most this many classes"
          + " per subtask, the first seen; the job-level gauges and the classes topic cover every class.");

  public static final ConfigOption<String> METHOD = ConfigOptions.key("fmselect.method")
      .stringType().defaultValue(Methods.DEFAULT)
      .withDescription("Selection method. One of " + String.join(", ", Methods.NAMES) + ".");

  public static final ConfigOption<Double> FRACTION = ConfigOptions.key("fmselect.fraction")
      .doubleType().defaultValue(DEFAULT_FRACTION)
      .withDescription("Fraction of each class to keep, in " + Budget.FRACTION_RANGE + ".");

  public static final ConfigOption<List<String>> FMS = ConfigOptions.key("fmselect.fms")
      .stringType().asList().noDefaultValue()
      .withDescription("A foundation model and its embedding dimension, as NAME=DIM. Every sample needs an"
          + " embedding of each (as a key: a list, NAME=DIM;NAME=DIM).");

  public static final ConfigOption<Duration> WINDOW = ConfigOptions.key("fmselect.window")
      .durationType().defaultValue(Duration.ofSeconds(10))
      .withDescription("Window length, such as 10s: the subset is recomputed at every multiple of it, in event"
          + " time.");

  public static final ConfigOption<String> PUBLISH = ConfigOptions.key("fmselect.publish")
      .stringType().defaultValue(Publish.LATEST.option())
      .withDescription("Which window ends the job publishes: " + Publish.LATEST.option() + " folds the window ends"
          + " closed while the job is behind into the newest one; " + Publish.EVERY_WINDOW.option() + " publishes"
          + " each. In " + Publish.LATEST.option() + " mode every window end is published while the job keeps up;"
          + " when windows close faster than half a window of processing time apart (a backlog, a replay), the ends"
          + " closed meanwhile are folded into the newest one, exact at that end, with the net membership events"
          + " since the last published end. " + Publish.EVERY_WINDOW.option() + " publishes every window end, however"
          + " far behind the job is.");

  public static final ConfigOption<Duration> OUT_OF_ORDERNESS = ConfigOptions.key("fmselect.out-of-orderness")
      .durationType().defaultValue(Duration.ofSeconds(1))
      .withDescription("Watermark bound: how far a partition's samples may arrive out of event-time order. The"
          + " watermark trails the partition's newest accepted event time by this much. A sample whose window the watermark has closed when it"
          + " reaches the job is rejected as 'late'.");

  public static final ConfigOption<Duration> IDLENESS = ConfigOptions.key("fmselect.idleness")
      .durationType().defaultValue(Duration.ofSeconds(5))
      .withDescription("A partition silent this long stops holding event time back. The other partitions then move"
          + " event time on alone (the watermark). Time the job spends back-pressured does not count.");

  public static final ConfigOption<Duration> IDLE_FLUSH = ConfigOptions.key("fmselect.idle-flush")
      .durationType().defaultValue(Duration.ofSeconds(10))
      .withDescription("Once every partition is silent this long, publish the windows up to the newest event time."
          + " The job closes every window up to the newest event time it has received: a quiet stream publishes what"
          + " it has. A sample"
          + " that arrives later for a closed window is rejected as 'late'. Not used with a bounded input, which"
          + " flushes exactly at its end.");

  public static final ConfigOption<Duration> MAX_FUTURE = ConfigOptions.key("fmselect.max-future")
      .durationType().defaultValue(Duration.ofHours(1))
      .withDescription("Reject a sample further ahead of its partition's event time than this as 'future'. Its"
          + " partition's event time is its newest accepted one; a future sample never moves it. After a quiet spell on the partition"
          + " (fmselect.idle-flush) its next sample is taken as it comes, so a stream may resume at a later time.");

  public static final ConfigOption<Duration> REJECTS_LOG_INTERVAL = ConfigOptions.key("fmselect.rejects.log-interval")
      .durationType().defaultValue(Duration.ofMinutes(1))
      .withDescription("An unbounded run logs the first reject of each reason at once (WARN, on the console), then"
          + " the count of each reason that had new rejects at most this often. A bounded run instead prints one line"
          + " per reason when it ends.");

  public static final ConfigOption<Double> WEIGHT_A = ConfigOptions.key("fmselect.ram-apl.a")
      .doubleType().defaultValue(RamApl.DEFAULT_A).withDescription("RAM-APL weight floor a.");

  public static final ConfigOption<Double> WEIGHT_K = ConfigOptions.key("fmselect.ram-apl.k")
      .doubleType().defaultValue(RamApl.DEFAULT_K).withDescription("RAM-APL weight slope k.");

  public static final ConfigOption<Double> WEIGHT_S = ConfigOptions.key("fmselect.ram-apl.s")
      .doubleType().defaultValue(RamApl.DEFAULT_S).withDescription("RAM-APL weight midpoint s.");

  public static final ConfigOption<Long> SEED = ConfigOptions.key("fmselect.seed")
      .longType().defaultValue(0L).withDescription("Seed of the uniform method.");

  public static final ConfigOption<String> MODELS_DIR = ConfigOptions.key("fmselect.embed.models-dir")
      .stringType().noDefaultValue()
      .withDescription("FM spec files (NAME.yaml): samples that carry an image are embedded in the stream; the FMs"
          + " default to these models. A sample embedded here carries an image instead of an FM's embedding; without"
          + " this folder, every sample must carry every embedding.");

  public static final ConfigOption<Duration> EMBED_TIMEOUT = ConfigOptions.key("fmselect.embed.timeout")
      .durationType().defaultValue(Duration.ofSeconds(60))
      .withDescription("Longest one sample may take to be embedded; past it the sample is rejected (inference-timeout).");

  public static final ConfigOption<Integer> EMBED_CAPACITY = ConfigOptions.key("fmselect.embed.capacity")
      .intType().defaultValue(64).withDescription("Samples being embedded at once per embed subtask (async I/O capacity).");

  public static final ConfigOption<Integer> EMBED_WORKERS = ConfigOptions.key("fmselect.embed.workers")
      .intType().defaultValue(1).withDescription("Inference threads per FM and TaskManager, each with its own predictor.");

  public static final ConfigOption<Integer> EMBED_INTRA_OP_THREADS = ConfigOptions.key("fmselect.embed.intra-op-threads")
      .intType().defaultValue(2).withDescription("Threads one inference call may use.");

  public static final ConfigOption<Long> MAX_IMAGE_BYTES = ConfigOptions.key("fmselect.embed.max-image-bytes")
      .longType().defaultValue(20L << 20).withDescription("Largest encoded image accepted (image-too-large past it).");

  public static final ConfigOption<Boolean> MEMBER_CACHE = ConfigOptions.key("fmselect.selector.member-cache")
      .booleanType().defaultValue(true)
      .withDescription("Keep classes' members decoded on the heap between windows, within"
          + " fmselect.selector.member-cache-size (RocksDB stays the source of truth: a class not kept is read back"
          + " from it when it computes). Saves reading members from RocksDB at every window and lets RAM-APL reuse"
          + " the pseudo-labels that provably did not change.");

  public static final ConfigOption<org.apache.flink.configuration.MemorySize> MEMBER_CACHE_SIZE =
      ConfigOptions.key("fmselect.selector.member-cache-size").memoryType().noDefaultValue()
      .withDescription("Heap the class stage's decoded members may take in one TaskManager, shared by its class-stage"
          + " subtasks (default: 60% of the TaskManager's JVM heap). The least recently computed classes that do not"
          + " fit are read back from RocksDB when they next compute; a class larger than this is read back at every"
          + " window. About 4 bytes per embedding dimension per member.");

  public static final ConfigOption<Integer> FAIL_ATTEMPTS = ConfigOptions.key("fmselect.chaos.fail-attempts")
      .intType().defaultValue(1)
      .withDescription("Chaos testing: with fmselect.chaos.fail-after-records, each decode task fails in each of its"
          + " first this many attempts (more than the restart strategy allows: a failure that repeats"
          + " deterministically).");

  public static final ConfigOption<Long> FAIL_AFTER_RECORDS = ConfigOptions.key("fmselect.chaos.fail-after-records")
      .longType().defaultValue(0L)
      .withDescription("Chaos testing: each decode task fails once, in its first attempt, after this many records"
          + " (0 = never). Used to check that a restore loses and repeats nothing.");

  public static final ConfigOption<DataflowFloor.Stage> DATAFLOW_FLOOR = ConfigOptions.key("fmselect.bench.dataflow-floor")
      .enumType(DataflowFloor.Stage.class).noDefaultValue()
      .withDescription("Benchmarks only: run the job's dataflow up to this part, with no selection and no output"
          + " (READ, SHUFFLE, ONE_WRITE, TWO_WRITES), to measure what the parts cost on their own.");

  public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX = ConfigOptions.key("fmselect.transactional-id-prefix")
      .stringType().defaultValue("fmselect").withDescription("Prefix of the Kafka transactional ids of the sinks.");
}
