package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Chromium, headless, as the dashboard test drives it (installed by
 * {@code tools/browser/install-chromium.sh}): a fresh profile per call, no background traffic to the
 * closed network, and a few seconds of page time for the web UI's scripts to draw the job.
 */
final class Browser {
  private static final String CHROMIUM = "/usr/bin/chromium";

  private Browser() {}

  /** The page's DOM after its scripts ran. */
  static String dumpDom(String url, Path profiles) throws Exception {
    return new String(run(profiles, "--dump-dom", url), StandardCharsets.UTF_8);
  }

  /** A 1600 x 1000 screenshot of the page. */
  static void screenshot(String url, Path png, Path profiles) throws Exception {
    Files.deleteIfExists(png);
    run(profiles, "--screenshot=" + png.toAbsolutePath(), "--window-size=1600,1000", "--hide-scrollbars", url);
    assertTrue(Files.size(png) > 0, "screenshot written");
  }

  private static byte[] run(Path profiles, String... args) throws Exception {
    install();
    List<String> cmd = new ArrayList<>(List.of(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--virtual-time-budget=8000"));
    cmd.addAll(List.of(args));
    Path out = profiles.resolve("chromium.out");
    // headless Chromium now and then never ends a page that keeps polling (the web UI does): such a try is
    // killed and the page loaded again in a fresh browser, three tries at most
    for (int attempt = 1; ; attempt++) {
      List<String> tryCmd = new ArrayList<>(cmd);
      tryCmd.add(1, "--user-data-dir=" + Files.createTempDirectory(Files.createDirectories(profiles), "profile"));
      Process p = new ProcessBuilder(tryCmd).redirectOutput(out.toFile()).redirectError(profiles.resolve("chromium.err")
          .toFile()).start();
      if (p.waitFor(40, TimeUnit.SECONDS)) {
        assertEquals(0, p.exitValue(), Files.readString(profiles.resolve("chromium.err")));
        return Files.readAllBytes(out);
      }
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
      assertTrue(attempt < 3, "chromium finished the page in one of 3 tries of 40 s");
    }
  }

  private static synchronized void install() throws Exception {
    if (Files.isExecutable(Path.of(CHROMIUM))) {
      return;
    }
    Process p = new ProcessBuilder("bash", Path.of("tools/browser/install-chromium.sh").toAbsolutePath().toString())
        .redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(600, TimeUnit.SECONDS) && p.exitValue() == 0, "tools/browser/install-chromium.sh: " + log);
  }
}
