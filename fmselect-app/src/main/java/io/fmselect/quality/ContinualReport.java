package io.fmselect.quality;

import io.fmselect.demo.DemoReport;
import io.fmselect.demo.Png;
import io.fmselect.io.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * A continual-learning run's results: {@code continual.csv} (one row per stage, arm and seed),
 * {@code continual.md} (accuracy per stage and arm, mean ± standard deviation over seeds, with subset sizes
 * and noisy labels kept) and {@code plots/continual.png} (accuracy against stage per arm, bars from the
 * lowest to the highest seed).
 */
public final class ContinualReport {
  private ContinualReport() {}

  /** One stage's measurement of one arm and seed. */
  public record Row(int stage, int seen, String arm, long seed, int size, int noisy, double accuracy, double seconds) {}

  public static void write(Path out, List<Row> rows, List<String> header) throws IOException {
    StringBuilder csv = new StringBuilder("stage,seen,arm,seed,subset_size,noisy_kept,accuracy,train_seconds\n");
    for (Row r : rows) {
      csv.append(String.format(Locale.ROOT, "%d,%d,%s,%d,%d,%d,%.4f,%.1f%n", r.stage(), r.seen(), DemoReport.csv(r.arm()), r.seed(),
          r.size(), r.noisy(), r.accuracy(), r.seconds()));
    }
    byte[] csvBytes = csv.toString().getBytes(StandardCharsets.UTF_8);
    AtomicFile.write(out.resolve("continual.csv"), o -> o.write(csvBytes));

    Map<String, Map<Integer, List<Row>>> byArm = new LinkedHashMap<>();
    for (Row r : rows) {
      byArm.computeIfAbsent(r.arm(), a -> new TreeMap<>()).computeIfAbsent(r.stage(), s -> new ArrayList<>()).add(r);
    }
    List<Integer> stages = rows.stream().map(Row::stage).distinct().sorted().toList();
    StringBuilder md = new StringBuilder();
    header.forEach(l -> md.append(l).append('\n'));
    md.append("\n| stage (images seen)");
    for (String arm : byArm.keySet()) {
      md.append(" | ").append(arm);
    }
    md.append(" |\n|---").append("|---".repeat(byArm.size())).append("|\n");
    for (int s : stages) {
      md.append("| ").append(s).append(String.format(Locale.ROOT, " (%,d)", byArm.values().iterator().next().get(s).get(0).seen()));
      for (Map<Integer, List<Row>> m : byArm.values()) {
        List<Row> rs = m.get(s);
        StudyReport.Spread sp = StudyReport.Spread.of(rs.stream().map(Row::accuracy).toList());
        md.append(String.format(Locale.ROOT, " | %.4f ± %.4f (%,d images, %d noisy)", sp.mean(), sp.sd(), rs.get(0).size(),
            Math.round(rs.stream().mapToInt(Row::noisy).average().orElse(0))));
      }
      md.append(" |\n");
    }
    md.append("\n![continual](plots/continual.png)\n");
    Files.createDirectories(out.resolve("plots"));
    byte[] png = Png.encode(chart(byArm, rows.stream().map(Row::seed).distinct().count()).createBufferedImage(900, 500));
    AtomicFile.write(out.resolve("plots").resolve("continual.png"), o -> o.write(png));
    byte[] text = md.toString().getBytes(StandardCharsets.UTF_8);
    AtomicFile.write(out.resolve("continual.md"), o -> o.write(text));
  }

  private static JFreeChart chart(Map<String, Map<Integer, List<Row>>> byArm, long seeds) {
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    for (var arm : byArm.entrySet()) {
      YIntervalSeries s = new YIntervalSeries(arm.getKey());
      for (var stage : arm.getValue().entrySet()) {
        StudyReport.Spread sp = StudyReport.Spread.of(stage.getValue().stream().map(Row::accuracy).toList());
        s.add(stage.getKey(), sp.mean(), sp.min(), sp.max());
      }
      data.addSeries(s);
    }
    JFreeChart chart = StudyReport.errorBarChart("Accuracy after each stage (mean; bars: lowest to highest of "
        + seeds + " seeds)", "stage", data);
    ((NumberAxis) chart.getXYPlot().getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    return chart;
  }
}
