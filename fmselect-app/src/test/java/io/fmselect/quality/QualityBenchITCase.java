package io.fmselect.quality;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.cli.Main;
import io.fmselect.models.NsfwjsFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench quality} in a tiny configuration (300 Fashion-MNIST pool images, 500 test images, one
 * pretrained encoder, one fraction, uniform and RAM-APL, one seed, 150 training steps): the outputs are
 * complete and consistent, a second run resumes without training again, and a fresh run with the same seed
 * gives the same accuracies.
 */
class QualityBenchITCase {
  @TempDir static Path dir;
  static Path models;

  @BeforeAll
  static void setUp() throws Exception {
    io.fmselect.demo.FashionMnistInstall.ensure();
    models = NsfwjsFiles.models(); // the three pulled encoders (npm pack once per build)
  }

  record Run(int code, String out, String err) {}

  static Run bench(Path out) {
    var cl = Main.commandLine();
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    cl.setOut(new PrintWriter(o));
    cl.setErr(new PrintWriter(e));
    int code = cl.execute("bench", "quality", "--pool", "300", "--test", "500", "--models", models.toString(),
        "--encoders", "mobilenet-v2", "--variants", "clean", "--fractions", "0.1", "--seeds", "7", "--methods",
        "uniform,ram-apl", "--steps", "150", "--out", out.toString());
    return new Run(code, o.toString(), e.toString());
  }

  /** results.csv rows by arm. */
  static Map<String, String[]> rows(Path out) throws Exception {
    List<String> lines = Files.readAllLines(out.resolve("results.csv"));
    assertEquals(StudyRunner.Result.HEADER, lines.get(0));
    Map<String, String[]> byArm = new TreeMap<>();
    for (String l : lines.subList(1, lines.size())) {
      String[] f = l.split(",");
      byArm.put(f[1], f);
    }
    return byArm;
  }

  @Test
  void aTinyStudyIsCompleteConsistentResumableAndRepeatable() throws Exception {
    Path a = dir.resolve("a");
    Run first = bench(a);
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("3 cells"), first.out());
    Map<String, String[]> rows = rows(a);
    assertEquals(List.of("full pool", "ram-apl (mobilenet-v2)", "uniform"), List.copyOf(rows.keySet()));
    // sizes: the whole pool, and 10% of each of 10 classes of 30
    assertEquals("300", rows.get("full pool")[6]);
    for (String arm : List.of("uniform", "ram-apl (mobilenet-v2)")) {
      String[] r = rows.get(arm);
      assertEquals("30", r[6], arm);
      assertEquals("0", r[7], arm + ": no noise injected in the clean variant");
      assertEquals("3", r[8], arm + ": smallest class");
      assertEquals("3", r[9], arm + ": largest class");
    }
    for (String[] r : rows.values()) {
      double acc = Double.parseDouble(r[10]);
      assertTrue(acc >= 0 && acc <= 1, r[1] + ": accuracy " + acc);
    }
    assertTrue(Double.parseDouble(rows.get("full pool")[10]) > Double.parseDouble(rows.get("uniform")[10]),
        "the whole pool trains a better classifier than a 10% uniform subset");
    // the subsets on disk are the sizes above, within the pool
    try (var files = Files.walk(a.resolve("cache"))) {
      List<Path> subsets = files.filter(p -> p.toString().contains("/subsets/")).filter(Files::isRegularFile).toList();
      assertEquals(2, subsets.size(), subsets.toString());
      for (Path s : subsets) {
        List<Integer> idx = Files.readAllLines(s).stream().map(Integer::parseInt).toList();
        assertEquals(30, idx.size());
        assertTrue(idx.stream().allMatch(i -> i >= 0 && i < 300), s.toString());
      }
    }
    String md = Files.readString(a.resolve("results.md"));
    assertTrue(md.contains("| uniform | ") && md.contains("| ram-apl (mobilenet-v2) | ") && md.contains("full pool"), md);
    byte[] png = Files.readAllBytes(a.resolve("plots/clean.png"));
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));

    // again into the same folder: everything is cached, nothing trains, the same rows
    byte[] csv = Files.readAllBytes(a.resolve("results.csv"));
    Run again = bench(a);
    assertEquals(0, again.code(), again.err());
    assertTrue(again.err().contains("resuming: 3 of 3 cells already done"), again.err());
    assertTrue(!again.err().contains("embedding the pool"), "embeddings come from the cache: " + again.err());
    assertArrayEquals(csv, Files.readAllBytes(a.resolve("results.csv")));

    // a fresh folder, the same seed: the same subsets and accuracies
    Path b = dir.resolve("b");
    Run fresh = bench(b);
    assertEquals(0, fresh.code(), fresh.err());
    Map<String, String[]> other = rows(b);
    for (String arm : rows.keySet()) {
      assertEquals(rows.get(arm)[10], other.get(arm)[10], arm + ": accuracy with the same seed");
      assertEquals(rows.get(arm)[7], other.get(arm)[7], arm);
    }
  }

  @Test
  void badOptionsAreOneLineAndWriteNothing() {
    Path out = dir.resolve("bad");
    for (List<String> args : List.of(List.of("--variants", "noisy"), List.of("--fractions", "1.5"),
        List.of("--seeds", "1,1"), List.of("--data", dir.resolve("nope").toString()))) {
      var cl = Main.commandLine();
      StringWriter e = new StringWriter();
      cl.setErr(new PrintWriter(e));
      cl.setOut(new PrintWriter(new StringWriter()));
      java.util.List<String> all = new java.util.ArrayList<>(List.of("bench", "quality", "--out", out.toString()));
      all.addAll(args);
      int code = cl.execute(all.toArray(String[]::new));
      assertEquals(2, code, args + ": " + e);
      assertEquals(1, e.toString().strip().lines().count(), e.toString());
      assertTrue(e.toString().startsWith("fmselect bench quality: error: "), e.toString());
    }
    assertTrue(!Files.exists(out.resolve("results.csv")));
  }

  /**
   * {@code bench continual} in a tiny configuration: 300 images in two stages through the real pipeline
   * (broker, job with one encoder, the subset topic's Java consumer); after each stage the three arms are
   * trained: the subset is 10% of what was seen, the random arm the same size with the same labels' counts.
   */
  @Test
  void aTinyContinualRunStreamsTrainsAndReports() throws Exception {
    Path only = dir.resolve("one-encoder");
    Files.createDirectories(only);
    Files.copy(models.resolve("mobilenet-v2.yaml"), only.resolve("mobilenet-v2.yaml"));
    Files.copy(models.resolve("mobilenet-v2.onnx"), only.resolve("mobilenet-v2.onnx"));
    Path out = dir.resolve("continual");
    var cl = Main.commandLine();
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    cl.setOut(new PrintWriter(o));
    cl.setErr(new PrintWriter(e));
    int code = cl.execute("bench", "continual", "--pool", "300", "--test", "300", "--stages", "2", "--seeds", "3",
        "--steps", "60", "--models", only.toString(), "--stage-timeout", "240", "--out", out.toString());
    assertEquals(0, code, o + "\n" + e);
    List<String> lines = Files.readAllLines(out.resolve("continual.csv"));
    assertEquals("stage,seen,arm,seed,subset_size,noisy_kept,accuracy,train_seconds", lines.get(0));
    assertEquals(1 + 2 * 3, lines.size(), lines.toString());
    Map<String, String[]> byStageArm = new TreeMap<>();
    for (String l : lines.subList(1, lines.size())) {
      String[] f = l.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)"); // commas outside quotes
      byStageArm.put(f[0] + "|" + f[2].replace("\"", ""), f);
      double acc = Double.parseDouble(f[6]);
      assertTrue(acc >= 0 && acc <= 1, l);
    }
    for (String stage : List.of("1", "2")) {
      int seen = Integer.parseInt(byStageArm.get(stage + "|all data seen")[1]);
      assertEquals(stage.equals("1") ? 150 : 300, seen);
      assertEquals(Integer.toString(seen), byStageArm.get(stage + "|all data seen")[4]);
      int subset = Integer.parseInt(byStageArm.get(stage + "|fmselect subset (ram-apl)")[4]);
      // half-even budgets of 10% per class: within a sample per class of a tenth of what was seen
      assertTrue(Math.abs(subset - seen / 10) <= 10, stage + ": subset of " + subset + " for " + seen + " seen");
      assertEquals(Integer.toString(subset), byStageArm.get(stage + "|balanced random, same size")[4]);
    }
    assertTrue(o.toString().contains("stage 2/2: 300 seen"), o.toString());
    assertTrue(Files.readString(out.resolve("continual.md")).contains("| 2 (300)"));
    assertTrue(Files.size(out.resolve("plots/continual.png")) > 0);
  }

  /**
   * An image folder of class folders (every fifth image of a class held out for testing) with embeddings
   * from {@code fmselect embed} of that folder, instead of encoders: the pool is the other four fifths, the
   * embeddings' rows are picked by the pool's rows, and a .npy of another length is one line.
   */
  @Test
  void aFolderWithEmbedOutputRuns() throws Exception {
    Path images = dir.resolve("folder");
    java.util.Random r = new java.util.Random(5);
    for (int c = 0; c < 2; c++) {
      Path cls = Files.createDirectories(images.resolve(c == 0 ? "reds" : "blues"));
      for (int i = 0; i < 20; i++) {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(20, 20, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 20; y++) {
          for (int x = 0; x < 20; x++) {
            int v = 120 + r.nextInt(120);
            img.setRGB(x, y, c == 0 ? v << 16 | r.nextInt(60) << 8 : r.nextInt(60) << 8 | v);
          }
        }
        Files.write(cls.resolve(String.format("%02d.png", i)), io.fmselect.demo.Png.encode(img));
      }
    }
    Path only = dir.resolve("one-encoder-folder");
    Files.createDirectories(only);
    Files.copy(models.resolve("mobilenet-v2.yaml"), only.resolve("mobilenet-v2.yaml"));
    Files.copy(models.resolve("mobilenet-v2.onnx"), only.resolve("mobilenet-v2.onnx"));
    Path emb = dir.resolve("emb");
    Files.createDirectories(emb);
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(new StringWriter()));
    assertEquals(0, cl.execute("embed", "--models", only.toString(), "--images", images.toString(), "--out", emb + "/"));
    Path out = dir.resolve("folder-study");
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    cl = Main.commandLine();
    cl.setOut(new PrintWriter(o));
    cl.setErr(new PrintWriter(e));
    int code = cl.execute("bench", "quality", "--data", images.toString(), "--embeddings",
        "m=" + emb.resolve("mobilenet-v2.npy"), "--variants", "clean", "--fractions", "0.5", "--seeds", "1",
        "--methods", "uniform,ram-apl", "--steps", "30", "--image-size", "16", "--out", out.toString());
    assertEquals(0, code, o + "\n" + e);
    assertTrue(o.toString().contains("(every fifth image of each class held out): 32 training and 8 test images"),
        o.toString());
    Map<String, String[]> rows = rows(out);
    assertEquals("32", rows.get("full pool")[6]);
    assertEquals("16", rows.get("ram-apl (m)")[6]);
    assertEquals("8", rows.get("ram-apl (m)")[8]);
    assertEquals("16", rows.get("uniform")[6]);

    // embeddings of another length: one line, nothing run
    StringWriter e2 = new StringWriter();
    cl = Main.commandLine();
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(e2));
    io.fmselect.io.NpyWriter.writeFloat32(dir.resolve("short.npy"), new float[][] {{1, 2}, {3, 4}});
    assertEquals(2, cl.execute("bench", "quality", "--data", images.toString(), "--embeddings",
        "m=" + dir.resolve("short.npy"), "--out", dir.resolve("short-study").toString()));
    assertEquals("fmselect bench quality: error: --embeddings " + dir.resolve("short.npy") + ": 2 rows; expected one"
        + " per image of the data (40) or of the pool (32)", e2.toString().strip());
  }
}
