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
    refused("--parallelism must be at least 1", "run", "--bootstrap-servers", "127.0.0.1:1", "--fm", "a=4",
        "--parallelism", "0");
  }
}
