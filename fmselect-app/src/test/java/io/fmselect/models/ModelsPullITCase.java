package io.fmselect.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.cli.LauncherITCase;
import io.fmselect.embed.FmEncoder;
import io.fmselect.embed.ModelSpec;
import io.fmselect.embed.Preprocessor;
import io.fmselect.io.NpyMatrix;
import io.fmselect.io.NpyReader;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/fmselect models pull} as a user runs it, and a pulled model used unchanged by
 * {@code embed} under a spec at a smaller input size than the model's own.
 */
class ModelsPullITCase {
  @TempDir Path dir;

  @Test
  void pullsAModelThatEmbedRunsAtASmallerSize() throws Exception {
    Path tgz = NsfwjsFiles.tarball();
    Path models = dir.resolve("models");
    // the ONNX file kept elsewhere through a (still dangling) symbolic link: the link stays, its target is written
    Path store = Files.createDirectories(dir.resolve("store"));
    Path link = Files.createSymbolicLink(Files.createDirectories(models).resolve("mobilenet-v2.onnx"),
        store.resolve("mobilenet-v2.onnx"));
    LauncherITCase.Result r = LauncherITCase.launch("models", "pull", "--tarball", tgz.toString(), "--out",
        models.toString(), "--model", "mobilenet-v2");
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.isSymbolicLink(link), "the link stays a link");
    assertTrue(Files.size(store.resolve("mobilenet-v2.onnx")) > 1_000_000, "its target holds the model");
    assertEquals(1, r.out().lines().count(), r.out());
    assertTrue(r.out().startsWith("mobilenet-v2: MobileNetV2 1.0, Keras layers model, 1280-d features, input 224,"), r.out());
    assertEquals(List.of("mobilenet-v2.onnx", "mobilenet-v2.yaml"), list(models));
    ModelSpec pulled = ModelSpec.load(models.resolve("mobilenet-v2.yaml"));
    assertEquals(224, pulled.inputSize());
    assertEquals(1280, pulled.dimension());

    // the same ONNX file under a spec that feeds it 96 px images
    Path small = Files.createDirectories(dir.resolve("small"));
    Files.writeString(small.resolve("mobilenet-v2.yaml"), Files.readString(pulled.file())
        .replace("model: mobilenet-v2.onnx", "model: ../models/mobilenet-v2.onnx")
        .replace("input_size: 224", "input_size: 96").replace("resize: 224", "resize: 110"));
    Path images = dir.resolve("images");
    for (int i = 0; i < 4; i++) {
      Path cls = Files.createDirectories(images.resolve(i % 2 == 0 ? "a" : "b"));
      BufferedImage img = new BufferedImage(160 + 10 * i, 120, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < img.getHeight(); y++) {
        for (int x = 0; x < img.getWidth(); x++) {
          img.setRGB(x, y, ((x * (i + 1)) & 0xff) << 16 | ((y * 2 + 40 * i) & 0xff) << 8 | ((x + y) & 0xff));
        }
      }
      ImageIO.write(img, "png", cls.resolve(i + ".png").toFile());
    }
    Path emb = Files.createDirectories(dir.resolve("emb"));
    LauncherITCase.Result e = LauncherITCase.launch("embed", "--models", small.toString(), "--images",
        images.toString(), "--out", emb + "/", "--threads", "2");
    assertEquals(0, e.code(), e.err());
    NpyMatrix m = NpyReader.mapFeatures(emb.resolve("mobilenet-v2.npy"));
    assertEquals(4, m.rows());
    assertEquals(1280, m.dim());
    // each row is the model applied to that image preprocessed at 96 px
    ModelSpec s = ModelSpec.load(small.resolve("mobilenet-v2.yaml"));
    List<String> files = Files.readAllLines(emb.resolve("files.txt"));
    try (FmEncoder enc = FmEncoder.open(s, 2); FmEncoder.Worker w = enc.newWorker()) {
      float[] row = new float[1280];
      for (int i = 0; i < 4; i++) {
        float[] t = Preprocessor.tensor(Preprocessor.decode(Files.readAllBytes(images.resolve(files.get(i)))), s);
        float[] want = w.embed(t, 1)[0];
        m.copyRowAsFloat(i, row);
        double diff = 0;
        double norm = 0;
        for (int d = 0; d < 1280; d++) {
          assertTrue(Float.isFinite(row[d]));
          diff += Math.pow(row[d] - want[d], 2);
          norm += Math.pow(want[d], 2);
        }
        assertTrue(norm > 0, "features are not all zero");
        assertTrue(Math.sqrt(diff / norm) < 1e-5, files.get(i) + ": relative error " + Math.sqrt(diff / norm));
      }
    }
  }

  @Test
  void badInputIsOneLineAndNothingWritten() throws Exception {
    Path models = dir.resolve("models");
    LauncherITCase.Result missing = LauncherITCase.launch("models", "pull", "--tarball",
        dir.resolve("nope.tgz").toString(), "--out", models.toString());
    assertEquals(2, missing.code());
    assertEquals("fmselect models pull: error: --tarball " + dir.resolve("nope.tgz") + ": no such file", missing.err().strip());
    assertFalse(Files.exists(models));

    LauncherITCase.Result small = LauncherITCase.launch("models", "pull", "--input-size", "32", "--out", models.toString());
    assertEquals(2, small.code());
    assertEquals("fmselect models pull: error: --input-size must be between 75 and 1024 pixels (inception-v3 needs 75)",
        small.err().strip());
    assertFalse(Files.exists(models));

    LauncherITCase.Result unknown = LauncherITCase.launch("models", "pull", "--model", "resnet", "--out", models.toString());
    assertEquals(2, unknown.code());
    assertEquals(1, unknown.err().lines().count(), unknown.err());
    assertTrue(unknown.err().contains("unknown model 'resnet' (known: mobilenet-v2, mobilenet-v2-140, inception-v3)"),
        unknown.err());

    // a package tarball, but another package
    Path pkg = Files.createDirectories(dir.resolve("other/package"));
    Files.writeString(pkg.resolve("package.json"), "{\"name\": \"other\", \"version\": \"1.0.0\"}");
    Path tgz = dir.resolve("other.tgz");
    Process tar = new ProcessBuilder("tar", "czf", tgz.toString(), "-C", dir.resolve("other").toString(), "package")
        .inheritIO().start();
    assertEquals(0, tar.waitFor());
    LauncherITCase.Result other = LauncherITCase.launch("models", "pull", "--tarball", tgz.toString(), "--out",
        models.toString());
    assertEquals(2, other.code());
    assertEquals("fmselect models pull: error: " + tgz + ": is other@1.0.0, not nsfwjs@4.4.0", other.err().strip());
    assertEquals(List.of(), list(models), "nothing written");

    // not a tarball at all
    Path junk = dir.resolve("junk.tgz");
    Files.writeString(junk, "not gzip");
    LauncherITCase.Result bad = LauncherITCase.launch("models", "pull", "--tarball", junk.toString(), "--out",
        models.toString());
    assertEquals(2, bad.code());
    assertEquals(1, bad.err().lines().count(), bad.err());
    assertTrue(bad.err().contains("not a gzipped tar archive"), bad.err());
    assertEquals(List.of(), list(models), "nothing written");
  }

  private static List<String> list(Path d) throws Exception {
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (var s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
