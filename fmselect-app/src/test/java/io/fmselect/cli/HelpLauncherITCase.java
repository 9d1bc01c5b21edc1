package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.cli.LauncherITCase.Result;
import org.junit.jupiter.api.Test;

/**
 * {@code fmselect --help} and {@code fmselect --version} through the real launcher and the packaged jar,
 * as a user gets them: the same help as {@link HelpStyleTest} checks in process, and the version of this
 * checkout.
 */
public class HelpLauncherITCase {
  @Test
  void versionNamesThePomsVersionAndTheCheckoutsCommit() throws Exception {
    Result r = LauncherITCase.launch("--version");
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    assertEquals(HelpStyleTest.expectedVersion(), r.out().strip());
  }

  @Test
  void helpIsTheCheckedHelpWithinEightyColumns() throws Exception {
    Result r = LauncherITCase.launch("--help");
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    assertEquals(InProcess.run("--help").out(), r.out());
    assertTrue(r.out().contains("Commands:"), r.out());
    r.out().lines().forEach(line -> assertTrue(line.length() <= HelpStyleTest.WIDTH, line));
  }
}
