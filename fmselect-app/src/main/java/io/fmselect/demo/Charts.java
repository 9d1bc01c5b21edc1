package io.fmselect.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.statistics.HistogramType;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The report's charts (JFreeChart), drawn to PNG. */
final class Charts {
  static final int WIDTH = 800;
  static final int HEIGHT = 400;
  private static final int BINS = 30;

  private Charts() {}

  /**
   * Histogram of scores, as a share of each series: the selected samples, and the explained samples not
   * selected when there are any. Non-finite scores are left out.
   */
  static JFreeChart scores(double[] selected, double[] notSelected, String method) {
    HistogramDataset data = new HistogramDataset();
    data.setType(HistogramType.RELATIVE_FREQUENCY);
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double[] values : List.of(selected, notSelected)) {
      for (double v : values) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (lo == hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    if (selected.length > 0) {
      data.addSeries("selected (" + selected.length + ")", selected, BINS, lo, hi);
    }
    if (notSelected.length > 0) {
      data.addSeries("not selected (" + notSelected.length + ")", notSelected, BINS, lo, hi);
    }
    JFreeChart chart = ChartFactory.createHistogram(method + " score (lower is kept first)", "score",
        "share of the series", data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setForegroundAlpha(0.65f);
    XYBarRenderer r = (XYBarRenderer) plot.getRenderer();
    r.setBarPainter(new StandardXYBarPainter());
    r.setShadowVisible(false);
    r.setSeriesPaint(0, ContactSheet.SELECTED);
    r.setSeriesPaint(1, Color.GRAY);
    style(chart);
    return chart;
  }

  /** Per class: noisy labels in the subset next to the number a random subset of the same size would hold. */
  static JFreeChart noise(List<String> classes, long[] inSubset, double[] expected, long total, double totalExpected) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (int c = 0; c < classes.size(); c++) {
      data.addValue(inSubset[c], "in the subset", classes.get(c));
      data.addValue(expected[c], "expected in a random subset", classes.get(c));
    }
    JFreeChart chart = ChartFactory.createBarChart(String.format("Noisy labels in the subset: %d (a random subset: %.1f)",
        total, totalExpected), null, "samples with a flipped label", data);
    CategoryPlot plot = chart.getCategoryPlot();
    plot.getDomainAxis().setCategoryLabelPositions(classes.size() > 6 ? CategoryLabelPositions.UP_45
        : CategoryLabelPositions.STANDARD);
    BarRenderer r = (BarRenderer) plot.getRenderer();
    r.setBarPainter(new StandardBarPainter());
    r.setShadowVisible(false);
    r.setSeriesPaint(0, ContactSheet.NOISY);
    r.setSeriesPaint(1, Color.GRAY);
    style(chart);
    return chart;
  }

  /** Samples joined and left per window end, and the subset size on a second axis. */
  static JFreeChart churn(List<WindowStat> windows) {
    XYSeries joined = new XYSeries("joined", false, true);
    XYSeries left = new XYSeries("left", false, true);
    XYSeries size = new XYSeries("selected", false, true);
    for (WindowStat w : windows) {
      joined.add(w.windowEnd(), w.joined());
      left.add(w.windowEnd(), w.left());
      size.add(w.windowEnd(), w.selected());
    }
    XYSeriesCollection churn = new XYSeriesCollection();
    churn.addSeries(joined);
    churn.addSeries(left);
    JFreeChart chart = ChartFactory.createXYLineChart("Churn per window (" + windows.size() + " windows)", "window end",
        "samples per window", churn, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setDomainAxis(new DateAxis("window end"));
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
    r.setSeriesPaint(0, ContactSheet.SELECTED);
    r.setSeriesPaint(1, ContactSheet.NOISY);
    plot.setRenderer(0, r);
    plot.setDataset(1, new XYSeriesCollection(size));
    plot.setRangeAxis(1, new NumberAxis("subset size"));
    plot.mapDatasetToRangeAxis(1, 1);
    XYLineAndShapeRenderer s = new XYLineAndShapeRenderer(true, false);
    s.setSeriesPaint(0, Color.DARK_GRAY);
    s.setSeriesStroke(0, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
    plot.setRenderer(1, s);
    style(chart);
    return chart;
  }

  private static void style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.getPlot().setBackgroundPaint(new Color(0xf7f7f7));
  }

  /** The chart as PNG, encoded in memory (ImageIO's file cache needs a shutdown hook: not after Ctrl-C). */
  static void png(OutputStream out, JFreeChart chart) throws IOException {
    out.write(Png.encode(chart.createBufferedImage(WIDTH, HEIGHT)));
  }
}
