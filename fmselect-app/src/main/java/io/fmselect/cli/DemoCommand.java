package io.fmselect.cli;

import io.fmselect.avro.LabeledSample;
import io.fmselect.avro.Op;
import io.fmselect.demo.DemoData;
import io.fmselect.demo.DemoData.Shot;
import io.fmselect.demo.DemoReport;
import io.fmselect.demo.Member;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import io.fmselect.stream.StreamOptions;
import io.fmselect.stream.Topics;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import io.fmselect.wire.SchemaRegistry;
import io.fmselect.wire.WireFormat;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fmselect demo}, the main command: the streaming selector at work on labeled images. It starts
 * a Kafka broker in this process, the streaming job on a local Flink with its web UI, and a producer
 * that streams the images as {@code LabeledSample}s (label noise and a long tail injected and
 * remembered); it follows the subset topic as a consumer would, shows one progress line, and leaves a
 * manifest and an HTML report, then says in one line what else it left in its folder ({@link DemoFolder};
 * {@code --clean} removes it). Ctrl-C stops it all, still writes the report and exits 0.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Streams labeled images through fmselect, end to end, on this machine.",
      "It runs an embedded Kafka broker, the streaming job on a local Flink (web UI URL printed at start), which"
          + " embeds each image with the encoders in models/ (pulled with npm when missing; small stand-ins"
          + " otherwise) and keeps " + (int) (StreamOptions.DEFAULT_FRACTION * 100 + 0.5)
          + "%% of each class with RAM-APL (--fraction, --method), and a producer that injects label noise. It"
          + " leaves the subset's manifest.csv and a report.html in --out, with its working files (--clean removes them)."
          + " Ctrl-C stops it cleanly."
    })
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--out", paramLabel = "DIR", defaultValue = "fmselect-demo", description = "output folder (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--images", paramLabel = "DIR",
      description = "your own images: one sub-folder per class (default: Fashion-MNIST if installed, else generated)")
  Path images;

  @Mixin EncoderFlags encoder;

  @Option(names = "--no-pull", description = "do not pull the pretrained encoders when the models folder is empty")
  boolean noPull;

  @Option(names = "--rate", paramLabel = "PER_S", defaultValue = "100", description = "samples sent per second (default: ${DEFAULT-VALUE})")
  double rate;

  @Option(names = "--noise", paramLabel = "R", defaultValue = "0.1",
      description = "share of samples given a wrong label, uniformly among the other classes (default: ${DEFAULT-VALUE})")
  double noise;

  @Option(names = "--imbalance", paramLabel = "K", defaultValue = "1",
      description = "long tail: largest class K times the smallest (default: ${DEFAULT-VALUE}, as the data comes)")
  double imbalance;

  @Mixin SelectionFlags selection;

  @Mixin RegistryFlag registry;

  @Option(names = "--kafka-properties", paramLabel = "FILE",
      description = "properties file with the schema registry's client settings (its credentials and truststore,"
          + " the keys the other commands take in their Kafka properties); the demo's own broker needs no other")
  Path kafkaProperties;

  @Option(names = "--window", paramLabel = "DURATION", defaultValue = "2s", description = "window length (default: ${DEFAULT-VALUE})")
  String window;

  @Option(names = "--bounded", description = "stop by itself once --limit samples are in the subset's computation")
  boolean bounded;

  @Option(names = "--limit", paramLabel = "N", description = "send at most N samples (default: the whole data set)")
  Integer limit;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "seed of the noise, the tail and the order (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--clean", description = "at the end (Ctrl-C too), remove from --out all the demo wrote but manifest.csv"
      + " and report.html (which then holds its pictures): the broker's data, the checkpoints, the models' copies")
  boolean clean;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final AtomicLong produced = new AtomicLong();
  private final AtomicReference<Throwable> failed = new AtomicReference<>();
  private volatile boolean stopping;
  /** Ctrl-C was pressed (once: the demo stops and writes its report; twice: it quits at once). */
  private volatile boolean interrupted;
  /** Set once the shutdown hook is in place and the pipeline starts: Ctrl-C then stops it and reports. */
  private volatile boolean streaming;
  private volatile long lastEventTime = Long.MIN_VALUE;

  @Override
  public Integer call() throws Exception {
    if (rate <= 0 || noise < 0 || noise >= 1 || imbalance < 1 || limit != null && limit < 1) {
      throw new UserError("--rate must be > 0, --noise in [0, 1), --imbalance at least 1, --limit at least 1");
    }
    selection.check();
    if (bounded && limit == null) {
      limit = 10_000;
    }
    PrintWriter say = spec.commandLine().getOut();
    // from here on Ctrl-C exits 0: before the stream starts (reading the data, pulling the models, which
    // publish whole or not at all) at once, after it once the report is written
    sun.misc.SignalHandler previousInt = onCtrlC();
    DemoLogging.quietConsole();
    Files.createDirectories(out);
    long started = System.nanoTime();
    DemoData data = DemoData.open(images, noise, imbalance, seed, limit);
    say.println(data.description());
    DemoModels.Choice encoders = DemoModels.choose(encoder.dir(), !noPull,
        encoder.inputSize == 0 ? null : encoder.inputSize, out, spec.root().commandLine(), say);
    say.println(encoders.description());
    say.flush();

    CountDownLatch done = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stopping = true;
      // Ctrl-C ends the process in bounded time even if a library's own shutdown work hangs: the JVM
      // waits for every shutdown hook, so a watchdog halts it 90 s after the signal whatever is left
      Thread watchdog = new Thread(() -> {
        try {
          Thread.sleep(90_000);
        } catch (InterruptedException e) {
          return;
        }
        System.err.println("fmselect demo: stopping took more than 90 s; exiting without waiting further");
        Runtime.getRuntime().halt(130);
      }, "fmselect-demo-exit-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
      try {
        done.await(60, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "fmselect-demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    streaming = true;
    LocalPipeline pipeline = null;
    Thread producer = null;
    try {
      pipeline = LocalPipeline.start(out, encoders.dir(), "demo", jobOptions(),
          KafkaClientOptions.load(kafkaProperties), say);
      RunCommand.Started job = pipeline.job();
      DemoFollower follower = pipeline.follower();
      producer = startProducer(pipeline.properties(), data);
      long sending = System.nanoTime();
      DemoProgress progress = new DemoProgress(say, data,
          job.webUi() == null ? null : new FlinkRest(job.webUi(), job.client().getJobID().toHexString()), follower,
          produced);
      boolean announced = false;
      while (!stopping && failed.get() == null) {
        if (job.client().getJobStatus().get().isGloballyTerminalState()) {
          job.client().getJobExecutionResult().get(); // throws the job's failure
          break;
        }
        progress.tick();
        if (!announced && follower.firstSelectedNanos() > 0) {
          announced = true;
          progress.note(String.format(java.util.Locale.ROOT, "first selected sample %.1f s after the first sent",
              (follower.firstSelectedNanos() - sending) / 1e9));
        }
        if (bounded && !producer.isAlive() && progress.caughtUp(lastEventTime)) {
          progress.settle();
          break;
        }
        Thread.sleep(500);
      }
      progress.finish(String.format(java.util.Locale.ROOT, "%s after %.1f s", stopping ? "stopped" : "done",
          (System.nanoTime() - sending) / 1e9));
      if (interrupted) {
        say.println("stopping: the job, then the broker; then the report (Ctrl-C again quits at once, without it)");
        say.flush();
      }
      if (failed.get() != null) {
        throw new UserError("the demo's producer failed: " + JobFailed.rootCause(failed.get()));
      }
    } catch (java.util.concurrent.ExecutionException e) {
      throw RunCommand.failure(pipeline == null || pipeline.job() == null
          ? new org.apache.flink.configuration.Configuration() : pipeline.job().conf(), e);
    } finally {
      stopping = true;
      if (producer != null) {
        producer.join(5_000);
      }
      try {
        if (pipeline != null) {
          pipeline.close(); // the job, the follower, the broker
          writeReport(data, pipeline.follower(), encoders, say);
          say.println(DemoFolder.leave(out, clean));
          say.flush();
        }
      } finally {
        done.countDown();
        if (previousInt != null) {
          sun.misc.Signal.handle(new sun.misc.Signal("INT"), previousInt);
        }
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // shutting down already (Ctrl-C): the hook is running
        }
      }
    }
    say.flush();
    return 0;
  }

  /** Every demo window publishes the subset; every fifth the explanations the report shows. */
  static final int EXPLAIN_EVERY = 5;

  /** The job's options the demo sets (after the local pipeline's own): its selection, window and explain topic. */
  Configuration jobOptions() {
    Configuration conf = new Configuration();
    selection.setIn(conf);
    try {
      conf.set(StreamOptions.WINDOW, TimeUtils.parseDuration(window));
    } catch (IllegalArgumentException e) {
      throw new UserError("--window: bad duration '" + window + "': " + e.getMessage());
    }
    conf.set(StreamOptions.EXPLAIN_TOPIC, Topics.EXPLAIN);
    conf.set(StreamOptions.EXPLAIN_EVERY, EXPLAIN_EVERY);
    if (registry.url != null) {
      conf.set(StreamOptions.SCHEMA_REGISTRY, registry.url);
    }
    return conf;
  }

  /**
   * Ctrl-C (SIGINT) asks the demo to stop: the loop ends, the pipeline closes, the report is written and the
   * command returns 0, as when it ends by itself; a second Ctrl-C quits at once (130). Without this the JVM
   * would take the signal as the start of its shutdown and exit 130, with every library's shutdown hook racing
   * the demo's own. Returns the handler it replaced, or null when the signal is not the demo's to take (the
   * JVM started with it ignored, as a background job of a non-interactive shell, or with -Xrs).
   */
  private sun.misc.SignalHandler onCtrlC() {
    try {
      sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {
        if (interrupted) {
          Runtime.getRuntime().halt(128 + sig.getNumber());
        }
        interrupted = true;
        stopping = true;
        if (!streaming) {
          System.err.println("fmselect demo: stopped before the stream started; nothing to report");
          System.exit(0);
        }
      });
      if (previous == sun.misc.SignalHandler.SIG_IGN) {
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), previous); // ignored when the JVM started: stays so
        return null;
      }
      return previous;
    } catch (IllegalArgumentException e) {
      return null; // the JVM keeps SIGINT (-Xrs): Ctrl-C goes through the shutdown hook
    }
  }

  private void writeReport(DemoData data, DemoFollower follower, DemoModels.Choice encoders, PrintWriter say)
      throws java.io.IOException {
    DemoFollower.Published at = follower.published();
    Map<String, Member> subset = new java.util.TreeMap<>();
    at.selected().forEach((id, c) -> subset.put(id, Member.of(c)));
    Map<String, Member> explained = new java.util.TreeMap<>();
    follower.explained().forEach((id, c) -> explained.put(id, Member.of(c)));
    DemoReport.Summary s = DemoReport.write(out, data, subset, explained.isEmpty() ? null : explained,
        follower.windows(), follower.embedded(at), encoders.names(), selection.method, selection.fraction, !clean);
    say.printf(java.util.Locale.ROOT, "subset: %,d selected of %,d embedded (%s), %,d sent; injected noisy labels in it:"
        + " %,d (a random subset of the same size: %.1f)%n", s.selected(), s.embedded(),
        DemoReport.percentOf(s.selected(), s.embedded()), s.sent(), s.noisySelected(), s.noisyExpected());
    say.printf("report: %s (manifest.csv, report.html)%n", out.resolve("report.html"));
    say.flush();
  }

  private Thread startProducer(Properties kafka, DemoData data) {
    WireFormat wire = WireFormat.of(kafka);
    Properties p = SchemaRegistry.kafkaOnly(kafka);
    p.put("linger.ms", "5");
    Thread t = new Thread(() -> {
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
        long t0 = System.nanoTime();
        long k = 0;
        for (Shot s : data) {
          if (stopping) {
            break;
          }
          long wait = t0 + (long) (k * 1e9 / rate) - System.nanoTime();
          if (wait > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(wait);
          }
          long now = System.currentTimeMillis();
          LabeledSample sample = LabeledSample.newBuilder().setId(s.id()).setLabel(s.label()).setOp(Op.UPSERT)
              .setEventTime(Instant.ofEpochMilli(now)).setImage(ByteBuffer.wrap(s.image()))
              .setEmbeddings(Map.of()).setMetadata(Map.of("source", s.source())).build();
          producer.send(new ProducerRecord<>(Topics.SAMPLES, s.id(), wire.encode(sample, Topics.SAMPLES)), (meta, ex) -> {
            if (ex != null) {
              failed.compareAndSet(null, ex);
            }
          });
          data.sent(s, now);
          lastEventTime = now;
          produced.incrementAndGet();
          k++;
        }
        producer.flush();
      } catch (Throwable e) {
        failed.compareAndSet(null, e);
      }
    }, "fmselect-demo-producer");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
