package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code run} refuses bad settings with one line, before it starts anything. */
class RunCommandTest {

  static void refused(String expect, String... args) {
    InProcess.Run r = InProcess.run(args);
    String err = r.err().strip();
    assertEquals(2, r.code(), err);
    assertFalse(err.contains("\n"), "one line: " + err);
    assertTrue(err.contains(expect), "expected '" + expect + "' in: " + err);
  }

  @Test
  void badSettingsAreOneLineErrors() {
    refused("FM 'dino' must be NAME=DIM", "run", "--bootstrap-servers", "127.0.0.1:1", "--fm", "dino");
    refused("fmselect.fraction must be in (0, 1]", "run", "--bootstrap-servers", "127.0.0.1:1", "--fm", "a=4",
        "-D", "fmselect.fraction=2");
    refused("fmselect.fraction", "run", "--bootstrap-servers", "127.0.0.1:1", "--fm", "a=4",
        "-D", "fmselect.fraction=abc");
    refused("fmselect.embed.models-dir: /nonexistent/models: not a directory of FM spec files", "run", "--bootstrap-servers", "127.0.0.1:1", "--models", "/nonexistent/models");
    refused("fmselect.idle-flush must be at least 1 ms, got PT0S", "run", "--bootstrap-servers", "127.0.0.1:1",
        "--fm", "a=4", "--idle-flush", "0s");
    refused("fmselect.max-future must be at least 1 ms", "run", "--bootstrap-servers", "127.0.0.1:1", "--fm", "a=4",
        "-D", "fmselect.max-future=0ms");
    refused("bad duration", "run", "--bootstrap-servers", "127.0.0.1:1", "--fm", "a=4", "--max-future", "soon");
    refused("fmselect.explain-every must be at least 1", "run", "--bootstrap-servers", "127.0.0.1:1", "--fm", "a=4",
        "--explain-topic", "x", "--explain-every", "0");
    refused("fmselect.bench.dataflow-floor", "run", "--bootstrap-servers", "127.0.0.1:1", "--fm", "a=4",
        "-D", "fmselect.bench.dataflow-floor=SOMEWHERE");
    refused("--parallelism must be at least 1", "run", "--bootstrap-servers", "127.0.0.1:1", "--fm", "a=4",
        "--parallelism", "0");
  }

  @Test
  void anUnreachableBrokerIsOneLineWithinTheClientsTimeout(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path props = java.nio.file.Files.writeString(dir.resolve("client.properties"),
        "default.api.timeout.ms=2000\n");
    long started = System.nanoTime();
    refused("cannot reach Kafka at 127.0.0.1:1 within 2 s", "run", "--bootstrap-servers", "127.0.0.1:1",
        "--kafka-properties", props.toString(), "--fm", "a=4", "--no-web-ui");
    double seconds = (System.nanoTime() - started) / 1e9;
    assertTrue(seconds < 15, "gave up after " + seconds + " s");
  }

  /** run and subset take the broker timeout from one place: the same flag, client property and default. */
  @Test
  void runAndSubsetShareTheBrokerTimeout(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.util.Properties none = new java.util.Properties();
    java.util.Properties props = new java.util.Properties();
    props.setProperty("default.api.timeout.ms", "7000");
    RunCommand run = new RunCommand();
    SubsetCommand subset = new SubsetCommand();
    new picocli.CommandLine(run).parseArgs("--bootstrap-servers", "b:1", "--fm", "a=4");
    new picocli.CommandLine(subset).parseArgs("--bootstrap-servers", "b:1", "--out", "x");
    assertEquals(java.time.Duration.ofSeconds(BrokerTimeout.DEFAULT_SECONDS), run.timeout.of(none));
    assertEquals(run.timeout.of(none), subset.timeoutOption.of(none), "the same default");
    assertEquals(java.time.Duration.ofSeconds(7), run.timeout.of(props));
    assertEquals(run.timeout.of(props), subset.timeoutOption.of(props), "the client's default.api.timeout.ms");
    new picocli.CommandLine(run).parseArgs("--bootstrap-servers", "b:1", "--fm", "a=4", "--timeout-s", "3");
    new picocli.CommandLine(subset).parseArgs("--bootstrap-servers", "b:1", "--out", "x", "--timeout-s", "3");
    assertEquals(java.time.Duration.ofSeconds(3), run.timeout.of(props));
    assertEquals(run.timeout.of(props), subset.timeoutOption.of(props), "--timeout-s wins");
    // and both say so in the same words, after that setting
    String out = dir.resolve("never.txt").toString();
    refused("cannot reach Kafka at 127.0.0.1:1 within 1 s (--timeout-s)", "run", "--bootstrap-servers", "127.0.0.1:1",
        "--fm", "a=4", "--no-web-ui", "--timeout-s", "1");
    refused("cannot reach Kafka at 127.0.0.1:1 within 1 s (--timeout-s)", "subset", "--bootstrap-servers", "127.0.0.1:1",
        "--out", out, "--timeout-s", "1");
  }

  /** The --timeout-s text is shared: it must read right in both commands' help (no words for one of them). */
  @Test
  void theTimeoutHelpFitsRunAndSubset() {
    String run = InProcess.run("run", "--help").out();
    String subset = InProcess.run("subset", "--help").out();
    String words = "give up after S s without an answer or progress";
    assertTrue(run.contains(words), run);
    assertTrue(subset.contains(words), subset);
    assertFalse(run.contains("subset:"), run);
  }

  /** A failing step (a broker blip) does not end the window-line follower: it is told once, then tried again. */
  @Test
  void theWindowLineFollowerGoesOnAfterFailures() {
    java.util.List<String> steps = new java.util.ArrayList<>();
    java.util.List<RuntimeException> told = new java.util.ArrayList<>();
    WindowLines.retrying(() -> {
      steps.add("step " + steps.size());
      if (steps.size() <= 2) {
        throw new org.apache.kafka.common.errors.TimeoutException("blip " + steps.size());
      }
    }, () -> steps.size() >= 5, java.time.Duration.ofMillis(1), told::add);
    assertEquals(5, steps.size(), "three steps after two failures");
    assertEquals(1, told.size(), "the first failure only");
    assertEquals("blip 1", told.get(0).getMessage());
  }

  /** A wakeup (from stopping the follower) ends it: it is how a busy follower is stopped. */
  @Test
  void aWakeupEndsTheWindowLineFollower() {
    int[] steps = {0};
    java.util.List<RuntimeException> told = new java.util.ArrayList<>();
    WindowLines.retrying(() -> {
      steps[0]++;
      throw new org.apache.kafka.common.errors.WakeupException();
    }, () -> false, java.time.Duration.ofMillis(1), told::add);
    assertEquals(1, steps[0]);
    assertEquals(java.util.List.of(), told, "not a failure");
  }
}
