package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's last line about its folder, and {@code --clean}, on a real folder laid out as the demo leaves it. */
class DemoFolderTest {
  @TempDir Path tmp;

  private static void file(Path p, int bytes) throws IOException {
    Files.createDirectories(p.getParent());
    Files.write(p, new byte[bytes]);
  }

  /** The demo's folder after a run: the report's files, the broker's and the job's folders, the stand-ins. */
  private Path demoFolder() throws IOException {
    Path out = tmp.resolve("fmselect-demo");
    file(out.resolve("manifest.csv"), 8_100);
    file(out.resolve("report.html"), 9_000);
    for (String png : new String[] {"noise.png", "scores.png", "churn.png", "class-0.png", "class-1.png", "class-12.png"}) {
      file(out.resolve(png), 700_000);
    }
    file(out.resolve("checkpoints/6f1e/chk-12/_metadata"), 40_000_000);
    file(out.resolve("checkpoints/6f1e/shared/x"), 1_000_000);
    file(out.resolve("kafka/samples-0/00000000000000000000.log"), 12_300_000);
    file(out.resolve("kafka/meta.properties"), 300);
    file(out.resolve("stand-in-models/stand-in-a.onnx"), 64_000);
    return out;
  }

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  @Test
  void saysWhatIsLeftAndHowBig() throws IOException {
    Path out = demoFolder();
    assertEquals("left in " + out + "/: manifest.csv 8.1 kB, report.html 9.0 kB, 6 PNGs 4.2 MB, checkpoints/ 41 MB,"
        + " kafka/ 12 MB, stand-in-models/ 64 kB (--clean removes all but the manifest and the report)",
        DemoFolder.leave(out, false));
    assertEquals(11, names(out).size(), "nothing removed without --clean");
  }

  @Test
  void cleanLeavesTheManifestAndTheReportAndWhatIsNotTheDemos() throws IOException {
    Path out = demoFolder();
    file(out.resolve("notes.txt"), 10); // the user's: neither listed nor removed
    file(out.resolve("class-a.png"), 10);
    assertEquals("left in " + out + "/: manifest.csv 8.1 kB, report.html 9.0 kB (--clean removed 6 PNGs 4.2 MB,"
        + " checkpoints/ 41 MB, kafka/ 12 MB, stand-in-models/ 64 kB)", DemoFolder.leave(out, true));
    assertEquals(Set.of("manifest.csv", "report.html", "notes.txt", "class-a.png"), names(out));
    assertEquals("left in " + out + "/: manifest.csv 8.1 kB, report.html 9.0 kB", DemoFolder.leave(out, true),
        "cleaning again: nothing to remove");
  }

  @Test
  void sizesInTwoOrThreeFigures() {
    assertEquals("999 B", DemoFolder.size(999));
    assertEquals("1.0 kB", DemoFolder.size(1000));
    assertEquals("16 kB", DemoFolder.size(16_384));
    assertEquals("1.0 MB", DemoFolder.size(999_600));
    assertEquals("59 MB", DemoFolder.size(59_000_000));
    assertEquals("1.3 GB", DemoFolder.size(1_300_000_000L));
  }
}
