package io.fmselect.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoReportTest {
  @TempDir Path tmp;

  /** Event time of the k-th sample sent, ms. */
  private static final long T0 = 1_700_000_000_000L;

  /**
   * 300 generated samples with 20% noise, all sent, the k-th with event time T0 + k; the subset: per class the
   * first ~10% in sending order.
   */
  private static DemoData sentData() {
    DemoData d = DemoData.generated(300, 0.2, 1, 21, null);
    for (int k = 0; k < d.size(); k++) {
      d.sent(d.shot(k), T0 + k);
    }
    return d;
  }

  /** Every sample sent in the subset's computation. */
  private static Embedded all() {
    return new Embedded(Long.MAX_VALUE, Set.of());
  }

  private static Map<String, Member> subset(DemoData d) {
    Map<String, Member> subset = new LinkedHashMap<>();
    int[] rank = new int[10];
    for (String id : d.ids()) {
      int c = (int) d.label(id);
      if (rank[c] < 3) {
        subset.put(id, new Member(id, c, 0.1 * rank[c] + c, 0.5, rank[c] % 2, rank[c]));
        rank[c]++;
      }
    }
    return subset;
  }

  private static List<WindowStat> windows() {
    return List.of(new WindowStat(1_700_000_000_000L, 20, 0, 100, 20), new WindowStat(1_700_000_005_000L, 12, 4, 200, 28),
        new WindowStat(1_700_000_010_000L, 5, 3, 300, 30));
  }

  /** Splits one CSV line (quoted fields with doubled quotes). */
  private static List<String> fields(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder f = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted && ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
        f.append('"');
        i++;
      } else if (ch == '"') {
        quoted = !quoted;
      } else if (ch == ',' && !quoted) {
        out.add(f.toString());
        f.setLength(0);
      } else {
        f.append(ch);
      }
    }
    out.add(f.toString());
    return out;
  }

  @Test
  void writesManifestHtmlAndDecodablePngs() throws IOException {
    DemoData d = sentData();
    Map<String, Member> subset = subset(d);
    Map<String, Member> explained = new LinkedHashMap<>();
    for (String id : d.ids()) {
      explained.put(id, subset.getOrDefault(id, new Member(id, d.label(id), 20 + id.hashCode() % 5, 1, 1, 5)));
    }
    Path out = tmp.resolve("report");
    DemoReport.Summary s = DemoReport.write(out, d, subset, explained, windows(), all(), "tiny-a, tiny-b", "ram-apl",
        0.1, true);

    // every file there, nothing temporary left over
    Set<String> names = new HashSet<>();
    try (Stream<Path> files = Files.list(out)) {
      files.forEach(p -> names.add(p.getFileName().toString()));
    }
    Set<String> expected = new HashSet<>(List.of("manifest.csv", "report.html", "noise.png", "scores.png", "churn.png"));
    for (int c = 0; c < 10; c++) {
      expected.add("class-" + c + ".png");
    }
    assertEquals(expected, names);
    assertEquals(expected.size(), s.files().size());

    // manifest: one row per member with its figures and source, by label then rank
    List<String> lines = Files.readAllLines(out.resolve("manifest.csv"));
    assertEquals("id,label,score,ram,apl,rank,source", lines.get(0));
    assertEquals(subset.size() + 1, lines.size());
    long lastKey = -1;
    Set<String> ids = new HashSet<>();
    for (String line : lines.subList(1, lines.size())) {
      List<String> f = fields(line);
      assertEquals(7, f.size(), line);
      Member m = subset.get(f.get(0));
      assertNotNull(m, line);
      assertTrue(ids.add(m.id()));
      assertEquals(m.label(), Long.parseLong(f.get(1)));
      assertEquals(m.score(), Double.parseDouble(f.get(2)));
      assertEquals(m.ram(), Double.parseDouble(f.get(3)));
      assertEquals(m.apl(), Double.parseDouble(f.get(4)));
      assertEquals(m.rank(), Integer.parseInt(f.get(5)));
      assertEquals(d.source(m.id()), f.get(6));
      long key = m.label() * 1000 + m.rank();
      assertTrue(key > lastKey, "sorted by label then rank: " + line);
      lastKey = key;
    }

    // PNGs decode; charts at their size, one contact sheet per class
    for (String n : expected) {
      if (n.endsWith(".png")) {
        BufferedImage img = ImageIO.read(out.resolve(n).toFile());
        assertNotNull(img, n);
        if (!n.startsWith("class-")) {
          assertEquals(Charts.WIDTH, img.getWidth(), n);
          assertEquals(Charts.HEIGHT, img.getHeight(), n);
        }
      }
    }

    // the HTML references only files that exist, and nothing outside the folder
    String html = Files.readString(out.resolve("report.html"));
    Matcher refs = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
    Set<String> referenced = new HashSet<>();
    while (refs.find()) {
      referenced.add(refs.group(1));
      assertTrue(Files.isRegularFile(out.resolve(refs.group(1))), "missing " + refs.group(1));
    }
    referenced.add("report.html");
    assertEquals(expected, referenced, "every file is referenced");
    assertFalse(html.contains("http://") || html.contains("https://") || html.contains("//cdn"), "external URL");
    assertTrue(html.contains(DemoReport.esc(d.description().substring(6))), "the data description");
    assertTrue(html.contains("tiny-a, tiny-b"));

    // the noise figures
    long noisyIn = subset.keySet().stream().filter(d::noisy).count();
    assertEquals(300, s.sent());
    assertEquals(30, s.selected());
    assertEquals(d.flipped(), s.noisySent());
    assertEquals(noisyIn, s.noisySelected());
    assertEquals(30.0 * d.flipped() / 300, s.noisyExpected(), 1e-9);
    assertTrue(html.contains("<tr><th>Noisy labels in the subset</th><td>" + noisyIn + "</td></tr>"), html);
  }

  /**
   * The subset is computed from the samples embedded by its last window end, not from all sent: the first 200
   * of 300 (event times up to T0 + 199) less two the job rejected. The table and the summary count sent,
   * embedded and selected per class, the subset's share is of the embedded, and so is the random subset the
   * noisy labels are compared with.
   */
  @Test
  void countsSentEmbeddedAndSelectedAndTakesFractionsOfEmbedded() throws IOException {
    DemoData d = sentData();
    Map<String, Member> subset = subset(d);
    List<String> ids = d.ids();
    List<String> rejected = ids.subList(0, 200).stream().filter(id -> !subset.containsKey(id)).limit(2).toList();
    Embedded embedded = new Embedded(T0 + 199, Set.copyOf(rejected));
    DemoReport.Summary s = DemoReport.write(tmp, d, subset, windows(), embedded, "m", "ram-apl", 0.1);

    long[] sent = new long[10];
    long[] emb = new long[10];
    long[] sel = new long[10];
    long[] noisyEmb = new long[10];
    long[] noisySel = new long[10];
    for (int k = 0; k < ids.size(); k++) {
      String id = ids.get(k);
      int c = (int) d.label(id);
      sent[c]++;
      if (k < 200 && !rejected.contains(id)) {
        emb[c]++;
        noisyEmb[c] += d.noisy(id) ? 1 : 0;
      }
      if (subset.containsKey(id)) {
        sel[c]++;
        noisySel[c] += d.noisy(id) ? 1 : 0;
      }
    }
    assertEquals(300, s.sent());
    assertEquals(198, s.embedded());
    assertEquals(30, s.selected());
    assertEquals(30 / 198.0, s.fractionOfEmbedded(), 1e-12);
    long noisyEmbedded = java.util.Arrays.stream(noisyEmb).sum();
    assertEquals(noisyEmbedded, s.noisyEmbedded());
    assertTrue(noisyEmbedded < s.noisySent(), "some noisy labels were sent after the window end");
    assertEquals(30.0 * noisyEmbedded / 198, s.noisyExpected(), 1e-9, "a random subset of the embedded samples");

    String html = Files.readString(tmp.resolve("report.html"));
    assertTrue(html.contains("<tr><th>Embedded</th><td>198 "), html);
    assertTrue(html.contains("<tr><th>Selected</th><td>30 (15.2% of embedded; "), html);
    for (int c = 0; c < 10; c++) {
      String row = String.format(java.util.Locale.ROOT, "<tr><td class=\"n\">%d</td><td>%s</td><td class=\"n\">%d</td>"
          + "<td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%.1f%%</td><td class=\"n\">%d</td>"
          + "<td class=\"n\">%d</td><td class=\"n\">%.1f</td></tr>", c, DemoReport.esc(d.className(c)), sent[c], emb[c],
          sel[c], 100.0 * sel[c] / emb[c], noisyEmb[c], noisySel[c], sel[c] * (double) noisyEmb[c] / emb[c]);
      assertTrue(html.contains(row), "class " + c + ": " + row + " in " + html);
    }
  }

  /** Asked to, the report holds its pictures itself: the folder gets the manifest and the page, no PNG files. */
  @Test
  void picturesCanGoInsideThePage() throws IOException {
    DemoData d = sentData();
    DemoReport.Summary s = DemoReport.write(tmp, d, subset(d), null, windows(), all(), "m", "ram-apl", 0.1, false);
    try (Stream<Path> files = Files.list(tmp)) {
      assertEquals(Set.of("manifest.csv", "report.html"), files.map(p -> p.getFileName().toString())
          .collect(java.util.stream.Collectors.toSet()));
    }
    assertEquals(List.of(tmp.resolve("manifest.csv"), tmp.resolve("report.html")), s.files());
    String html = Files.readString(tmp.resolve("report.html"));
    Matcher img = Pattern.compile("<img src=\"([^\"]*)\"").matcher(html);
    int images = 0;
    while (img.find()) {
      assertTrue(img.group(1).startsWith("data:image/png;base64,"), img.group(1));
      byte[] png = java.util.Base64.getDecoder().decode(img.group(1).substring("data:image/png;base64,".length()));
      assertNotNull(ImageIO.read(new java.io.ByteArrayInputStream(png)));
      images++;
    }
    assertEquals(3 + 10, images, "three charts and a sheet per class");
  }

  @Test
  void unknownIdsAreEscapedAndEmptyInputsStillWriteAReport() throws IOException {
    DemoData d = sentData();
    Map<String, Member> subset = new LinkedHashMap<>();
    subset.put("odd,\"id", new Member("odd,\"id", 3, 0.5, 0.5, 0, 0));
    Path out = tmp.resolve("r");
    DemoReport.Summary s = DemoReport.write(out, d, subset, List.of(), all(), "m", "ram-apl", 0.1);
    List<String> lines = Files.readAllLines(out.resolve("manifest.csv"));
    assertEquals("\"odd,\"\"id\",3,0.5,0.5,0.0,0,", lines.get(1));
    assertEquals(List.of("odd,\"id", "3", "0.5", "0.5", "0.0", "0", ""), fields(lines.get(1)));
    assertEquals(0, s.noisySelected());
    String html = Files.readString(out.resolve("report.html"));
    assertTrue(html.contains("Selected ids not in the demo data</th><td>1 "), html);
    assertNotNull(ImageIO.read(out.resolve("churn.png").toFile()));
    assertNotNull(ImageIO.read(out.resolve("class-3.png").toFile()));

    // again with nothing selected: files are replaced
    DemoReport.write(out, d, Map.of(), List.of(), all(), "m", "ram-apl", 0.1);
    assertEquals(List.of("id,label,score,ram,apl,rank,source"), Files.readAllLines(out.resolve("manifest.csv")));
    assertNotNull(ImageIO.read(out.resolve("scores.png").toFile()));
  }

  @Test
  void labelsOutsideTheDataGetTheirOwnSheet() throws IOException {
    DemoData d = sentData();
    String id = d.ids().get(0);
    DemoReport.write(tmp, d, Map.of(id, new Member(id, 42, 1, 1, 0, 0)), windows(), all(), "m", "ram-apl", 0.1);
    assertNotNull(ImageIO.read(tmp.resolve("class-42.png").toFile()));
    assertTrue(Files.readString(tmp.resolve("report.html")).contains("class 42"));
  }

  @Test
  void contactSheetFramesSelectedAndMarksNoisy() {
    byte[] grey = Png.encode(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY)); // black
    List<ContactSheet.Tile> sel = List.of(new ContactSheet.Tile(grey, true), new ContactSheet.Tile(grey, false));
    List<ContactSheet.Tile> un = List.of(new ContactSheet.Tile(grey, false), new ContactSheet.Tile(null, false));
    BufferedImage img = ContactSheet.draw("0: test", sel, 2, un, 40);
    int top = 12 + 24 + 20; // pad, title, heading
    int off = (ContactSheet.CELL - ContactSheet.THUMB) / 2;
    int x0 = 12;
    assertEquals(ContactSheet.SELECTED.getRGB(), img.getRGB(x0 + off - 2, top + off + 20), "green frame");
    assertEquals(ContactSheet.NOISY.getRGB(), img.getRGB(x0 + off + ContactSheet.THUMB - 3, top + off + 2), "noisy corner");
    int x1 = x0 + ContactSheet.CELL; // the second selected tile is not noisy: its corner shows the (black) image
    assertEquals(Color.BLACK.getRGB(), img.getRGB(x1 + off + ContactSheet.THUMB - 3, top + off + 2));
    assertEquals(Color.BLACK.getRGB(), img.getRGB(x0 + off + 20, top + off + 20), "the thumbnail");
    assertEquals(12 * 2 + ContactSheet.COLS * ContactSheet.CELL, img.getWidth());
  }
}
