package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/fmselect demo} as a user runs it, a process of its own: bounded, it finishes by itself and
 * leaves its manifest and report; while it runs, the Flink web UI shows the job in a real (headless)
 * browser and an fmselect metric reads through the REST API; Ctrl-C stops it cleanly.
 */
class DemoITCase {
  private static final Pattern URL = Pattern.compile("Flink web UI: (http://[^/\\s]+)/#/job/running/([0-9a-f]{32})");
  private static final Path SCREENSHOT = Path.of("target/dashboard/flink-web-ui.png");

  @TempDir Path dir;

  @Test
  void boundedDemoFinishesWithItsReport() throws Exception {
    Path out = dir.resolve("demo");
    Path empty = Files.createDirectories(dir.resolve("no-models"));
    Process demo = start(out, "--bounded", "--limit", "2500", "--rate", "100", "--models", empty.toString(),
        "--no-pull", "--seed", "7");
    try {
      assertTrue(demo.waitFor(300, TimeUnit.SECONDS), "the bounded demo finishes by itself");
      assertEquals(0, demo.exitValue(), err());
    } finally {
      demo.destroyForcibly().waitFor();
    }
    String text = Files.readString(dir.resolve("demo.out"));
    assertTrue(text.contains("models: STAND-INS"), text);
    assertTrue(text.contains("first selected sample "), text);
    Matcher last = Pattern.compile("in ([0-9,]+) \\| embedded ([0-9,]+) \\| rejected 0 \\| selected ([0-9,]+) .*\\(done after")
        .matcher(text);
    assertTrue(last.find(), text);
    assertEquals("2,500", last.group(1));
    assertEquals("2,500", last.group(2), "every sample embedded");
    assertEquals("", errLines(), "nothing on stderr");
    List<String> manifest = Files.readAllLines(out.resolve("manifest.csv"));
    assertEquals("id,label,score,ram,apl,rank,source", manifest.get(0));
    int selected = Integer.parseInt(last.group(3).replace(",", ""));
    assertEquals(selected, manifest.size() - 1, "one manifest row per selected sample");
    // 2,500 samples in 10 classes, 10% of each: about 250, each class's budget rounded half-even
    assertTrue(selected >= 240 && selected <= 260, "selected " + selected);
    String html = Files.readString(out.resolve("report.html"));
    Matcher img = Pattern.compile("src=\"([^\"]+\\.png)\"").matcher(html);
    int images = 0;
    while (img.find()) {
      assertTrue(ImageIO.read(out.resolve(img.group(1)).toFile()) != null, img.group(1));
      images++;
    }
    assertTrue(images >= 4, "report draws its charts and thumbnails: " + images);
  }

  @Test
  void theDashboardShowsTheJobAndCtrlCStopsItAllWithoutAStackTrace() throws Exception {
    Path out = dir.resolve("demo");
    Path empty = Files.createDirectories(dir.resolve("no-models"));
    Process demo = start(out, "--rate", "100", "--models", empty.toString(), "--no-pull");
    try {
      await(dir.resolve("demo.out"), Pattern.compile("first selected sample"), demo);
      dashboardShowsTheJob(demo);
      new ProcessBuilder("kill", "-INT", Long.toString(demo.pid())).start().waitFor();
      assertTrue(demo.waitFor(120, TimeUnit.SECONDS), "Ctrl-C ends the demo");
    } finally {
      demo.destroyForcibly().waitFor();
    }
    String text = Files.readString(dir.resolve("demo.out"));
    assertTrue(text.contains("(stopped after"), text);
    assertEquals("", errLines(), "no stack trace, nothing on stderr");
    assertTrue(Files.readAllLines(out.resolve("manifest.csv")).size() > 1, "the report is still written");
    assertTrue(Files.exists(out.resolve("report.html")));
  }

  /**
   * While the demo runs (an unbounded one: the web UI must outlive the browser's visit): the page a user
   * opens shows the job and its named operators, a custom fmselect metric reads through the REST API,
   * the log tab shows the job's lines, and a screenshot is saved.
   */
  private void dashboardShowsTheJob(Process demo) throws Exception {
    Matcher m = await(dir.resolve("demo.out"), URL, demo);
    String web = m.group(1);
    String job = m.group(2);
    // the page a user opens: the job and its named operators, as the browser renders them
    String dom = Browser.dumpDom(web + "/#/job/running/" + job + "/overview", dir.resolve("chromium"));
    assertTrue(dom.contains("fmselect ram-apl"), "job name on the page");
    for (String operator : List.of("decode-validate", "embed", "class-selection", "publish-membership", "freshness")) {
      assertTrue(dom.contains(operator), "operator " + operator + " on the page");
    }
    Files.createDirectories(SCREENSHOT.getParent());
    Browser.screenshot(web + "/#/job/running/" + job + "/overview", SCREENSHOT, dir.resolve("chromium"));
    BufferedImage shot = ImageIO.read(SCREENSHOT.toFile());
    assertEquals(1600, shot.getWidth());
    // a custom fmselect metric, as the dashboard's metrics tab reads it
    FlinkRest rest = new FlinkRest(web, job);
    double members = 0;
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (members <= 0 && System.nanoTime() < deadline && demo.isAlive()) {
      OptionalDouble v = rest.metric("freshness", "members");
      members = v.orElse(0);
      Thread.sleep(500);
    }
    assertTrue(members > 0, "freshness.members reads through the REST API: " + members);
    // the web UI's "Job Manager Log" tab: the launcher's log file, with the job's per-window lines
    assertTrue(rest.text("/jobmanager/log").contains("io.fmselect.stream.ClassSelector - class-selection"), "the log tab shows the window lines");
  }

  private Process start(Path out, String... args) throws Exception {
    // through perl (Debian's essential perl-base), which puts SIGINT back to its default before it execs
    // the demo: a build started in the background by a non-interactive shell ignores SIGINT, its children
    // inherit that, and a JVM that starts with SIGINT ignored never sees the Ctrl-C this test sends
    List<String> cmd = new ArrayList<>(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die $!",
        Path.of("bin/fmselect").toAbsolutePath().toString(), "demo", "--out", out.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectOutput(dir.resolve("demo.out").toFile())
        .redirectError(dir.resolve("demo.err").toFile()).start();
  }

  private String err() throws Exception {
    return Files.readString(dir.resolve("demo.err"), StandardCharsets.UTF_8);
  }

  private String errLines() throws Exception {
    return String.join("\n", err().lines().filter(l -> !l.isBlank()).toList());
  }

  /** Waits for a line matching {@code p} in a process's output file (the process must not end first). */
  static Matcher await(Path file, Pattern p, Process proc) throws Exception {
    long deadline = System.nanoTime() + 240_000_000_000L;
    while (System.nanoTime() < deadline) {
      String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
      Matcher m = p.matcher(text);
      if (m.find()) {
        return m;
      }
      assertTrue(proc.isAlive(), "ended before printing " + p + ": " + text);
      Thread.sleep(200);
    }
    throw new AssertionError("no line matching " + p + " in " + file);
  }
}
