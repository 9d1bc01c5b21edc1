package io.fmselect.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real loading path: generated models through DJL, as ONNX through ONNX Runtime and as TorchScript
 * through PyTorch (libtorch).
 */
class FmEncoderTest {
  @TempDir Path dir;

  static ModelSpec spec(Path model, int size, int dim, String output) {
    return spec(model, size, dim, output, "cpu");
  }

  static ModelSpec spec(Path model, int size, int dim, String output, String device) {
    String engine = model.toString().endsWith(".pt") ? "PyTorch" : "OnnxRuntime";
    return new ModelSpec(model.resolveSibling("tiny.yaml"), "tiny", model, engine, size, size,
        ModelSpec.Interpolation.BILINEAR, true, new double[3],
        new double[] {1, 1, 1}, false, output, ModelSpec.Pooling.NONE, dim, device, 8, 10);
  }

  /** The network written in the given format. */
  static Path write(TinyEncoder net, Path dir, String format) throws Exception {
    Path file = dir.resolve("tiny." + format);
    if (format.equals("pt")) {
      net.writeTorchScript(file);
    } else {
      net.writeOnnx(file);
    }
    return file;
  }

  @ParameterizedTest
  @ValueSource(strings = {"onnx", "pt"})
  void embedsAsTheReferenceNetworkBatchedOrNot(String format) throws Exception {
    TinyEncoder net = new TinyEncoder(6, 5, 42);
    Path file = write(net, dir, format);
    int s = 12;
    int n = 7;
    SplittableRandom r = new SplittableRandom(1);
    float[] batch = new float[n * 3 * s * s];
    for (int i = 0; i < batch.length; i++) {
      batch[i] = (float) r.nextGaussian();
    }
    try (FmEncoder enc = FmEncoder.open(spec(file, s, 5, "0"), 1); FmEncoder.Worker w = enc.newWorker()) {
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
  void theOnnxOutputCanBeNamed() throws Exception {
    TinyEncoder net = new TinyEncoder(3, 2, 9);
    Path file = write(net, dir, "onnx");
    float[] img = new float[3 * 4 * 4];
    Arrays.fill(img, 0.5f);
    try (FmEncoder enc = FmEncoder.open(spec(file, 4, 2, "embedding"), 1); FmEncoder.Worker w = enc.newWorker()) {
      assertEquals(net.embed(img, 4)[1], w.embed(img, 1)[0][1], 1e-4);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"onnx", "pt"})
  void aWrongDimensionOrOutputIsReportedWhenTheModelOpens(String format) throws Exception {
    Path file = write(new TinyEncoder(4, 3, 7), dir, format);
    var e = assertThrows(FmEncoder.ModelException.class, () -> FmEncoder.open(spec(file, 8, 16, "0"), 1));
    assertTrue(e.getMessage().contains("expected (1, 16)"), e.getMessage());
    e = assertThrows(FmEncoder.ModelException.class, () -> FmEncoder.open(spec(file, 8, 3, "logits"), 1));
    assertTrue(e.getMessage().contains("no output 'logits'"), e.getMessage());
    if (format.equals("onnx")) {
      assertTrue(e.getMessage().contains("'embedding'"), e.getMessage());
    }
    Path junk = dir.resolve("junk." + format);
    Files.write(junk, new byte[] {1, 2, 3, 4});
    e = assertThrows(FmEncoder.ModelException.class, () -> FmEncoder.open(spec(junk, 8, 3, "0"), 1));
    assertTrue(e.getMessage().contains("cannot load " + junk + " with "), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"onnx", "pt"})
  void aGpuThatIsNotThereIsReportedWhenTheModelOpens(String format) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(ai.djl.util.cuda.CudaUtils.getGpuCount() == 0, "this machine has a GPU");
    Path file = write(new TinyEncoder(4, 3, 7), dir, format);
    var e = assertThrows(FmEncoder.ModelException.class, () -> FmEncoder.open(spec(file, 8, 3, "0", "gpu:0"), 1));
    boolean cudaBuild = ai.onnxruntime.OrtEnvironment.getAvailableProviders().contains(ai.onnxruntime.OrtProvider.CUDA);
    String want = format.equals("pt") ? "'device: gpu:0' but PyTorch sees 0 GPUs here"
        : cudaBuild ? "'device: gpu:0' but OnnxRuntime sees 0 GPUs here" // mvn -Pgpu on a machine without one
        : "'device: gpu:0' needs ONNX Runtime with CUDA: build fmselect with the gpu profile";
    assertTrue(e.getMessage().contains(want), e.getMessage());
  }
}
