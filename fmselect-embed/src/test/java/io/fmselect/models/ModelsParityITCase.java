package io.fmselect.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.embed.FmEncoder;
import io.fmselect.embed.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The converted nsfwjs models against the originals: the same images through ONNX Runtime (the ONNX
 * file of {@code fmselect models pull}, through {@link FmEncoder} as the stream runs it) and through
 * TensorFlow.js in Node ({@code tools/tfjs/parity.js}, pure-JS CPU backend) give pooled features whose
 * relative error |onnx - tfjs| / |tfjs| (L2) is at most 1e-4 for every image: at each model's own input
 * size, and at 96 px (features then pooled over the whole smaller feature map on both sides). Skipped
 * without node and npm. The worst error of each case is appended to {@code target/nsfwjs/parity.txt}.
 * TensorFlow.js on the CPU is slow (InceptionV3 at 299 px: 10 to 40 s an image on the shared 2 cores),
 * hence few images.
 */
class ModelsParityITCase {
  static final double TOLERANCE = 1e-4;

  @ParameterizedTest(name = "{0} at {1} px, {2} images")
  @CsvSource({
    "mobilenet-v2, 224, 3",
    "mobilenet-v2, 96, 2",
    "mobilenet-v2-140, 224, 2",
    "mobilenet-v2-140, 96, 2",
    "inception-v3, 299, 1",
    "inception-v3, 96, 2",
  })
  void onnxMatchesTensorFlowJs(String name, int size, int n) throws Exception {
    NsfwjsModels.Model m = NsfwjsModels.model(name);
    NsfwjsFiles.tarball(); // skips without npm before any work
    NsfwjsFiles.assumeCommand("node");
    Path models = NsfwjsFiles.models();
    ModelSpec spec = specAt(models, name, size);
    float[][] images = images(n, size);
    float[] chw = new float[n * 3 * size * size];
    float[] nhwc = new float[n * 3 * size * size];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < 3; c++) {
        for (int p = 0; p < size * size; p++) {
          float v = images[i][c * size * size + p];
          chw[(i * 3 + c) * size * size + p] = v;
          nhwc[(i * size * size + p) * 3 + c] = v;
        }
      }
    }
    float[][] onnx;
    try (FmEncoder enc = FmEncoder.open(spec, 2); FmEncoder.Worker w = enc.newWorker()) {
      onnx = w.embed(chw, n);
    }
    float[][] tfjs = NsfwjsFiles.tfjsFeatures(m.folder(), m.graphModel(), nhwc, n, size, spec.dimension());
    double worst = 0;
    for (int i = 0; i < n; i++) {
      double diff = 0;
      double ref = 0;
      for (int d = 0; d < spec.dimension(); d++) {
        diff += Math.pow(onnx[i][d] - tfjs[i][d], 2);
        ref += Math.pow(tfjs[i][d], 2);
      }
      assertTrue(ref > 0, "TensorFlow.js features of image " + i + " are all zero");
      worst = Math.max(worst, Math.sqrt(diff / ref));
    }
    String line = String.format("%s at %d px, %d images: worst relative error %.3g%n", name, size, n, worst);
    System.out.print(line);
    Files.writeString(NsfwjsFiles.dir().resolve("parity.txt"), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    assertTrue(worst <= TOLERANCE, line);
  }

  /** The pulled spec, or a copy of it at another input size (the spec format's input_size and resize). */
  static ModelSpec specAt(Path models, String name, int size) throws Exception {
    ModelSpec own = ModelSpec.load(models.resolve(name + ".yaml"));
    if (own.inputSize() == size) {
      return own;
    }
    Path dir = Files.createDirectories(NsfwjsFiles.dir().resolve("specs"));
    Path file = dir.resolve(name + "-" + size + ".yaml");
    String yaml = Files.readString(own.file())
        .replace("model: " + name + ".onnx", "model: ../models/" + name + ".onnx")
        .replace("input_size: " + own.inputSize(), "input_size: " + size)
        .replace("resize: " + own.inputSize(), "resize: " + size)
        .replace("name: " + name, "name: " + name + "-" + size);
    Files.writeString(file, yaml);
    ModelSpec s = ModelSpec.load(file);
    assertEquals(size, s.inputSize());
    return s;
  }

  /**
   * n images of side s, CHW with values in [0, 1]: the first a smooth colour gradient, the others
   * seeded uniform noise.
   */
  static float[][] images(int n, int s) {
    SplittableRandom r = new SplittableRandom(42 + s);
    float[][] out = new float[n][3 * s * s];
    for (int y = 0; y < s; y++) {
      for (int x = 0; x < s; x++) {
        out[0][y * s + x] = (float) x / (s - 1);
        out[0][s * s + y * s + x] = (float) y / (s - 1);
        out[0][2 * s * s + y * s + x] = (float) (x + y) / (2 * (s - 1));
      }
    }
    for (int i = 1; i < n; i++) {
      for (int k = 0; k < out[i].length; k++) {
        out[i][k] = (float) r.nextDouble();
      }
    }
    return out;
  }
}
