package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fmselect.avro.SubsetChange;
import io.fmselect.io.NpyReader;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.select.Embeddings;
import io.fmselect.stream.CommittedReader;
import io.fmselect.stream.MembershipCheck;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar on a real standalone cluster of separate processes (one JobManager, two TaskManagers of two
 * slots, a {@code bin/fmselect kafka} broker), fed at a steady rate by a {@code produce --rate} process with
 * fixed event times, and interrupted mid-stream:
 *
 * <ul>
 *   <li>{@code kill -9} of the TaskManager that runs a class-selection subtask (found through the REST API),
 *       a replacement TaskManager started after it: the job restarts from its last checkpoint and the
 *       read_committed subset topic holds exactly the membership events of {@code select} at every window
 *       end, none twice, none missing; the time from the kill to the job running again and to the next
 *       committed window end is printed;
 *   <li>stop-with-savepoint at parallelism 2, a restart from it at parallelism 1 (the REST API's
 *       {@code savepointPath}), another stop-with-savepoint and a restart at parallelism 3 (the job's own
 *       {@code -D execution.state-recovery.path=...}): the same records as {@code select} demands, and the
 *       same as the run with the kill.
 * </ul>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFailoverITCase {
  static final int ROWS = 3000;
  static final int INTERVAL_MS = 10;
  static final long WINDOW_MS = 2000;
  /** The last window end: the event time of the last row, rounded up to a window end. */
  static final long LAST = ((ROWS - 1L) * INTERVAL_MS + WINDOW_MS - 1) / WINDOW_MS * WINDOW_MS;
  /** Samples/s: the run with the kill streams for 30 s, the one with two stops for 60 s. */
  static final int KILL_RATE = 100;
  static final int RESCALE_RATE = 50;

  /** Kept when a test fails: the cluster's logs, checkpoints and savepoints are what tells why. */
  @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) static Path dir;
  static CompletableFuture<KafkaCommandITCase.Broker> brokerStart;
  static KafkaCommandITCase.Broker broker;
  static Thread stopBrokerOnExit;
  static StandaloneFlink flink;
  static Properties client;
  static Path data;
  static String jar;
  /** The committed records of the run with the kill, as sorted lines (null until it ran). */
  static List<String> killedRun;
  /** The job running now, cancelled after each test if it still runs (a test that failed half-way). */
  static String current;

  @BeforeAll
  static void startCluster() throws Exception {
    Path kafkaDir = dir.resolve("kafka");
    int port = KafkaCommandITCase.freePort();
    int cport = KafkaCommandITCase.freePort();
    // the broker and the cluster start side by side
    brokerStart = CompletableFuture.supplyAsync(() -> {
      try {
        KafkaCommandITCase.Broker b = KafkaCommandITCase.start(kafkaDir, port, cport);
        Thread hook = new Thread(b.process()::destroyForcibly, "stop-failover-broker");
        Runtime.getRuntime().addShutdownHook(hook);
        stopBrokerOnExit = hook;
        return b;
      } catch (Exception e) {
        throw new IllegalStateException("broker did not start", e);
      }
    });
    flink = StandaloneFlink.start(dir.resolve("flink"), false, StandaloneFlink.VECTOR_MODULE, 2, 2, List.of(
        // restart quickly: a deploy to the dead TaskManager fails and spends a restart until it is declared lost
        "restart-strategy.exponential-delay.initial-backoff: 500ms",
        "restart-strategy.exponential-delay.max-backoff: 2s",
        // a TaskManager that refuses two heartbeat RPCs in a row is lost: found within about 4 s
        "heartbeat.interval: 2s",
        "taskmanager.load-balance.mode: SLOTS"));
    broker = brokerStart.get(120, TimeUnit.SECONDS);
    client = new Properties();
    client.put("bootstrap.servers", broker.address());
    data = dir.resolve("data");
    LauncherITCase.Result g = LauncherITCase.launch("generate", "--out-dir", data.toString(), "--rows",
        Integer.toString(ROWS), "--classes", "6", "--dims", "16,8", "--names", "dinov2,clip");
    assertEquals(0, g.code(), g.err());
    jar = flink.upload(Path.of("target/fmselect-job.jar"));
  }

  @org.junit.jupiter.api.AfterEach
  void cancelLeftover() throws Exception {
    if (current != null && flink != null && !List.of("FINISHED", "FAILED", "CANCELED").contains(
        flink.get("/jobs/" + current).path("state").asText())) {
      flink.cancel(current, 60);
    }
    current = null;
  }

  @AfterAll
  static void stopCluster() throws Exception {
    try {
      if (flink != null) {
        flink.close();
      }
    } finally {
      KafkaCommandITCase.Broker b = broker;
      if (b == null && brokerStart != null) {
        try {
          b = brokerStart.get(120, TimeUnit.SECONDS);
        } catch (Exception failed) {
          // it did not start: nothing to stop
        }
      }
      if (b != null) {
        try {
          KafkaCommandITCase.stop(b);
        } finally {
          ProcessHandle.of(b.process().pid()).ifPresent(ProcessHandle::destroyForcibly);
          if (stopBrokerOnExit != null) {
            Runtime.getRuntime().removeShutdownHook(stopBrokerOnExit);
          }
        }
      }
    }
  }

  @Test
  @Order(1)
  void aKilledTaskManagerLosesAndRepeatsNothing() throws Exception {
    String tag = "kill";
    createTopics(tag, 2);
    String job = submit(2, tag, null, List.of());
    awaitRecovered(job, 0, 180);
    try (Background producer = produce(tag, KILL_RATE);
        CommittedReader reader = new CommittedReader(client, "subset-" + tag)) {
      assertTrue(reader.awaitUntil(rs -> lastWindowEnd(rs) >= 6000, Duration.ofSeconds(180)),
          "windows committed before the kill: " + lastWindowEnd(reader.poll()));
      // the TaskManager of class-selection subtask 0, through the REST API, and its process
      JsonNode vertex = vertex(job, "class-selection");
      String victim = vertex.path("subtasks").get(0).path("taskmanager-id").asText();
      Process tm = flink.taskManager(victim);
      long seenBefore = lastWindowEnd(reader.poll());
      assertTrue(producer.process().isAlive(), "the kill comes mid-stream (the producer is still sending)");
      long killed = System.nanoTime();
      tm.destroyForcibly(); // SIGKILL to its PID
      assertTrue(tm.waitFor(30, TimeUnit.SECONDS));
      System.out.printf("killed TaskManager %s (pid %d) running class-selection subtask 0 at committed window end %d%n",
          victim, tm.pid(), seenBefore);
      String replacement = flink.startTaskManager();
      double running = -1;
      double nextWindow = -1;
      long deadline = killed + TimeUnit.SECONDS.toNanos(240);
      while ((running < 0 || nextWindow < 0) && System.nanoTime() < deadline) {
        if (nextWindow < 0 && lastWindowEnd(reader.poll()) > seenBefore) {
          nextWindow = (System.nanoTime() - killed) / 1e9;
        }
        if (running < 0 && restarts(job) > 0 && allRunning(job)) {
          running = (System.nanoTime() - killed) / 1e9;
        }
        Thread.sleep(100);
      }
      System.out.printf("recovery after kill -9: job RUNNING again with all tasks running after %.1f s,"
          + " next window end committed after %.1f s (%d restarts; replacement %s)%n", running, nextWindow,
          restarts(job), replacement);
      assertTrue(running > 0, "the job runs again: " + flink.get("/jobs/" + job));
      assertTrue(nextWindow > 0, "windows are committed again: " + lastWindowEnd(reader.poll()));
      assertTrue(restarts(job) > 0, "numRestarts");
      JsonNode history = flink.get("/jobs/" + job + "/exceptions").path("exceptionHistory").path("entries");
      assertTrue(history.size() > 0, "the failure is in the job's exception history");
      finish(producer, reader, job);
    }
    killedRun = check(tag);
  }

  @Test
  @Order(2)
  void stopWithSavepointAndRestartAtParallelismOneAndThree() throws Exception {
    String tag = "rescale";
    createTopics(tag, 3);
    Path savepoints = Files.createDirectories(dir.resolve("savepoints"));
    String job = submit(2, tag, null, List.of());
    awaitRecovered(job, 0, 180);
    try (Background producer = produce(tag, RESCALE_RATE);
        CommittedReader reader = new CommittedReader(client, "subset-" + tag)) {
      assertTrue(reader.awaitUntil(rs -> lastWindowEnd(rs) >= 4000, Duration.ofSeconds(180)));
      long stopped = System.nanoTime();
      String sp1 = flink.stopWithSavepoint(job, savepoints, 120);
      assertEquals("FINISHED", flink.await(job, 60));
      long seen = lastWindowEnd(reader.poll());
      System.out.printf("stop-with-savepoint at parallelism 2 took %.1f s (committed window end %d): %s%n",
          (System.nanoTime() - stopped) / 1e9, seen, sp1);
      // back at parallelism 1, through the REST API's savepointPath (what flink run -s sets)
      job = submit(1, tag, sp1, List.of());
      awaitRecovered(job, 0, 180);
      assertEquals(sp1, restoredFrom(job));
      assertEquals(1, vertex(job, "class-selection").path("parallelism").asInt());
      long after1 = seen;
      assertTrue(reader.awaitUntil(rs -> lastWindowEnd(rs) >= after1 + 2000, Duration.ofSeconds(180)));
      // a job restored after its input ended would never close its last window (see the README): stop mid-stream
      assertTrue(producer.process().isAlive(), "the second stop comes mid-stream (the producer is still sending)");
      stopped = System.nanoTime();
      String sp2 = flink.stopWithSavepoint(job, savepoints, 120);
      assertEquals("FINISHED", flink.await(job, 60));
      seen = lastWindowEnd(reader.poll());
      System.out.printf("stop-with-savepoint at parallelism 1 took %.1f s (committed window end %d): %s%n",
          (System.nanoTime() - stopped) / 1e9, seen, sp2);
      // on at parallelism 3, through the job's own -D execution.state-recovery.path (run --in-cluster)
      long restarted = System.nanoTime();
      job = submit(3, tag, null, List.of("-D", "execution.state-recovery.path=" + sp2));
      awaitRecovered(job, 0, 180);
      assertEquals(sp2, restoredFrom(job));
      assertEquals(3, vertex(job, "class-selection").path("parallelism").asInt());
      System.out.printf("restored at parallelism 3 and running %.1f s after the submission%n",
          (System.nanoTime() - restarted) / 1e9);
      finish(producer, reader, job);
    }
    List<String> lines = check(tag);
    if (killedRun != null) {
      assertEquals(killedRun, lines, "the same records as the run with the kill");
    }
  }

  private static void createTopics(String tag, int partitions) throws Exception {
    try (Admin admin = Admin.create(client)) {
      admin.createTopics(List.of(new NewTopic("samples-" + tag, partitions, (short) 1),
          new NewTopic("subset-" + tag, 2, (short) 1), new NewTopic("rejects-" + tag, 1, (short) 1)))
          .all().get(60, TimeUnit.SECONDS);
    }
  }

  /** Submits the job jar at PARALLELISM (from a savepoint unless null) with run's flags and EXTRA. */
  private static String submit(int parallelism, String tag, String savepoint, List<String> extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("--bootstrap-servers", broker.address(), "--input-topic",
        "samples-" + tag, "--output-topic", "subset-" + tag, "--rejects-topic", "rejects-" + tag, "--group-id", tag,
        "--fm", "dinov2=16", "--fm", "clip=8", "--fraction", "0.1", "--window", "2s", "--idle-flush", "5s",
        "--publish", "every-window", // check() checks every window end
        // the job starts before the producer: a partition whose first records come a little after the other's
        // must not have been declared idle meanwhile, or those records could be late
        "--idleness", "60s", "-D", "execution.checkpointing.interval=1s", "-D",
        "fmselect.transactional-id-prefix=" + tag));
    args.addAll(extra);
    JsonNode r = savepoint == null ? flink.run(jar, parallelism, args) : flink.runFrom(jar, parallelism, savepoint, args);
    String job = r.path("jobid").asText();
    assertFalse(job.isEmpty(), r.toString());
    current = job;
    return job;
  }

  /** {@code bin/fmselect produce} of the whole data set at RATE samples/s, event time i * INTERVAL_MS. */
  private static Background produce(String tag, int rate) throws Exception {
    return Background.start(dir.resolve("produce-" + tag), "produce", "--bootstrap-servers", broker.address(),
        "--topic", "samples-" + tag, "--labels", data.resolve("labels.npy").toString(), "--features",
        "dinov2=" + data.resolve("dinov2.npy"), "--features", "clip=" + data.resolve("clip.npy"), "--start-time", "0",
        "--interval-ms", Integer.toString(INTERVAL_MS), "--rate", Integer.toString(rate));
  }

  /** Waits for the producer and for the last window to be committed, then cancels the (unbounded) job. */
  private static void finish(Background producer, CommittedReader reader, String job) throws Exception {
    assertEquals(0, producer.waitFor(240), producer.output());
    assertTrue(reader.awaitUntil(rs -> lastWindowEnd(rs) >= LAST, Duration.ofSeconds(180)),
        "the last window end is committed: " + lastWindowEnd(reader.poll()));
    assertEquals("RUNNING", flink.get("/jobs/" + job).path("state").asText());
    assertEquals("CANCELED", flink.cancel(job, 60));
  }

  /**
   * The read_committed subset topic against {@code select} on the samples with event time <= every window end
   * (and the classes topic's summaries); returns its records as sorted lines.
   */
  private static List<String> check(String tag) throws Exception {
    List<String> rejects = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : InJvmKafka.readCommitted(client, "rejects-" + tag)) {
      rejects.add(r.key() + " " + io.fmselect.avro.Rejected.fromByteBuffer(ByteBuffer.wrap(r.value())).getReason());
    }
    assertEquals(List.of(), rejects, "no sample rejected (none late)");
    List<SubsetChange> records = MembershipCheck.subset(InJvmKafka.readCommitted(client, "subset-" + tag));
    long[] labels = NpyReader.readLabels(data.resolve("labels.npy"));
    Embeddings a = NpyReader.readFeatures(data.resolve("dinov2.npy"));
    Embeddings b = NpyReader.readFeatures(data.resolve("clip.npy"));
    MembershipCheck.assertEveryWindow(records,
        MembershipCheck.classes(InJvmKafka.readCommitted(client, "subset-" + tag + "-classes")), t -> {
          int rows = (int) Math.min(ROWS, t / INTERVAL_MS + 1);
          int[] first = IntStream.range(0, rows).toArray();
          return MembershipCheck.batch(IntStream.range(0, rows).mapToObj(ProduceCommand::id).toList(),
              Arrays.copyOf(labels, rows), new Embeddings[] {a.rows(first), b.rows(first)}, "ram-apl", 0.1);
        }, WINDOW_MS, LAST, true);
    List<String> lines = new ArrayList<>();
    for (SubsetChange c : records) {
      lines.add(c.getId() + "@" + c.getWindowEnd().toEpochMilli() + " " + c.getEvent() + " " + c.getScore() + " "
          + c.getRank());
    }
    lines.sort(null);
    System.out.printf("%s: %d committed membership records over %d window ends, each as select demands%n", tag,
        lines.size(), LAST / WINDOW_MS);
    return lines;
  }

  static long lastWindowEnd(List<ConsumerRecord<String, byte[]>> records) {
    long last = Long.MIN_VALUE;
    for (ConsumerRecord<String, byte[]> r : records) {
      try {
        last = Math.max(last, SubsetChange.fromByteBuffer(ByteBuffer.wrap(r.value())).getWindowEnd().toEpochMilli());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return last;
  }

  /** The job vertex whose name starts with NAME, with its subtasks. */
  private static JsonNode vertex(String job, String name) throws Exception {
    for (JsonNode v : flink.get("/jobs/" + job).path("vertices")) {
      if (v.path("name").asText().startsWith(name)) {
        return flink.get("/jobs/" + job + "/vertices/" + v.path("id").asText());
      }
    }
    throw new AssertionError("no vertex " + name + " in " + flink.get("/jobs/" + job));
  }

  /** The job's numRestarts metric (0 while absent). */
  private static long restarts(String job) throws Exception {
    for (JsonNode m : flink.get("/jobs/" + job + "/metrics?get=numRestarts")) {
      return m.path("value").asLong();
    }
    return 0;
  }

  /** Whether the job is RUNNING with every subtask of every vertex RUNNING. */
  private static boolean allRunning(String job) throws Exception {
    JsonNode j = flink.get("/jobs/" + job);
    if (!"RUNNING".equals(j.path("state").asText())) {
      return false;
    }
    for (JsonNode v : j.path("vertices")) {
      if (v.path("tasks").path("RUNNING").asInt() != v.path("parallelism").asInt()) {
        return false;
      }
    }
    return j.path("vertices").size() > 0;
  }

  /** Waits until the job has restarted at least RESTARTS times and runs every task. */
  private static void awaitRecovered(String job, int restarts, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (restarts(job) >= restarts && allRunning(job)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("job not running in " + seconds + " s: " + flink.get("/jobs/" + job));
  }

  /** The savepoint or checkpoint the job restored from ({@code /jobs/ID/checkpoints}). */
  private static String restoredFrom(String job) throws Exception {
    return flink.get("/jobs/" + job + "/checkpoints").path("latest").path("restored").path("external_path").asText();
  }

  /**
   * A {@code bin/fmselect} command running in the background, its output in a file; stopped by its PID on
   * {@link #close} (or by a shutdown hook, should the JVM exit first).
   */
  record Background(Process process, Path log, Thread hook) implements AutoCloseable {
    static Background start(Path log, String... args) throws Exception {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of("bin/fmselect").toAbsolutePath().toString());
      cmd.addAll(List.of(args));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      Thread hook = new Thread(p::destroyForcibly, "stop-" + args[0]);
      Runtime.getRuntime().addShutdownHook(hook);
      return new Background(p, log, hook);
    }

    /** Waits for it to end; returns its exit code (-1: still running after SECONDS). */
    int waitFor(int seconds) throws InterruptedException {
      return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    String output() throws java.io.IOException {
      return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
      try {
        if (process.isAlive()) {
          process.destroy();
          if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
          }
        }
      } finally {
        Runtime.getRuntime().removeShutdownHook(hook);
      }
    }
  }
}
