package io.fmselect.cli;

import io.fmselect.embed.Folders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * What {@code fmselect demo} leaves in its output folder, said in one line at the end, and {@code --clean}:
 * the manifest and the report stay; the report's picture files, the broker's data ({@code kafka/},
 * {@link LocalPipeline}), the job's checkpoints ({@code checkpoints/}) and the encoders' specs or stand-ins
 * ({@code models/}, {@code stand-in-models/}, {@link DemoModels}) go. Only names the demo writes are listed or
 * removed: anything else a user keeps in the folder is left alone.
 */
final class DemoFolder {
  private DemoFolder() {}

  /** The files that stay. */
  static final List<String> KEPT = List.of("manifest.csv", "report.html");
  /** The demo's working folders, in the order they are listed. */
  static final List<String> WORK = List.of(LocalPipeline.CHECKPOINTS_DIR, LocalPipeline.KAFKA_DIR,
      DemoModels.SPECS_DIR, DemoModels.STAND_INS_DIR);

  /** One thing in the folder as the line names it: "manifest.csv", "13 PNGs", "kafka/". */
  private record Entry(String name, List<Path> paths, long bytes) {
    @Override
    public String toString() {
      return name + " " + size(bytes);
    }
  }

  /**
   * Removes the demo's own entries of {@code out} except the manifest and the report when {@code clean}, and
   * says what is left (and what was removed) in one line:
   * {@code left in fmselect-demo/: manifest.csv 8 kB, report.html 9 kB, 13 PNGs 4.2 MB, checkpoints/ 41 MB,
   * kafka/ 12 MB, models/ 6 kB (--clean removes all but the manifest and the report)}.
   */
  static String leave(Path out, boolean clean) throws IOException {
    List<Entry> kept = new ArrayList<>();
    List<Entry> rest = new ArrayList<>();
    for (String name : KEPT) {
      Path p = out.resolve(name);
      if (Files.isRegularFile(p)) {
        kept.add(new Entry(name, List.of(p), Files.size(p)));
      }
    }
    List<Path> pictures;
    try (Stream<Path> s = Files.list(out)) {
      pictures = s.filter(p -> Files.isRegularFile(p) && io.fmselect.demo.DemoReport.PICTURES.matcher(p.getFileName().toString()).matches())
          .sorted().toList();
    }
    if (!pictures.isEmpty()) {
      long bytes = 0;
      for (Path p : pictures) {
        bytes += Files.size(p);
      }
      rest.add(new Entry(pictures.size() + (pictures.size() == 1 ? " PNG" : " PNGs"), pictures, bytes));
    }
    for (String name : WORK) {
      Path dir = out.resolve(name);
      if (Files.isDirectory(dir)) {
        rest.add(new Entry(name + "/", List.of(dir), Folders.bytes(dir)));
      }
    }
    String where = out.toString().endsWith("/") ? out.toString() : out + "/";
    StringBuilder line = new StringBuilder("left in ").append(where).append(": ").append(join(kept));
    if (clean) {
      for (Entry e : rest) {
        for (Path p : e.paths()) {
          Folders.delete(p);
        }
      }
      if (!rest.isEmpty()) {
        line.append(" (--clean removed ").append(join(rest)).append(')');
      }
    } else if (!rest.isEmpty()) {
      line.append(kept.isEmpty() ? "" : ", ").append(join(rest))
          .append(" (--clean removes all but the manifest and the report)");
    }
    return line.toString();
  }

  private static String join(List<Entry> entries) {
    return String.join(", ", entries.stream().map(Entry::toString).toList());
  }

  /** A size in decimal units, two or three figures: "512 B", "16 kB", "4.2 MB", "41 MB", "1.3 GB". */
  static String size(long bytes) {
    if (bytes < 1000) {
      return bytes + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double v = bytes / 1000.0;
    int u = 0;
    while (v >= 999.5 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return (v < 9.95 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v)) + " " + units[u];
  }
}
