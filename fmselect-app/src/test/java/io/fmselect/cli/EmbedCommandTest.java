package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.embed.ModelSpec;
import io.fmselect.embed.Preprocessor;
import io.fmselect.io.NpyReader;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code embed} on an image folder with two generated ONNX FMs, checked against the same networks in Java. */
class EmbedCommandTest {
  @TempDir Path dir;
  Path models;
  Path images;
  io.fmselect.embed.TinyEncoderAccess nets;

  @BeforeEach
  void data() throws Exception {
    models = Files.createDirectories(dir.resolve("models"));
    images = Files.createDirectories(dir.resolve("images"));
    nets = io.fmselect.embed.TinyEncoderAccess.write(models);
    SplittableRandom r = new SplittableRandom(3);
    for (String c : List.of("cat", "dog")) {
      Path cd = Files.createDirectories(images.resolve(c));
      for (int i = 0; i < 3; i++) {
        BufferedImage img = new BufferedImage(10 + i, 9, i == 2 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 9; y++) {
          for (int x = 0; x < 10 + i; x++) {
            img.setRGB(x, y, r.nextInt(1 << 24));
          }
        }
        ImageIO.write(img, i == 1 ? "jpg" : "png", cd.resolve(i + (i == 1 ? ".jpg" : ".png")).toFile());
      }
    }
    Files.writeString(images.resolve(".DS_Store"), "ignored");
  }

  @Test
  void embedsEveryImageWithEveryFm() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    InProcess.Run r = InProcess.run("embed", "--models", models.toString(), "--images", images.toString(), "--out", out + "/", "--threads", "1");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("embedded 6 images of 2 classes with 2 FMs (a, b)"), r.out());
    assertArrayEquals(new long[] {0, 0, 0, 1, 1, 1}, NpyReader.readLabels(out.resolve("labels.npy")));
    assertEquals(List.of("cat", "dog"), Files.readAllLines(out.resolve("classes.txt")));
    assertEquals("cat/0.png", Files.readAllLines(out.resolve("files.txt")).get(0));
    if (java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      // the outputs are ordinary files (0644 under umask 022), not the 0600 of a temporary file
      String want = io.fmselect.io.AtomicFileTest.newFilePermissions(out);
      for (String f : List.of("a.npy", "b.npy", "labels.npy", "classes.txt", "files.txt")) {
        assertEquals(want, java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(out.resolve(f))), f);
      }
    }
    for (String fm : List.of("a", "b")) {
      ModelSpec spec = ModelSpec.load(models.resolve(fm + ".yaml"));
      var x = NpyReader.readFeatures(out.resolve(fm + ".npy"));
      assertEquals(6, x.rows());
      List<String> files = Files.readAllLines(out.resolve("files.txt"));
      for (int i = 0; i < 6; i++) {
        float[] t = Preprocessor.tensor(Preprocessor.decode(Files.readAllBytes(images.resolve(files.get(i)))), spec);
        double[] want = nets.embed(fm, t, spec.inputSize());
        for (int d = 0; d < want.length; d++) {
          assertEquals(want[d], x.get(i, d), 1e-4, fm + " row " + i);
        }
      }
    }
  }

  @Test
  void aBadImageOrSpecIsOneLineAndWritesNothing() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.write(images.resolve("dog").resolve("3.png"), new byte[] {1, 2, 3});
    InProcess.Run r = InProcess.run("embed", "--models", models.toString(), "--images", images.toString(), "--out", out + "/");
    assertEquals(2, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("dog/3.png: not an image"), r.err());
    try (var s = Files.list(out)) {
      assertEquals(0, s.count(), "nothing written");
    }
    Files.delete(images.resolve("dog").resolve("3.png"));
    Files.writeString(models.resolve("b.yaml"), Files.readString(models.resolve("b.yaml")).replace("dimension: 3", "dimension: 9"));
    r = InProcess.run("embed", "--models", models.toString(), "--images", images.toString(), "--out", out + "/");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("b.yaml: output '0' has shape (1, 3), expected (1, 9)"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    Files.writeString(images.resolve("stray.txt"), "x");
    r = InProcess.run("embed", "--models", models.toString(), "--images", images.toString(), "--out", out + "/");
    assertTrue(r.err().contains("stray.txt: expected one folder per class"), r.err());
    assertFalse(Files.exists(out.resolve("a.npy")));
  }

  @Test
  void refusesStandardOutputForItsSeveralFilesAndWritesThroughALink() throws Exception {
    InProcess.Run r = InProcess.run("embed", "--models", models.toString(), "--images", images.toString(), "--out", "-");
    assertEquals(2, r.code());
    assertEquals("fmselect embed: error: --out -: embed writes several files (PREFIX<fm>.npy, PREFIXlabels.npy, ...),"
        + " so it needs a folder or prefix, not standard output", r.err().strip());
    assertFalse(Files.exists(Path.of("-labels.npy")));
    // an output that is a symbolic link: it stays one, and its target gets the content
    Path out = Files.createDirectories(dir.resolve("out"));
    Path kept = Files.createDirectories(dir.resolve("kept")).resolve("classes.txt");
    Path link = Files.createSymbolicLink(out.resolve("classes.txt"), kept);
    r = InProcess.run("embed", "--models", models.toString(), "--images", images.toString(), "--out", out + "/", "--threads", "1");
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.isSymbolicLink(link));
    assertEquals(List.of("cat", "dog"), Files.readAllLines(kept));
  }
}
