package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.Rejected;
import io.fmselect.avro.SubsetWindow;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.stream.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code run} tells its user, through bin/fmselect against a real broker: a bounded run's line per
 * reject reason and its exit code 3 when it accepted nothing, an unbounded run's reject warnings, and a line
 * per window the job publishes (the idle flush's too), matching the windows topic.
 */
class RunLinesITCase {
  @TempDir Path dir;

  private static final Path LOG = Path.of("target/fmselect.log");

  /** Topics as the README creates them; generates ROWS samples of 3 classes, one FM 'dinov2' of DIM values. */
  private Path data(InJvmKafka kafka, String name, int rows, int dim) throws Exception {
    Path d = dir.resolve(name);
    LauncherITCase.Result g = LauncherITCase.launch("generate", "--out-dir", d.toString(), "--rows", Integer.toString(rows),
        "--classes", "3", "--dims", Integer.toString(dim), "--names", "dinov2");
    assertEquals(0, g.code(), g.err());
    return d;
  }

  private static void topics(InJvmKafka kafka) throws Exception {
    kafka.createTopic("samples", 2);
    kafka.createTopic("subset", 2);
    kafka.createTopic("rejects", 1);
  }

  /** Produces rows [from, to) of a data folder as FM NAME, event times START + 10 ms apart. */
  private static void produce(InJvmKafka kafka, Path d, String fm, int from, int to, long start) throws Exception {
    LauncherITCase.Result p = LauncherITCase.launch("produce", "--bootstrap-servers", kafka.bootstrapServers(),
        "--start-time", Long.toString(start), "--interval-ms", "10", "--labels", d.resolve("labels.npy").toString(),
        "--features", fm + "=" + d.resolve("dinov2.npy"), "--from-row", Integer.toString(from), "--to-row",
        Integer.toString(to));
    assertEquals(0, p.code(), p.err());
  }

  /** Per reason, the id of its first record in the rejects topic (the order the job counted them in). */
  private static Map<String, String> firstRejects(InJvmKafka kafka) throws Exception {
    Map<String, String> first = new LinkedHashMap<>();
    for (ConsumerRecord<String, byte[]> r : kafka.readCommitted("rejects")) {
      first.putIfAbsent(Rejected.fromByteBuffer(ByteBuffer.wrap(r.value())).getReason(), r.key());
    }
    return first;
  }

  /** The windows topic as run's lines. */
  private static List<String> windowLines(InJvmKafka kafka) throws Exception {
    List<String> lines = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : kafka.readCommitted(Topics.windows("subset"))) {
      lines.add(WindowLines.line(SubsetWindow.fromByteBuffer(ByteBuffer.wrap(r.value()))));
    }
    return lines;
  }

  private static List<String> printedWindows(String out) {
    return out.lines().filter(l -> l.startsWith("window end ")).toList();
  }

  @Test
  void aBoundedRunThatAcceptsNoSampleSaysWhyAndExitsThree() throws Exception {
    try (InJvmKafka kafka = InJvmKafka.start()) {
      topics(kafka);
      produce(kafka, data(kafka, "d8", 200, 8), "dinov2", 0, 200, 0);
      LauncherITCase.Result r = LauncherITCase.launch("run", "--bootstrap-servers", kafka.bootstrapServers(), "--fm",
          "dinov2=9", "--window", "1s", "--bounded", "--no-web-ui", "-D", "execution.checkpointing.interval=500ms");
      assertEquals(3, r.code(), r.out() + r.err());
      String first = firstRejects(kafka).get("dimension-mismatch");
      List<String> out = r.out().lines().toList();
      assertTrue(out.contains("200 samples read: 0 accepted, 200 rejected"), r.out());
      assertTrue(out.contains("dimension-mismatch: 200 samples rejected, the first " + first
          + ": FM 'dinov2' has 8 values, the job expects 9 (dinov2=9)"), r.out());
      assertEquals(List.of(), printedWindows(r.out()), "nothing was published");
      List<String> err = r.err().strip().lines().toList();
      assertEquals("fmselect run: error: every sample was rejected (see the lines above): nothing was published",
          err.get(err.size() - 1));

      // a topic with nothing in it: no sample accepted either, said as such
      kafka.createTopic("empty", 1);
      LauncherITCase.Result e = LauncherITCase.launch("run", "--bootstrap-servers", kafka.bootstrapServers(), "--fm",
          "dinov2=8", "--input-topic", "empty", "--output-topic", "subset-of-empty", "--window", "1s", "--bounded",
          "--no-web-ui", "-D", "execution.checkpointing.interval=500ms");
      assertEquals(3, e.code(), e.out() + e.err());
      assertTrue(e.out().lines().toList().contains("0 samples read: 0 accepted, 0 rejected"), e.out());
      List<String> emptyErr = e.err().strip().lines().toList();
      assertEquals("fmselect run: error: topic 'empty' held no sample to read: nothing was published",
          emptyErr.get(emptyErr.size() - 1));
    }
  }

  @Test
  void aBoundedRunPrintsOneLinePerRejectReasonAndEachWindowExactlyAfterARestartAndNoCollisionWarnings() throws Exception {
    try (InJvmKafka kafka = InJvmKafka.start()) {
      topics(kafka);
      produce(kafka, data(kafka, "d8", 300, 8), "dinov2", 0, 300, 0);
      Path d9 = data(kafka, "d9", 400, 9);
      produce(kafka, d9, "dinov2", 300, 350, 5000); // 9 values where the job expects 8
      produce(kafka, d9, "clip", 350, 360, 6000); // an FM the job does not know
      long logFrom = Files.exists(LOG) ? Files.size(LOG) : 0;
      // the job fails once after 200 records and restarts: the figures are still exact
      LauncherITCase.Result r = LauncherITCase.launch("run", "--bootstrap-servers", kafka.bootstrapServers(), "--fm",
          "dinov2=8", "--window", "1s", "--publish", "every-window", "--bounded", "--no-web-ui", "-D",
          "execution.checkpointing.interval=500ms", "-D", "fmselect.chaos.fail-after-records=200");
      assertEquals(0, r.code(), r.out() + r.err());
      assertTrue(r.err().contains("restarts from its last checkpoint"), r.err());
      Map<String, String> first = firstRejects(kafka);
      List<String> out = r.out().lines().toList();
      assertTrue(out.contains("360 samples read: 300 accepted, 60 rejected"), r.out());
      assertTrue(out.contains("dimension-mismatch: 50 samples rejected, the first " + first.get("dimension-mismatch")
          + ": FM 'dinov2' has 9 values, the job expects 8 (dinov2=8)"), r.out());
      assertTrue(out.contains("unknown-fm: 10 samples rejected, the first " + first.get("unknown-fm")
          + ": embedding of FM 'clip', which is not configured (configured: [dinov2])"), r.out());
      assertEquals(2, out.stream().filter(l -> l.contains(" rejected, the first ")).count(), "one line per reason");
      List<String> windows = windowLines(kafka);
      assertTrue(windows.size() >= 3, "windows 1 s, 2 s and 3 s change the subset: " + windows);
      assertEquals(windows, printedWindows(r.out()), "each published window, as the windows topic has it");
      // the log file of this run: written to (the window lines), and without Flink's pendingCommittables collisions
      String log = tail(LOG, logFrom);
      assertTrue(log.contains("ClassSelector"), log);
      assertFalse(log.contains("pendingCommittables"), log);
    }
  }

  @Test
  void anUnboundedRunPrintsTheIdleFlushedWindowsAndWarnsOfRejectsAtOnce() throws Exception {
    try (InJvmKafka kafka = InJvmKafka.start()) {
      topics(kafka);
      Path d8 = data(kafka, "d8", 150, 8);
      Path d9 = data(kafka, "d9", 20, 9);
      Path out = dir.resolve("run.out");
      Path err = dir.resolve("run.err");
      Process p = new ProcessBuilder(Path.of("bin/fmselect").toAbsolutePath().toString(), "run", "--bootstrap-servers",
          kafka.bootstrapServers(), "--fm", "dinov2=8", "--window", "1s", "--idle-flush", "1s", "--idleness", "500ms",
          "--no-web-ui", "-D", "execution.checkpointing.interval=1s")
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      try {
        DemoITCase.await(out, Pattern.compile("running ram-apl"), p);
        // a burst with event times 0 to 1.49 s, then silence: only the idle flush closes the windows ending 1 s and 2 s
        produce(kafka, d8, "dinov2", 0, 150, 0);
        DemoITCase.await(out, Pattern.compile("window end 1970-01-01T00:00:02Z: "), p);
        assertEquals(windowLines(kafka), printedWindows(Files.readString(out, StandardCharsets.UTF_8)),
            "every published window, the last one too, as the windows topic has it");
        produce(kafka, d9, "dinov2", 0, 20, 10_000);
        Matcher m = DemoITCase.await(err, Pattern.compile("WARN  CountRejects - rejected: dimension-mismatch \\(first id"
            + " (\\d{10})\\): FM 'dinov2' has 9 values, the job expects 8 \\(dinov2=8\\); later ones are counted here at"
            + " most every 1 min"), p);
        assertTrue(Integer.parseInt(m.group(1)) < 20, m.group());
      } finally {
        p.destroy();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      }
    }
  }

  /**
   * The brokers gone once the job has succeeded: the last window lines cannot be read, which is one line (the
   * run's report and exit code follow), not a stack trace.
   */
  @Test
  void windowLinesThatCannotBeFinishedAreOneLine() throws Exception {
    InJvmKafka kafka = InJvmKafka.start();
    WindowLines lines;
    java.io.StringWriter printed = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    try {
      kafka.createTopic("gone-windows", 1);
      java.util.Properties p = kafka.clientProperties();
      p.put("default.api.timeout.ms", "2000");
      lines = WindowLines.open(p, "gone-windows", new java.io.PrintWriter(printed), java.time.Duration.ofSeconds(2));
      lines.start();
    } finally {
      kafka.close();
    }
    try (lines) {
      RunCommand.finishWindowLines(lines, java.time.Duration.ofSeconds(1), new java.io.PrintWriter(err));
    }
    assertTrue(err.toString().startsWith("fmselect run: window lines may be incomplete: "), err.toString());
    assertEquals(1, err.toString().lines().count(), err.toString());
    assertEquals("", printed.toString());
  }

  private static String tail(Path file, long from) throws Exception {
    byte[] all = Files.readAllBytes(file);
    return new String(all, (int) from, all.length - (int) from, StandardCharsets.UTF_8);
  }
}
