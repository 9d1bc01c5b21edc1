package io.fmselect.demo;

import io.fmselect.io.AtomicFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The report of {@code fmselect demo}: what was sent, what the job embedded and took into the subset's
 * computation by its last window end ({@link Embedded}), what it selected of those, and how many of the
 * injected noisy labels made it into the subset compared with a random subset of the same size. Fractions are
 * of the samples embedded: the subset keeps its share of each class's members, and samples sent after the last
 * window end are in no class yet. Written into one folder, every file to a temporary file first and all renamed
 * into place together:
 * <ul>
 *   <li>{@code manifest.csv}: {@code id,label,score,ram,apl,rank,source}, one row per selected sample, by label
 *       then rank;
 *   <li>{@code report.html}: a self-contained page (no external URLs) with the summary, a table per class and
 *       the pictures below;
 *   <li>{@code noise.png} (noisy labels in the subset vs a random subset, per class), {@code scores.png}
 *       (score histogram: selected, and not selected when explained figures are given), {@code churn.png}
 *       (joined and left per window), and {@code class-N.png} per class label N (a contact sheet); or, when
 *       asked, no picture files: the pictures are inside {@code report.html} (data URLs), which then stands alone.
 * </ul>
 * The expected number of noisy labels in a random subset of the embedded samples is selected * noisyEmbedded /
 * embedded (per class alike).
 */
public final class DemoReport {
  /** Selected thumbnails shown per class at most. */
  static final int MAX_SELECTED_TILES = 5 * ContactSheet.COLS;
  /** Thumbnails of samples not selected shown per class at most. */
  static final int MAX_UNSELECTED_TILES = 3 * ContactSheet.COLS;

  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true"); // charts and sheets are drawn without a display
    }
  }

  private DemoReport() {}

  /**
   * What the report found.
   *
   * @param sent samples sent
   * @param embedded of those, in the subset's computation at its last window end
   * @param selected samples in the subset
   * @param noisySent samples sent with an injected noisy label
   * @param noisyEmbedded of those, embedded
   * @param noisySelected of those, in the subset
   * @param noisyExpected how many a random subset of the embedded samples, of the same size, would hold:
   *     selected * noisyEmbedded / embedded
   * @param files the files written
   */
  public record Summary(long sent, long embedded, int selected, long noisySent, long noisyEmbedded,
      long noisySelected, double noisyExpected, List<Path> files) {
    /** The subset's size as a fraction of the samples embedded (0 when none are). */
    public double fractionOfEmbedded() {
      return embedded == 0 ? 0 : selected / (double) embedded;
    }
  }

  /**
   * {@link #write(Path, DemoData, Map, Map, List, Embedded, String, String, double, boolean)} without explained
   * figures, with picture files.
   */
  public static Summary write(Path out, DemoData data, Map<String, Member> subset, List<WindowStat> windows,
      Embedded embedded, String models, String method, double fraction) throws IOException {
    return write(out, data, subset, null, windows, embedded, models, method, fraction, true);
  }

  /**
   * Writes the report into folder {@code out} (created if missing).
   *
   * @param data the demo data, with what was sent
   * @param subset the selected samples at the end, by id
   * @param explained figures of every sample the job explained (selected or not), by id; null if none
   * @param windows the committed windows in order
   * @param embedded the samples the subset was computed from (at the last window end in {@code windows})
   * @param models the models, as the console shows them ("dinov2-small, clip-b32")
   * @param method the selection method ("ram-apl")
   * @param fraction the fraction of each class selected
   * @param pictureFiles true: the pictures are PNG files beside the page; false: inside the page, no PNG files
   */
  public static Summary write(Path out, DemoData data, Map<String, Member> subset, Map<String, Member> explained,
      List<WindowStat> windows, Embedded embedded, String models, String method, double fraction,
      boolean pictureFiles) throws IOException {
    Files.createDirectories(out);
    Stats st = Stats.of(data, subset, embedded);
    Map<String, AtomicFile.Content> pictures = new LinkedHashMap<>();
    pictures.put("noise.png", o -> Charts.png(o, Charts.noise(st.names(), st.noisyIn(), st.expected(),
        st.noisySelected(), st.noisyExpected())));
    pictures.put("scores.png", o -> Charts.png(o, scoreChart(subset, explained, method)));
    pictures.put("churn.png", o -> Charts.png(o, Charts.churn(windows)));
    for (int c = 0; c < st.labels().length; c++) {
      int cc = c;
      pictures.put(sheetName(st.labels()[c]), o -> sheet(o, data, subset, embedded, st, cc));
    }
    List<Path> files = new ArrayList<>();
    Map<String, String> src = new HashMap<>();
    try (AtomicFile.Batch batch = new AtomicFile.Batch()) {
      files.add(stage(batch, out.resolve("manifest.csv"), o -> manifest(o, data, subset)));
      for (Map.Entry<String, AtomicFile.Content> p : pictures.entrySet()) {
        if (pictureFiles) {
          files.add(stage(batch, out.resolve(p.getKey()), p.getValue()));
          src.put(p.getKey(), p.getKey());
        } else {
          ByteArrayOutputStream png = new ByteArrayOutputStream();
          p.getValue().writeTo(png);
          src.put(p.getKey(), "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray()));
        }
      }
      files.add(stage(batch, out.resolve("report.html"), o -> {
        Writer w = new OutputStreamWriter(o, StandardCharsets.UTF_8);
        w.write(html(data, st, windows, models, method, fraction, explained != null, src::get));
        w.flush();
      }));
      batch.commit();
    }
    return new Summary(st.sent(), st.embedded(), subset.size(), st.noisySent(), st.noisyEmbedded(),
        st.noisySelected(), st.noisyExpected(), List.copyOf(files));
  }

  private static Path stage(AtomicFile.Batch batch, Path file, AtomicFile.Content content) throws IOException {
    batch.add(file, content);
    return file;
  }

  static String sheetName(long label) {
    return "class-" + label + ".png";
  }

  /** The names of the pictures the report writes beside itself: noise.png, scores.png, churn.png, class-N.png. */
  public static final java.util.regex.Pattern PICTURES = java.util.regex.Pattern.compile("(noise|scores|churn|class-\\d+)\\.png");

  /** The manifest rows, by label, then rank (none last), then id. */
  static void manifest(OutputStream o, DemoData data, Map<String, Member> subset) throws IOException {
    Writer w = new OutputStreamWriter(o, StandardCharsets.UTF_8);
    w.write("id,label,score,ram,apl,rank,source\n");
    List<Member> rows = new ArrayList<>(subset.values());
    rows.sort(byLabelRankId());
    for (Member m : rows) {
      String source = data.source(m.id());
      w.write(String.join(",", csv(m.id()), Long.toString(m.label()), Double.toString(m.score()),
          Double.toString(m.ram()), Double.toString(m.apl()), Integer.toString(m.rank()), csv(source == null ? "" : source)));
      w.write('\n');
    }
    w.flush();
  }

  private static Comparator<Member> byLabelRankId() {
    return Comparator.comparingLong(Member::label)
        .thenComparingLong(m -> m.rank() < 0 ? Long.MAX_VALUE : m.rank())
        .thenComparing(Member::id);
  }

  /** A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
  public static String csv(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  private static org.jfree.chart.JFreeChart scoreChart(Map<String, Member> subset, Map<String, Member> explained,
      String method) {
    double[] sel = subset.values().stream().mapToDouble(Member::score).filter(Double::isFinite).toArray();
    double[] rest = explained == null ? new double[0] : explained.values().stream()
        .filter(m -> !subset.containsKey(m.id())).mapToDouble(Member::score).filter(Double::isFinite).toArray();
    return Charts.scores(sel, rest, method);
  }

  private static void sheet(OutputStream o, DemoData data, Map<String, Member> subset, Embedded embedded, Stats st,
      int c) throws IOException {
    long label = st.labels()[c];
    List<Member> members = subset.values().stream().filter(m -> m.label() == label).sorted(byLabelRankId()).toList();
    List<ContactSheet.Tile> selected = new ArrayList<>();
    for (Member m : members.subList(0, Math.min(MAX_SELECTED_TILES, members.size()))) {
      DemoData.Shot s = data.byId(m.id());
      selected.add(new ContactSheet.Tile(s == null ? null : s.image(), data.noisy(m.id())));
    }
    List<ContactSheet.Tile> unselected = new ArrayList<>();
    int unselectedTotal = 0;
    for (String id : data.ids()) { // sending order: a random sample of the class's members
      if (data.label(id) == label && !subset.containsKey(id) && embedded.contains(data, id)) {
        unselectedTotal++;
        if (unselected.size() < MAX_UNSELECTED_TILES) {
          unselected.add(new ContactSheet.Tile(data.byId(id).image(), data.noisy(id)));
        }
      }
    }
    String title = label + ": " + data.className(label) + " (" + st.sentIn()[c] + " sent, " + st.embeddedIn()[c]
        + " embedded, " + members.size() + " selected, " + st.noisyIn()[c] + " of them noisy)";
    o.write(Png.encode(ContactSheet.draw(title, selected, members.size(), unselected, unselectedTotal)));
  }

  private static String html(DemoData data, Stats st, List<WindowStat> windows, String models, String method,
      double fraction, boolean explained, Function<String, String> src) {
    StringBuilder h = new StringBuilder(8192);
    String title = "fmselect demo: " + method + ", " + pct(fraction) + " of each class";
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(esc(title))
        .append("</title>\n<style>\n")
        .append("body{font-family:sans-serif;margin:2em auto;max-width:1000px;color:#222}\n")
        .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}\n")
        .append("td.n,th.n{text-align:right}img{max-width:100%;border:1px solid #ddd}\n")
        .append(".good{color:#2e7d32}.bad{color:#d32f2f}\n</style>\n</head>\n<body>\n");
    h.append("<h1>").append(esc(title)).append("</h1>\n<table>\n");
    row(h, "Data", data.description().replaceFirst("^data: ", ""));
    row(h, "Models", models);
    row(h, "Method", method);
    row(h, "Fraction", pct(fraction) + " of each class");
    row(h, "Samples sent", group(st.sent()) + " of " + group(data.size()));
    row(h, "Embedded", group(st.embedded()) + " (in the subset's computation at its last window end; those sent"
        + " later are in no class yet)");
    row(h, "Selected", group(st.selected()) + " (" + percentOf(st.selected(), st.embedded()) + " of embedded; "
        + perClass(data, st) + ")");
    row(h, "Injected noisy labels sent", group(st.noisySent()));
    row(h, "Injected noisy labels embedded", group(st.noisyEmbedded()));
    row(h, "Noisy labels in the subset", group(st.noisySelected()));
    rawRow(h, "Expected in a random subset of the same size", String.format(Locale.ROOT, "%.1f", st.noisyExpected())
        + " (selected &times; noisy embedded / embedded)");
    if (st.unknown() > 0) {
      row(h, "Selected ids not in the demo data", group(st.unknown()) + " (from an earlier run on the same topic?)");
    }
    h.append("</table>\n<p>Selected samples: <a href=\"manifest.csv\">manifest.csv</a> (id, label, score, ram, apl,"
        + " rank, source).</p>\n");
    if (st.noisyExpected() > 0) {
      double kept = st.noisySelected() / st.noisyExpected();
      h.append("<p class=\"").append(kept < 1 ? "good" : "bad").append("\">The subset holds ")
          .append(String.format(Locale.ROOT, "%.0f%%", 100 * kept))
          .append(" of the noisy labels a random subset of the same size would hold.</p>\n");
    }
    h.append("<h2>Per class</h2>\n<p>Embedded: in the subset's computation at its last window end. The subset"
        + " keeps its share of those.</p>\n<table>\n<tr><th class=\"n\">label</th><th>class</th>"
        + "<th class=\"n\">sent</th><th class=\"n\">embedded</th><th class=\"n\">selected</th>"
        + "<th class=\"n\">of embedded</th><th class=\"n\">noisy embedded</th><th class=\"n\">noisy in the subset</th>"
        + "<th class=\"n\">expected at random</th></tr>\n");
    for (int c = 0; c < st.labels().length; c++) {
      h.append("<tr><td class=\"n\">").append(st.labels()[c]).append("</td><td>").append(esc(st.names().get(c)))
          .append("</td><td class=\"n\">").append(st.sentIn()[c]).append("</td><td class=\"n\">")
          .append(st.embeddedIn()[c]).append("</td><td class=\"n\">").append(st.selectedIn()[c])
          .append("</td><td class=\"n\">").append(percentOf(st.selectedIn()[c], st.embeddedIn()[c]))
          .append("</td><td class=\"n\">").append(st.noisyEmbeddedIn()[c])
          .append("</td><td class=\"n\">").append(st.noisyIn()[c]).append("</td><td class=\"n\">")
          .append(String.format(Locale.ROOT, "%.1f", st.expected()[c])).append("</td></tr>\n");
    }
    h.append("</table>\n");
    h.append("<h2>Noisy labels caught</h2>\n<p>A sample whose label was flipped lies away from its labeled class"
        + " under the models, and their nearest centroids disagree with its label: RAM-APL ranks it last, so the"
        + " subset should hold fewer of them than a random subset of the same size.</p>\n")
        .append("<img src=\"").append(esc(src.apply("noise.png")))
        .append("\" alt=\"noisy labels in the subset vs a random subset\">\n");
    h.append("<h2>Scores</h2>\n<p>").append(explained ? "Selected samples against the explained samples not selected."
        : "Selected samples only (the subset topic carries members; the job's explain topic would add the rest).")
        .append("</p>\n<img src=\"").append(esc(src.apply("scores.png"))).append("\" alt=\"score histogram\">\n");
    h.append("<h2>Churn per window</h2>\n<p>").append(windows.size()).append(" committed windows; ")
        .append(windows.stream().mapToLong(WindowStat::joined).sum()).append(" joins, ")
        .append(windows.stream().mapToLong(WindowStat::left).sum()).append(" leaves.</p>\n")
        .append("<img src=\"").append(esc(src.apply("churn.png"))).append("\" alt=\"joined and left per window\">\n");
    h.append("<h2>Classes</h2>\n<p>Selected samples framed in green (rank order), then a sample of those not"
        + " selected; a red corner marks an injected noisy label.</p>\n");
    for (int c = 0; c < st.labels().length; c++) {
      h.append("<h3>").append(st.labels()[c]).append(": ").append(esc(st.names().get(c))).append("</h3>\n<img src=\"")
          .append(esc(src.apply(sheetName(st.labels()[c])))).append("\" alt=\"").append(esc(st.names().get(c))).append("\">\n");
    }
    h.append("</body>\n</html>\n");
    return h.toString();
  }

  private static String perClass(DemoData data, Stats st) {
    StringBuilder s = new StringBuilder();
    for (int c = 0; c < st.labels().length; c++) {
      s.append(c == 0 ? "" : ", ").append(data.className(st.labels()[c])).append(' ').append(st.selectedIn()[c]);
    }
    return s.toString();
  }

  private static void row(StringBuilder h, String name, String value) {
    rawRow(h, name, esc(value));
  }

  private static void rawRow(StringBuilder h, String name, String htmlValue) {
    h.append("<tr><th>").append(esc(name)).append("</th><td>").append(htmlValue).append("</td></tr>\n");
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private static String pct(double fraction) {
    String p = String.format(Locale.ROOT, "%.4f", 100 * fraction).replaceAll("\\.?0+$", "");
    return p + "%";
  }

  /** {@code part} as a percentage of {@code whole}, one decimal ("10.1%"); "-" when whole is 0. */
  public static String percentOf(long part, long whole) {
    return whole == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
  }

  private static String group(long n) {
    return String.format(Locale.US, "%,d", n);
  }

  /**
   * Counts per class label (the data's classes, then any other label the subset holds); a sample counts in the
   * class it was sent with. The expected noisy labels at random are of the embedded samples.
   */
  record Stats(long[] labels, List<String> names, long[] sentIn, long[] embeddedIn, long[] selectedIn,
      long[] noisyEmbeddedIn, long[] noisyIn, double[] expected, long sent, long embedded, long selected,
      long noisySent, long noisyEmbedded, long noisySelected, double noisyExpected, long unknown) {
    static Stats of(DemoData data, Map<String, Member> subset, Embedded embedded) {
      TreeSet<Long> all = new TreeSet<>();
      for (long l = 0; l < data.classNames().size(); l++) {
        all.add(l);
      }
      subset.values().forEach(m -> all.add(m.label()));
      long[] labels = all.stream().mapToLong(Long::longValue).toArray();
      List<String> names = all.stream().map(data::className).toList();
      int n = labels.length;
      long[] sentIn = new long[n];
      long[] embeddedIn = new long[n];
      long[] selectedIn = new long[n];
      long[] noisyEmbeddedIn = new long[n];
      long[] noisyIn = new long[n];
      double[] expected = new double[n];
      long embeddedAll = 0;
      long noisyEmbedded = 0;
      for (String id : data.ids()) {
        if (data.wasSent(id)) {
          int c = Arrays.binarySearch(labels, data.label(id));
          sentIn[c]++;
          if (embedded.contains(data, id)) {
            embeddedIn[c]++;
            embeddedAll++;
            if (data.noisy(id)) {
              noisyEmbeddedIn[c]++;
              noisyEmbedded++;
            }
          }
        }
      }
      long noisySelected = 0;
      long unknown = 0;
      for (Member m : subset.values()) {
        int c = Arrays.binarySearch(labels, m.label());
        selectedIn[c]++;
        if (data.noisy(m.id())) {
          noisyIn[c]++;
          noisySelected++;
        }
        unknown += data.contains(m.id()) ? 0 : 1;
      }
      for (int c = 0; c < n; c++) {
        expected[c] = embeddedIn[c] == 0 ? 0 : selectedIn[c] * (double) noisyEmbeddedIn[c] / embeddedIn[c];
      }
      double noisyExpected = embeddedAll == 0 ? 0 : subset.size() * (double) noisyEmbedded / embeddedAll;
      return new Stats(labels, names, sentIn, embeddedIn, selectedIn, noisyEmbeddedIn, noisyIn, expected,
          Arrays.stream(sentIn).sum(), embeddedAll, subset.size(), data.noisySent(), noisyEmbedded, noisySelected,
          noisyExpected, unknown);
    }
  }
}
