package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.select.Budget;
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
 * browser and an fmselect metric reads through the REST API; Ctrl-C stops it cleanly (exit 0, the report
 * written). Both say sent, embedded and selected, the subset's share of the embedded, and what is left in
 * the folder.
 */
class DemoITCase {
  private static final Pattern URL = Pattern.compile("Flink web UI: (http://[^/\\s]+)/#/job/running/([0-9a-f]{32})");
  private static final Path SCREENSHOT = Path.of("target/dashboard/flink-web-ui.png");
  private static final Pattern LAST_LINE = Pattern.compile("sent ([0-9,]+) \\| embedded ([0-9,]+) \\| rejected 0 \\|"
      + " selected ([0-9,]+) \\(([0-9.]+)% of embedded\\) .*\\((done|stopped) after");
  private static final Pattern SUMMARY = Pattern.compile(
      "subset: ([0-9,]+) selected of ([0-9,]+) embedded \\(([0-9.]+)%\\), ([0-9,]+) sent; ");
  /** A size as the folder's line gives it ("0 B", "41 kB", "4.2 MB"). */
  private static final String SIZE = "[0-9]+(\\.[0-9])? [kMG]?B";
  /** A row of the report's per-class table: label, class, sent, embedded, selected, share of embedded. */
  private static final Pattern CLASS_ROW = Pattern.compile("<tr><td class=\"n\">([0-9]+)</td><td>[^<]*</td>"
      + "<td class=\"n\">([0-9]+)</td><td class=\"n\">([0-9]+)</td><td class=\"n\">([0-9]+)</td><td class=\"n\">([^<]*)</td>");

  @TempDir Path dir;

  /**
   * With a schema registry behind basic auth: every topic of the demo in the Confluent wire format, the report the
   * same.
   */
  @Test
  void boundedDemoFinishesWithItsReport() throws Exception {
    Path out = dir.resolve("demo");
    Path empty = Files.createDirectories(dir.resolve("no-models"));
    io.fmselect.wire.RegistryProcess registry = io.fmselect.wire.RegistryProcess.shared();
    // behind basic auth, the credentials in --kafka-properties
    Path client = Files.writeString(dir.resolve("client.properties"), "schema.registry.basic.auth.user.info=demo:secret\n");
    BasicAuthGate gate = BasicAuthGate.start(0, registry.url(), "demo:secret");
    Process demo = start(out, "--bounded", "--limit", "2500", "--rate", "100", "--models", empty.toString(),
        "--no-pull", "--seed", "7", "--schema-registry", gate.url(), "--kafka-properties", client.toString());
    try (gate) {
      assertTrue(demo.waitFor(300, TimeUnit.SECONDS), "the bounded demo finishes by itself");
      assertEquals(0, demo.exitValue(), err());
    } finally {
      demo.destroyForcibly().waitFor();
    }
    String text = Files.readString(dir.resolve("demo.out"));
    assertTrue(text.contains("models: STAND-INS"), text);
    assertTrue(text.contains("first selected sample "), text);
    Matcher last = LAST_LINE.matcher(text);
    assertTrue(last.find(), text);
    assertEquals("2,500", last.group(1));
    assertEquals("2,500", last.group(2), "every sample embedded");
    assertEquals("done", last.group(5));
    assertEquals("", errLines(), "nothing on stderr");
    List<String> manifest = Files.readAllLines(out.resolve("manifest.csv"));
    assertEquals("id,label,score,ram,apl,rank,source", manifest.get(0));
    int selected = Integer.parseInt(last.group(3).replace(",", ""));
    assertEquals(selected, manifest.size() - 1, "one manifest row per selected sample");
    assertArrayEquals(new long[] {2500, 2500, selected}, sentEmbeddedSelected(text, out));
    // what else it leaves, by the names it writes, and how big
    Matcher left = Pattern.compile(("left in " + Pattern.quote(out + "/") + ": manifest.csv SIZE, report.html SIZE, 13 PNGs SIZE,"
        + " checkpoints/ SIZE, kafka/ SIZE, stand-in-models/ SIZE \\(--clean removes all but the manifest and the report\\)\n")
        .replace("SIZE", SIZE)).matcher(text);
    assertTrue(left.find(), text);
    for (String name : List.of("checkpoints", "kafka", "stand-in-models", "noise.png", "class-9.png")) {
      assertTrue(Files.exists(out.resolve(name)), name);
    }
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
    // the demo's producer, job and follower went through the registry: a subject per topic written
    String subjects = new String(java.net.URI.create(registry.url() + "/subjects").toURL().openStream().readAllBytes(),
        StandardCharsets.UTF_8);
    for (String s : List.of("samples-value", "subset-value", "subset-windows-value", "subset-classes-value",
        "rejects-value", "explain-value")) {
      assertTrue(subjects.contains("\"" + s + "\""), s + " in " + subjects);
    }
  }

  @Test
  void theDashboardShowsTheJobAndCtrlCStopsItAllWithoutAStackTrace() throws Exception {
    Path out = dir.resolve("demo");
    Path empty = Files.createDirectories(dir.resolve("no-models"));
    // 100,000 generated images (made as they are sent): still sending when Ctrl-C comes, however long the browser takes
    Process demo = start(out, "--rate", "100", "--limit", "100000", "--models", empty.toString(), "--no-pull", "--clean");
    try {
      await(dir.resolve("demo.out"), Pattern.compile("first selected sample"), demo);
      dashboardShowsTheJob(demo);
      new ProcessBuilder("kill", "-INT", Long.toString(demo.pid())).start().waitFor();
      assertTrue(demo.waitFor(120, TimeUnit.SECONDS), "Ctrl-C ends the demo");
      assertEquals(0, demo.exitValue(), "Ctrl-C is how this demo is stopped: exit 0. " + err());
    } finally {
      demo.destroyForcibly().waitFor();
    }
    String text = Files.readString(dir.resolve("demo.out"));
    assertTrue(text.contains("(stopped after"), text);
    assertEquals("", errLines(), "no stack trace, nothing on stderr");
    List<String> manifest = Files.readAllLines(out.resolve("manifest.csv"));
    assertTrue(manifest.size() > 1, "the report is still written");
    // stopped while sending: the subset is a share of the samples embedded by its last window, not of all sent
    long[] counts = sentEmbeddedSelected(text, out);
    assertTrue(counts[1] < counts[0], "samples sent after the last window end are not embedded yet: " + text);
    assertEquals(manifest.size() - 1, counts[2]);
    // --clean, also after Ctrl-C: the manifest and the report are all that is left, the report with its pictures
    assertTrue(Pattern.compile(("left in " + Pattern.quote(out + "/") + ": manifest.csv SIZE, report.html SIZE"
        + " \\(--clean removed checkpoints/ SIZE, kafka/ SIZE, stand-in-models/ SIZE\\)\n").replace("SIZE", SIZE))
        .matcher(text).find(), text);
    try (var files = Files.list(out)) {
      assertEquals(List.of("manifest.csv", "report.html"), files.map(p -> p.getFileName().toString()).sorted().toList());
    }
    Matcher img = Pattern.compile("<img src=\"data:image/png;base64,([^\"]+)\"").matcher(Files.readString(out.resolve("report.html")));
    int images = 0;
    while (img.find()) {
      assertNotNull(ImageIO.read(new java.io.ByteArrayInputStream(java.util.Base64.getDecoder().decode(img.group(1)))));
      images++;
    }
    assertEquals(13, images, "the report's charts and class sheets, inside it");
  }

  /**
   * The demo's counts, checked against each other: the last progress line and the summary say the same sent,
   * embedded and selected, the shares printed are of the embedded, and per class in the report the subset holds
   * exactly the budget of the class's embedded samples (round half even of 10%), which it would not if
   * "embedded" counted anything but the samples the subset was computed from. Returns {sent, embedded, selected}.
   */
  private static long[] sentEmbeddedSelected(String text, Path out) throws Exception {
    Matcher last = LAST_LINE.matcher(text);
    assertTrue(last.find(), text);
    Matcher sum = SUMMARY.matcher(text);
    assertTrue(sum.find(), text);
    long sent = number(sum.group(4));
    long embedded = number(sum.group(2));
    long selected = number(sum.group(1));
    assertEquals(List.of(sent, embedded, selected), List.of(number(last.group(1)), number(last.group(2)),
        number(last.group(3))), "the last progress line and the summary agree");
    String share = String.format(java.util.Locale.ROOT, "%.1f", 100.0 * selected / embedded);
    assertEquals(share, sum.group(3), "the summary's share is of the embedded samples");
    assertEquals(share, last.group(4), "the progress line's share is of the embedded samples");
    Matcher row = CLASS_ROW.matcher(Files.readString(out.resolve("report.html")));
    long sentSum = 0;
    long embeddedSum = 0;
    long selectedSum = 0;
    int classes = 0;
    while (row.find()) {
      int e = Integer.parseInt(row.group(3));
      int s = Integer.parseInt(row.group(4));
      assertEquals(Budget.of(e, 0.1), s, "class " + row.group(1) + ": its budget of " + e + " embedded");
      assertEquals(e == 0 ? "-" : String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * s / e), row.group(5));
      sentSum += Long.parseLong(row.group(2));
      embeddedSum += e;
      selectedSum += s;
      classes++;
    }
    assertEquals(10, classes);
    assertEquals(List.of(sent, embedded, selected), List.of(sentSum, embeddedSum, selectedSum), "the report's table");
    return new long[] {sent, embedded, selected};
  }

  private static long number(String grouped) {
    return Long.parseLong(grouped.replace(",", ""));
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
