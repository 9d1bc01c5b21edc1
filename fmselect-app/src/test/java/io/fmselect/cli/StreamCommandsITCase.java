package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.io.PythonReader;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.stream.MembershipCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's streaming walk-through, command by command, each a separate bin/fmselect process. */
class StreamCommandsITCase {
  @TempDir Path dir;

  /**
   * The walk-through with followers started first, as in every real setup: {@code subset --follow}, the Python
   * reader's --follow and its windows() each say in one line that they wait for the topics, and once the job
   * has created them follow it to the batch selection.
   */
  @Test
  void produceRunAndSubsetGiveTheBatchSelection() throws Exception {
    try (InJvmKafka kafka = InJvmKafka.start();
        ClusterFailoverITCase.Background follower = ClusterFailoverITCase.Background.start(dir.resolve("follower.log"),
            "subset", "--bootstrap-servers", kafka.bootstrapServers(), "--out", dir.resolve("followed.txt").toString(),
            "--follow")) {
      String bs = kafka.bootstrapServers();
      String waiting = "waiting for topic 'subset' on " + bs;
      Process python = PythonReader.start(List.of("--bootstrap-servers", bs, "--out", dir.resolve("py.txt").toString(),
          "--follow"), dir.resolve("py.out"), dir.resolve("py.err"));
      Process windows = PythonReader.startScript(String.join("\n",
          "import os, sys",
          "from fmselect_reader import SubsetReader",
          "with SubsetReader(sys.argv[1], 'subset') as reader:",
          "    for w in reader.windows():",
          "        with open(sys.argv[2] + '.tmp', 'w') as f:",
          "            f.writelines(i + '\\n' for i in sorted(w.subset))",
          "        os.replace(sys.argv[2] + '.tmp', sys.argv[2])"),
          List.of(bs, dir.resolve("windows.txt").toString()), dir.resolve("windows.out"), dir.resolve("windows.err"));
      try {
        awaitLine(follower.log(), waiting);
        awaitLine(dir.resolve("py.err"), waiting);
        awaitLine(dir.resolve("windows.err"), waiting);
        Path d = produceExample(kafka, dir, 1500, 8, 24, 12); // creates 'subset'; the job creates 'subset-windows'
        LauncherITCase.Result r = LauncherITCase.launch("run", "--bootstrap-servers", bs, "--fm", "dinov2=24", "--fm",
            "clip=12", "--fraction", "0.1", "--window", "2s", "--bounded", "--parallelism", "2", "--no-web-ui");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("done (job net runtime "), r.out());
        assertSubsetIsTheBatchSelection(bs, d, dir);
        List<String> want = Files.readAllLines(dir.resolve("stream.txt"));
        // run without --publish: the default, latest (a bounded replay, so window ends may be folded); the windows
        // topic's last mark is the end of the data (event time 14.99 s), with the batch selection's size
        List<io.fmselect.avro.SubsetWindow> marks = MembershipCheck.windows(kafka.readCommitted("subset-windows"));
        assertEquals(16_000, marks.get(marks.size() - 1).getWindowEnd().toEpochMilli(), "the last published end");
        assertEquals(want.size(), marks.get(marks.size() - 1).getSelected(), "the subset's size at the last end");
        for (String f : List.of("followed.txt", "py.txt", "windows.txt")) {
          awaitContent(dir.resolve(f), want);
        }
        assertEquals(1, follower.output().lines().filter(l -> l.startsWith("waiting for")).count(), follower.output());
        // it reports the last end: as a window line, or in its catch-up line when the replay's ends were all
        // folded into that one before the follower found the windows topic (latest mode, a fast bounded run)
        assertTrue(follower.output().contains("window end 1970-01-01T00:00:16Z")
            || follower.output().contains(" selected at 1970-01-01T00:00:16Z -> "), follower.output());
        assertEquals(waiting, Files.readString(dir.resolve("py.err")).strip());
        assertEquals(waiting, Files.readString(dir.resolve("windows.err")).strip());
        assertTrue(Files.readString(dir.resolve("py.out")).contains("window end 1970-01-01T00:00:"),
            Files.readString(dir.resolve("py.out")));
      } finally {
        python.destroyForcibly().waitFor();
        windows.destroyForcibly().waitFor();
      }
    }
  }

  /** Waits up to 60 s for FILE to hold LINE. */
  private static void awaitLine(Path file, String line) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (Files.exists(file) && Files.readAllLines(file).contains(line)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(file + " does not say '" + line + "' in 60 s: " + (Files.exists(file) ? Files.readString(file) : "no file"));
  }

  /** Waits up to 60 s for FILE to hold these lines. */
  private static void awaitContent(Path file, List<String> lines) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<String> got = List.of();
    while (System.nanoTime() < deadline) {
      got = Files.exists(file) ? Files.readAllLines(file) : List.of();
      if (got.equals(lines)) {
        return;
      }
      Thread.sleep(200);
    }
    assertEquals(lines, got, file + " after 60 s");
  }

  @Test
  void aMissingTopicAndAFailureThatRepeatsAreOneLineEach() throws Exception {
    try (InJvmKafka kafka = InJvmKafka.start()) {
      String bs = kafka.bootstrapServers();
      LauncherITCase.Result missing = LauncherITCase.launch("run", "--bootstrap-servers", bs, "--input-topic", "nope",
          "--fm", "a=4", "--bounded", "--no-web-ui");
      assertEquals(2, missing.code(), missing.err());
      assertEquals(List.of("fmselect run: error: input topic 'nope' does not exist on " + bs), missing.err().lines()
          .toList());
      produceExample(kafka, dir, 300, 3, 8, 4);
      // every decode task fails after 20 records in every attempt; the restart strategy allows 2 restarts
      LauncherITCase.Result failing = LauncherITCase.launch("run", "--bootstrap-servers", bs, "--fm", "dinov2=8",
          "--fm", "clip=4", "--bounded", "--no-web-ui", "-D", "fmselect.chaos.fail-after-records=20", "-D",
          "fmselect.chaos.fail-attempts=1000", "-D", "restart-strategy.type=fixed-delay", "-D",
          "restart-strategy.fixed-delay.attempts=2", "-D", "restart-strategy.fixed-delay.delay=100ms");
      assertEquals(1, failing.code(), failing.err());
      List<String> err = failing.err().lines().toList();
      assertTrue(err.stream().noneMatch(l -> l.strip().startsWith("at ")), "no stack trace: " + failing.err());
      assertEquals(2, err.stream().filter(l -> l.contains("restarts from its last checkpoint")).count(),
          "one line per restart: " + failing.err());
      String last = err.get(err.size() - 1);
      assertTrue(last.startsWith("fmselect run: error: the job failed and its restart strategy"), last);
      assertTrue(last.contains("gave up: java.lang.IllegalStateException: injected failure after 20 records"), last);
      assertTrue(last.contains("fmselect.log"), "says where the details are: " + last);
    }
  }

  /** How a test launches bin/fmselect: {@link LauncherITCase#launch}, or that with extra Kafka flags and checks. */
  @FunctionalInterface
  interface Launcher {
    LauncherITCase.Result launch(String... args) throws Exception;
  }

  /**
   * Creates the topics, generates ROWS samples of C classes with FMs dinov2 and clip (dims D1, D2) and
   * produces them, 10 ms apart, as the README does; returns the data folder.
   */
  static Path produceExample(InJvmKafka kafka, Path dir, int rows, int classes, int d1, int d2) throws Exception {
    return produceExample(kafka.clientProperties(), LauncherITCase::launch, dir, rows, classes, d1, d2);
  }

  /**
   * {@link #produceExample(InJvmKafka, Path, int, int, int, int)} on any broker: CLIENT are the properties of
   * an admin client that creates the topics (bootstrap.servers and any security settings), KAFKA launches
   * {@code produce} (and may add --kafka-properties).
   */
  static Path produceExample(Properties client, Launcher kafka, Path dir, int rows, int classes, int d1, int d2)
      throws Exception {
    try (Admin admin = Admin.create(client)) {
      admin.createTopics(List.of(new NewTopic("samples", 2, (short) 1), new NewTopic("subset", 2, (short) 1),
          new NewTopic("rejects", 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
    }
    Path d = dir.resolve("data");
    assertEquals(0, LauncherITCase.launch("generate", "--out-dir", d.toString(), "--rows", Integer.toString(rows),
        "--classes", Integer.toString(classes), "--dims", d1 + "," + d2, "--names", "dinov2,clip").code());
    LauncherITCase.Result p = kafka.launch("produce", "--start-time", "0", "--bootstrap-servers",
        client.getProperty("bootstrap.servers"), "--labels", d.resolve("labels.npy").toString(), "--features",
        "dinov2=" + d.resolve("dinov2.npy"), "--features", "clip=" + d.resolve("clip.npy"), "--interval-ms", "10");
    assertEquals(0, p.code(), p.err());
    return d;
  }

  /** The subset topic, read with {@code subset}, equals {@code select} (fraction 0.1) on the data folder. */
  static void assertSubsetIsTheBatchSelection(String bs, Path d, Path dir) throws Exception {
    assertSubsetIsTheBatchSelection(LauncherITCase::launch, bs, d, dir);
  }

  /** {@link #assertSubsetIsTheBatchSelection(String, Path, Path)}, KAFKA launching {@code subset}. */
  static void assertSubsetIsTheBatchSelection(Launcher kafka, String bs, Path d, Path dir) throws Exception {
    Path stream = dir.resolve("stream.txt");
    LauncherITCase.Result s = kafka.launch("subset", "--bootstrap-servers", bs, "--out", stream.toString());
    assertEquals(0, s.code(), s.err());
    Path batch = dir.resolve("batch.txt");
    assertEquals(0, LauncherITCase.launch("select", "--fraction", "0.1", "--labels", d.resolve("labels.npy").toString(),
        "--features", "dinov2=" + d.resolve("dinov2.npy"), "--features", "clip=" + d.resolve("clip.npy"),
        "--out", batch.toString()).code());
    List<String> want = Files.readAllLines(batch).stream().map(l -> String.format("%010d", Integer.parseInt(l)))
        .collect(Collectors.toList());
    assertEquals(want, Files.readAllLines(stream));
    assertTrue(want.size() > 100);
  }
}
