package io.fmselect.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real loading path: a generated ONNX model through DJL and ONNX Runtime. */
class FmEncoderTest {
  @TempDir Path dir;

  static ModelSpec spec(Path model, int size, int dim, String output) {
    return new ModelSpec(model.resolveSibling("tiny.yaml"), "tiny", model, "OnnxRuntime", size, size, new double[3],
        new double[] {1, 1, 1}, false, output, ModelSpec.Pooling.NONE, dim, "cpu", 8, 10);
  }

  @Test
  void embedsAsTheReferenceNetworkBatchedOrNot() throws Exception {
    TinyOnnx net = new TinyOnnx(6, 5, 42);
    Path file = dir.resolve("tiny.onnx");
    net.write(file);
    int s = 12;
    int n = 7;
    SplittableRandom r = new SplittableRandom(1);
    float[] batch = new float[n * 3 * s * s];
    for (int i = 0; i < batch.length; i++) {
      batch[i] = (float) r.nextGaussian();
    }
    try (FmEncoder enc = FmEncoder.open(spec(file, s, 5, "embedding"), 1); FmEncoder.Worker w = enc.newWorker()) {
      float[][] all = w.embed(batch, n);
      for (int i = 0; i < n; i++) {
        float[] one = new float[3 * s * s];
        System.arraycopy(batch, i * one.length, one, 0, one.length);
        double[] want = net.embed(one, s);
        float[] single = w.embed(one, 1)[0];
        for (int d = 0; d < 5; d++) {
          assertEquals(want[d], all[i][d], 1e-4, "image " + i + " dim " + d);
          assertEquals(all[i][d], single[d], 1e-5, "batched vs unbatched, image " + i);
        }
      }
    }
  }

  @Test
  void aWrongDimensionOrOutputIsReportedWhenTheModelOpens() throws Exception {
    Path file = dir.resolve("tiny.onnx");
    new TinyOnnx(4, 3, 7).write(file);
    var e = assertThrows(FmEncoder.ModelException.class, () -> FmEncoder.open(spec(file, 8, 16, "0"), 1));
    assertTrue(e.getMessage().contains("expected (1, 16)"), e.getMessage());
    e = assertThrows(FmEncoder.ModelException.class, () -> FmEncoder.open(spec(file, 8, 3, "logits"), 1));
    assertTrue(e.getMessage().contains("no output 'logits'") && e.getMessage().contains("'embedding'"), e.getMessage());
    Path junk = dir.resolve("junk.onnx");
    Files.write(junk, new byte[] {1, 2, 3, 4});
    e = assertThrows(FmEncoder.ModelException.class, () -> FmEncoder.open(spec(junk, 8, 3, "0"), 1));
    assertTrue(e.getMessage().contains("cannot load"), e.getMessage());
  }
}
