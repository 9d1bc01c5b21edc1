package io.fmselect.quality;

import io.fmselect.demo.Png;
import io.fmselect.io.AtomicFile;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * A study's results as {@code results.md} (accuracy, noisy labels kept and class balance per arm, variant
 * and fraction, with the spread over seeds) and one PNG per variant ({@code plots/VARIANT.png}: accuracy
 * against fraction per arm, mean with the lowest and highest seed as a bar).
 */
public final class StudyReport {
  private StudyReport() {}

  /** Distinct colours that read on a light background (the first eleven arms of a study). */
  static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
      new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0xbcbd22),
      new Color(0x393b79), new Color(0x000000), new Color(0x7f7f7f)};

  /** Mean, sample standard deviation, lowest and highest of some seeds' values. */
  record Spread(double mean, double sd, double min, double max, int n) {
    static Spread of(List<Double> xs) {
      double mean = xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
      double ss = xs.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum();
      double sd = xs.size() > 1 ? Math.sqrt(ss / (xs.size() - 1)) : 0;
      return new Spread(mean, sd, xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
          xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN), xs.size());
    }
  }

  /** The results of one arm in one variant at one fraction, over its seeds. */
  static Map<String, Map<String, List<StudyRunner.Result>>> grouped(List<StudyRunner.Result> results) {
    Map<String, Map<String, List<StudyRunner.Result>>> out = new LinkedHashMap<>();
    for (StudyRunner.Result r : results) {
      out.computeIfAbsent(r.arm(), a -> new LinkedHashMap<>())
          .computeIfAbsent(r.variant() + "|" + Study.fractionLabel(r.fraction()), k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  /**
   * Writes results.md and the plots into {@code out}.
   *
   * @param header lines that say what ran (data, encoders, recipe, time), put first
   */
  public static void write(Path out, Study study, List<StudyRunner.Result> results, List<String> header)
      throws IOException {
    Map<String, Map<String, List<StudyRunner.Result>>> g = grouped(results);
    List<String> columns = new ArrayList<>();
    for (Study.Variant v : study.variants()) {
      for (double f : study.fractions()) {
        columns.add(v.name() + "|" + Study.fractionLabel(f));
      }
    }
    StringBuilder md = new StringBuilder();
    header.forEach(l -> md.append(l).append('\n'));
    md.append('\n').append("### Test accuracy (mean ± standard deviation over ").append(study.seeds().size())
        .append(" seeds; best subset per column in bold)\n\n");
    md.append(tableHead(columns));
    Map<String, Double> best = new LinkedHashMap<>();
    for (String col : columns) {
      best.put(col, g.entrySet().stream().filter(e -> !e.getKey().equals(Study.Arm.FULL.label()) && e.getValue().containsKey(col))
          .mapToDouble(e -> spread(e.getValue().get(col), StudyRunner.Result::accuracy).mean()).max().orElse(Double.NaN));
    }
    for (var arm : g.entrySet()) {
      if (arm.getKey().equals(Study.Arm.FULL.label())) {
        continue;
      }
      md.append("| ").append(arm.getKey());
      for (String col : columns) {
        List<StudyRunner.Result> rs = arm.getValue().get(col);
        if (rs == null) {
          md.append(" | –");
          continue;
        }
        Spread s = spread(rs, StudyRunner.Result::accuracy);
        String cell = String.format(Locale.ROOT, "%.4f ± %.4f", s.mean(), s.sd());
        md.append(" | ").append(s.mean() == best.get(col) ? "**" + cell + "**" : cell);
      }
      md.append(" |\n");
    }
    Map<String, List<StudyRunner.Result>> full = g.get(Study.Arm.FULL.label());
    if (full != null) {
      md.append("| *full pool (every image)*");
      for (String col : columns) {
        List<StudyRunner.Result> rs = full.get(col.substring(0, col.indexOf('|')) + "|1.0");
        md.append(" | ").append(rs == null ? "–" : String.format(Locale.ROOT, "*%.4f ± %.4f*",
            spread(rs, StudyRunner.Result::accuracy).mean(), spread(rs, StudyRunner.Result::accuracy).sd()));
      }
      md.append(" |\n");
    }
    md.append("\n### Injected noisy labels kept in the subset (mean over seeds; share of the subset)\n\n");
    md.append(tableHead(columns));
    for (var arm : g.entrySet()) {
      md.append("| ").append(arm.getKey().equals(Study.Arm.FULL.label()) ? "*full pool*" : arm.getKey());
      for (String col : columns) {
        List<StudyRunner.Result> rs = arm.getValue().get(arm.getKey().equals(Study.Arm.FULL.label())
            ? col.substring(0, col.indexOf('|')) + "|1.0" : col);
        if (rs == null) {
          md.append(" | –");
          continue;
        }
        double noisy = spread(rs, r -> r.noisy()).mean();
        double size = spread(rs, r -> r.size()).mean();
        md.append(" | ").append(String.format(Locale.ROOT, "%.1f (%.1f%%)", noisy, size == 0 ? 0 : 100 * noisy / size));
      }
      md.append(" |\n");
    }
    md.append("\n### Class balance: subset size, smallest and largest class (by the labels selection saw)\n\n");
    md.append(tableHead(columns));
    for (var arm : g.entrySet()) {
      md.append("| ").append(arm.getKey().equals(Study.Arm.FULL.label()) ? "*full pool*" : arm.getKey());
      for (String col : columns) {
        List<StudyRunner.Result> rs = arm.getValue().get(arm.getKey().equals(Study.Arm.FULL.label())
            ? col.substring(0, col.indexOf('|')) + "|1.0" : col);
        md.append(" | ").append(rs == null ? "–" : String.format(Locale.ROOT, "%d: %d–%d", rs.get(0).size(),
            rs.get(0).smallestClass(), rs.get(0).largestClass()));
      }
      md.append(" |\n");
    }
    Files.createDirectories(out.resolve("plots"));
    md.append("\n");
    for (Study.Variant v : study.variants()) {
      Path png = out.resolve("plots").resolve(v.name() + ".png");
      byte[] bytes = Png.encode(chart(v, study, g).createBufferedImage(900, 500));
      AtomicFile.write(png, o -> o.write(bytes));
      md.append("![").append(v.name()).append("](plots/").append(v.name()).append(".png)\n");
    }
    byte[] text = md.toString().getBytes(StandardCharsets.UTF_8);
    AtomicFile.write(out.resolve("results.md"), o -> o.write(text));
  }

  private static String tableHead(List<String> columns) {
    StringBuilder b = new StringBuilder("| arm");
    for (String c : columns) {
      b.append(" | ").append(c.replace("|", " @ "));
    }
    b.append(" |\n|---");
    b.append("|---".repeat(columns.size())).append("|\n");
    return b.toString();
  }

  private static Spread spread(List<StudyRunner.Result> rs, java.util.function.ToDoubleFunction<StudyRunner.Result> f) {
    return Spread.of(rs.stream().map(r -> f.applyAsDouble(r)).collect(Collectors.toList()));
  }

  private static JFreeChart chart(Study.Variant v, Study study, Map<String, Map<String, List<StudyRunner.Result>>> g) {
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    for (var arm : g.entrySet()) {
      YIntervalSeries s = new YIntervalSeries(arm.getKey());
      boolean full = arm.getKey().equals(Study.Arm.FULL.label());
      for (var cell : arm.getValue().entrySet()) {
        if (!cell.getKey().startsWith(v.name() + "|")) {
          continue;
        }
        Spread sp = spread(cell.getValue(), StudyRunner.Result::accuracy);
        if (full) { // the reference: every image, at fraction 1
          s.add(1.0, sp.mean(), sp.min(), sp.max());
        } else {
          s.add(cell.getValue().get(0).fraction(), sp.mean(), sp.min(), sp.max());
        }
      }
      if (s.getItemCount() > 0) {
        data.addSeries(s);
      }
    }
    JFreeChart chart = errorBarChart(v.name() + ": test accuracy (mean; bars: lowest to highest of "
        + study.seeds().size() + " seeds)", "fraction of each class kept (full pool at 1)", data);
    XYPlot plot = chart.getXYPlot();
    XYErrorRenderer r = (XYErrorRenderer) plot.getRenderer();
    for (int i = 0; i < data.getSeriesCount(); i++) {
      if (data.getSeriesKey(i).equals(Study.Arm.FULL.label())) {
        r.setSeriesStroke(i, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
        r.setSeriesPaint(i, Color.GRAY);
      }
    }
    NumberAxis x = (NumberAxis) plot.getDomainAxis();
    x.setRange(0, 1.05);
    x.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(0.1, new java.text.DecimalFormat("0.0",
        java.text.DecimalFormatSymbols.getInstance(Locale.ROOT))));
    return chart;
  }

  /** Test accuracy against {@code xLabel}: a line per series with bars from its lowest to highest value. */
  static JFreeChart errorBarChart(String title, String xLabel, YIntervalSeriesCollection data) {
    JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, "test accuracy", data, PlotOrientation.VERTICAL,
        true, false, false);
    XYPlot plot = chart.getXYPlot();
    XYErrorRenderer r = new XYErrorRenderer();
    r.setDrawXError(false);
    r.setDefaultLinesVisible(true);
    r.setDefaultShapesVisible(true);
    for (int i = 0; i < data.getSeriesCount(); i++) {
      r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
    }
    plot.setRenderer(r);
    ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    chart.setBackgroundPaint(Color.WHITE);
    plot.setBackgroundPaint(new Color(0xf7f7f7));
    return chart;
  }
}
