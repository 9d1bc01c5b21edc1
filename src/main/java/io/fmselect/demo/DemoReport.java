package io.fmselect.demo;

import io.fmselect.io.AtomicFile;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The report of {@code fmselect demo}: what was sent, what the job selected, and how many of the injected
 * noisy labels made it into the subset compared with a random subset of the same size. Written into one
 * folder, every file to a temporary file first and all renamed into place together:
 * <ul>
 *   <li>{@code manifest.csv}: {@code id,label,score,ram,apl,rank,source}, one row per selected sample, by label
 *       then rank;
 *   <li>{@code report.html}: a self-contained page (no external URLs) with the summary, a table per class and
 *       the pictures below;
 *   <li>{@code noise.png} (noisy labels in the subset vs a random subset, per class), {@code scores.png}
 *       (score histogram: selected, and not selected when explained figures are given), {@code churn.png}
 *       (joined and left per window), and {@code class-N.png} per class label N (a contact sheet).
 * </ul>
 * The expected number of noisy labels in a random subset is selected * noisySent / sent (per class alike).
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
   * @param selected samples in the subset
   * @param noisySent samples sent with an injected noisy label
   * @param noisySelected of those, in the subset
   * @param noisyExpected how many a random subset of the same size would hold: selected * noisySent / sent
   * @param files the files written
   */
  public record Summary(long sent, int selected, long noisySent, long noisySelected, double noisyExpected,
      List<Path> files) {}

  /** {@link #write(Path, DemoData, Map, Map, List, String, String, double)} without explained figures. */
  public static Summary write(Path out, DemoData data, Map<String, Member> subset, List<WindowStat> windows,
      String models, String method, double fraction) throws IOException {
    return write(out, data, subset, null, windows, models, method, fraction);
  }

  /**
   * Writes the report into folder {@code out} (created if missing).
   *
   * @param data the demo data, with what was sent
   * @param subset the selected samples at the end, by id
   * @param explained figures of every sample the job explained (selected or not), by id; null if none
   * @param windows the committed windows in order
   * @param models the models, as the console shows them ("dinov2-small, clip-b32")
   * @param method the selection method ("ram-apl")
   * @param fraction the fraction of each class selected
   */
  public static Summary write(Path out, DemoData data, Map<String, Member> subset, Map<String, Member> explained,
      List<WindowStat> windows, String models, String method, double fraction) throws IOException {
    Files.createDirectories(out);
    Stats st = Stats.of(data, subset);
    List<Path> files = new ArrayList<>();
    try (AtomicFile.Batch batch = new AtomicFile.Batch()) {
      files.add(stage(batch, out.resolve("manifest.csv"), o -> manifest(o, data, subset)));
      files.add(stage(batch, out.resolve("noise.png"), o -> Charts.png(o, Charts.noise(st.names(), st.noisyIn(),
          st.expected(), st.noisySelected(), st.noisyExpected()))));
      files.add(stage(batch, out.resolve("scores.png"), o -> Charts.png(o, scoreChart(subset, explained, method))));
      files.add(stage(batch, out.resolve("churn.png"), o -> Charts.png(o, Charts.churn(windows))));
      for (int c = 0; c < st.labels().length; c++) {
        int cc = c;
        files.add(stage(batch, out.resolve(sheetName(st.labels()[c])), o -> sheet(o, data, subset, st, cc)));
      }
      files.add(stage(batch, out.resolve("report.html"), o -> {
        Writer w = new OutputStreamWriter(o, StandardCharsets.UTF_8);
        w.write(html(data, st, windows, models, method, fraction, explained != null));
        w.flush();
      }));
      batch.commit();
    }
    return new Summary(st.sent(), subset.size(), st.noisySent(), st.noisySelected(), st.noisyExpected(),
        List.copyOf(files));
  }

  private static Path stage(AtomicFile.Batch batch, Path file, AtomicFile.Content content) throws IOException {
    batch.add(file, content);
    return file;
  }

  static String sheetName(long label) {
    return "class-" + label + ".png";
  }

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

  private static void sheet(OutputStream o, DemoData data, Map<String, Member> subset, Stats st, int c)
      throws IOException {
    long label = st.labels()[c];
    List<Member> members = subset.values().stream().filter(m -> m.label() == label).sorted(byLabelRankId()).toList();
    List<ContactSheet.Tile> selected = new ArrayList<>();
    for (Member m : members.subList(0, Math.min(MAX_SELECTED_TILES, members.size()))) {
      DemoData.Shot s = data.byId(m.id());
      selected.add(new ContactSheet.Tile(s == null ? null : s.image(), data.noisy(m.id())));
    }
    List<ContactSheet.Tile> unselected = new ArrayList<>();
    int unselectedTotal = 0;
    for (String id : data.ids()) { // sending order: a random sample of the class
      if (data.wasSent(id) && data.label(id) == label && !subset.containsKey(id)) {
        unselectedTotal++;
        if (unselected.size() < MAX_UNSELECTED_TILES) {
          unselected.add(new ContactSheet.Tile(data.byId(id).image(), data.noisy(id)));
        }
      }
    }
    String title = label + ": " + data.className(label) + " (" + st.sentIn()[c] + " sent, " + members.size()
        + " selected, " + st.noisyIn()[c] + " of them noisy)";
    o.write(Png.encode(ContactSheet.draw(title, selected, members.size(), unselected, unselectedTotal)));
  }

  private static String html(DemoData data, Stats st, List<WindowStat> windows, String models, String method,
      double fraction, boolean explained) {
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
    row(h, "Selected", group(st.selected()) + " (" + perClass(data, st) + ")");
    row(h, "Injected noisy labels sent", group(st.noisySent()));
    row(h, "Noisy labels in the subset", group(st.noisySelected()));
    rawRow(h, "Expected in a random subset of the same size", String.format(Locale.ROOT, "%.1f", st.noisyExpected())
        + " (selected &times; noisy sent / sent)");
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
    h.append("<h2>Per class</h2>\n<table>\n<tr><th class=\"n\">label</th><th>class</th><th class=\"n\">sent</th>"
        + "<th class=\"n\">selected</th><th class=\"n\">noisy sent</th><th class=\"n\">noisy in the subset</th>"
        + "<th class=\"n\">expected at random</th></tr>\n");
    for (int c = 0; c < st.labels().length; c++) {
      h.append("<tr><td class=\"n\">").append(st.labels()[c]).append("</td><td>").append(esc(st.names().get(c)))
          .append("</td><td class=\"n\">").append(st.sentIn()[c]).append("</td><td class=\"n\">")
          .append(st.selectedIn()[c]).append("</td><td class=\"n\">").append(st.noisySentIn()[c])
          .append("</td><td class=\"n\">").append(st.noisyIn()[c]).append("</td><td class=\"n\">")
          .append(String.format(Locale.ROOT, "%.1f", st.expected()[c])).append("</td></tr>\n");
    }
    h.append("</table>\n");
    h.append("<h2>Noisy labels caught</h2>\n<p>A sample whose label was flipped lies away from its labeled class"
        + " under the models, and their nearest centroids disagree with its label: RAM-APL ranks it last, so the"
        + " subset should hold fewer of them than a random subset of the same size.</p>\n")
        .append("<img src=\"noise.png\" alt=\"noisy labels in the subset vs a random subset\">\n");
    h.append("<h2>Scores</h2>\n<p>").append(explained ? "Selected samples against the explained samples not selected."
        : "Selected samples only (the subset topic carries members; the job's explain topic would add the rest).")
        .append("</p>\n<img src=\"scores.png\" alt=\"score histogram\">\n");
    h.append("<h2>Churn per window</h2>\n<p>").append(windows.size()).append(" committed windows; ")
        .append(windows.stream().mapToLong(WindowStat::joined).sum()).append(" joins, ")
        .append(windows.stream().mapToLong(WindowStat::left).sum()).append(" leaves.</p>\n")
        .append("<img src=\"churn.png\" alt=\"joined and left per window\">\n");
    h.append("<h2>Classes</h2>\n<p>Selected samples framed in green (rank order), then a sample of those not"
        + " selected; a red corner marks an injected noisy label.</p>\n");
    for (int c = 0; c < st.labels().length; c++) {
      h.append("<h3>").append(st.labels()[c]).append(": ").append(esc(st.names().get(c))).append("</h3>\n<img src=\"")
          .append(esc(sheetName(st.labels()[c]))).append("\" alt=\"").append(esc(st.names().get(c))).append("\">\n");
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

  private static String group(long n) {
    return String.format(Locale.US, "%,d", n);
  }

  /** Counts per class label (the data's classes, then any other label the subset holds). */
  record Stats(long[] labels, List<String> names, long[] sentIn, long[] selectedIn, long[] noisySentIn, long[] noisyIn,
      double[] expected, long sent, long selected, long noisySent, long noisySelected, double noisyExpected,
      long unknown) {
    static Stats of(DemoData data, Map<String, Member> subset) {
      TreeSet<Long> all = new TreeSet<>();
      for (long l = 0; l < data.classNames().size(); l++) {
        all.add(l);
      }
      subset.values().forEach(m -> all.add(m.label()));
      long[] labels = all.stream().mapToLong(Long::longValue).toArray();
      List<String> names = all.stream().map(data::className).toList();
      int n = labels.length;
      long[] sentIn = new long[n];
      long[] selectedIn = new long[n];
      long[] noisySentIn = new long[n];
      long[] noisyIn = new long[n];
      double[] expected = new double[n];
      for (String id : data.ids()) {
        if (data.wasSent(id)) {
          int c = Arrays.binarySearch(labels, data.label(id));
          sentIn[c]++;
          noisySentIn[c] += data.noisy(id) ? 1 : 0;
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
        expected[c] = sentIn[c] == 0 ? 0 : selectedIn[c] * (double) noisySentIn[c] / sentIn[c];
      }
      long sent = data.sentCount();
      double noisyExpected = sent == 0 ? 0 : subset.size() * (double) data.noisySent() / sent;
      return new Stats(labels, names, sentIn, selectedIn, noisySentIn, noisyIn, expected, sent, subset.size(),
          data.noisySent(), noisySelected, noisyExpected, unknown);
    }
  }
}
